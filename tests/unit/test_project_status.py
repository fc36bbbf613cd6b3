"""The project status machine, from its one table."""

import pytest

from portal.models.project import (
    ACTIVE_STATUSES,
    CANCELLED,
    COMPLETED,
    ON_HOLD,
    PHASES,
    STATUSES,
    allowed_transitions,
    phase_index,
)

FORWARD = ["draft", "confirmed", "scheduled", "in_progress", "delivered", "invoiced", "completed"]


@pytest.mark.parametrize("current,target", list(zip(FORWARD, FORWARD[1:])))
def test_each_active_status_moves_forward_one_step(current, target):
    assert target in allowed_transitions(current)


@pytest.mark.parametrize("status", STATUSES)
def test_no_skipping_or_going_back(status):
    allowed = set(allowed_transitions(status, held_from="scheduled"))
    if status in FORWARD:
        index = FORWARD.index(status)
        assert not allowed & set(FORWARD[:index]) - ({"scheduled"} if status == ON_HOLD else set())
        assert not allowed & set(FORWARD[index + 2 :])


@pytest.mark.parametrize("status", ACTIVE_STATUSES)
def test_hold_from_any_active_status_and_back(status):
    assert ON_HOLD in allowed_transitions(status)
    assert allowed_transitions(ON_HOLD, held_from=status)[0] == status


def test_cancel_only_early_or_on_hold():
    cancellable = {s for s in STATUSES if CANCELLED in allowed_transitions(s, held_from="draft")}
    assert cancellable == {"draft", "confirmed", "scheduled", ON_HOLD}


@pytest.mark.parametrize("status", [COMPLETED, CANCELLED])
def test_terminal_statuses(status):
    assert allowed_transitions(status) == ()


def test_phases_map_every_status():
    assert [phase_index(s) for s in FORWARD] == [0, 0, 1, 2, 3, 4, 4]
    assert phase_index(ON_HOLD, held_from="in_progress") == 2
    assert phase_index(CANCELLED) is None
    assert len(PHASES) == 5
