"""Machine-readable values the templates emit."""

from datetime import UTC, datetime, timedelta, timezone

from portal.dashboard.project_forms import choice_id
from portal.formatting import iso_datetime


def test_time_datetime_is_utc_to_the_second():
    assert iso_datetime(datetime(2026, 12, 2, 12, 39, 38, 712421, tzinfo=UTC)) == "2026-12-02T12:39:38Z"
    berlin = timezone(timedelta(hours=1))
    assert iso_datetime(datetime(2026, 12, 2, 13, 39, 38, 5, tzinfo=berlin)) == "2026-12-02T12:39:38Z"
    assert iso_datetime(datetime(2026, 12, 2, 12, 39, 38, 5)) == "2026-12-02T12:39:38Z"
    assert iso_datetime(None) == ""


def test_an_empty_placeholder_choice_is_no_id():
    assert choice_id("") == 0 and choice_id(None) == 0 and choice_id("7") == 7
