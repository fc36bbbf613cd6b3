"""Proposals: drafted with lines, sent, then accepted (creating the project) or declined."""

from __future__ import annotations

from datetime import UTC, date, datetime

from portal.models import Proposal, ProposalLine
from portal.models.activity import ACTOR_CLIENT
from portal.models.project import CONFIRMED
from portal.models.proposal import ACCEPTED, DECLINED, DRAFT, EXPIRED, SENT, STATUS_LABELS
from portal.outbox import commit_and_dispatch
from portal.outbox.kinds.billing import ProposalAnswered, ProposalSent
from portal.outbox.kinds.progress import ProposalSigned
from portal.services import billing, projects
from portal.services.activity import Actor, record
from portal.services.errors import ServiceError


def _fill(proposal: Proposal, *, title, intro, terms, valid_until) -> None:
    proposal.title = title.strip()
    proposal.intro = (intro or "").strip() or None
    proposal.terms = (terms or "").strip() or None
    proposal.valid_until = valid_until


# Drafting and editing: DRAFTS.create(org, actor, **fields) and DRAFTS.update(proposal, org, actor, **fields).
DRAFTS = billing.Drafts(Proposal, ProposalLine, "proposal", _fill, first_field="title")


def _require(proposal: Proposal, allowed: tuple[str, ...], action: str) -> None:
    if proposal.status not in allowed or not billing.hold_status(proposal, allowed):
        raise ServiceError(f"A {STATUS_LABELS[proposal.status].lower()} proposal cannot be {action}.", "status")


def send_proposal(proposal: Proposal, actor: Actor) -> Proposal:
    """Send a draft proposal to the client."""
    _require(proposal, (DRAFT,), "sent")
    if proposal.valid_until is not None and proposal.valid_until < date.today():
        raise ServiceError("The validity date has passed; set a new one before sending.", "status")
    proposal.status = SENT
    proposal.sent_at = datetime.now(UTC)
    record(actor, "proposal.sent", f"{actor.label} sent proposal {proposal.number}", subject=proposal)
    commit_and_dispatch(ProposalSent.queue(proposal))
    return proposal


def _record_answerer(proposal: Proposal, actor: Actor, ip: str | None) -> None:
    # The client's IP proves where a signature came from; an operator's would only mislead on the signed copy.
    if actor.type == ACTOR_CLIENT:
        proposal.decision_ip, proposal.decision_recorded_by = ip, None
    else:
        proposal.decision_ip, proposal.decision_recorded_by = None, actor.label


def accept_proposal(
    proposal: Proposal, actor: Actor, *, name: str, ip: str | None = None, today: date | None = None
) -> Proposal:
    """Accept a sent, unexpired proposal; creates its project in the same transaction when it has none."""
    _require(proposal, (SENT,), "accepted")
    if proposal.display_status(today or date.today()) == EXPIRED:
        raise ServiceError("This proposal has expired and can no longer be accepted.", "status")
    name = (name or "").strip()
    if not name:
        raise ServiceError("Type the full name of the person accepting.", "name")
    proposal.status = ACCEPTED
    proposal.decided_at = datetime.now(UTC)
    proposal.decision_name = name[:160]
    _record_answerer(proposal, actor, ip)
    if proposal.project_id is None:
        project = projects.create_project(
            proposal.org_id,
            actor,
            client_id=proposal.client_id,
            name=proposal.title,
            description=proposal.intro,
            status=CONFIRMED,
            commit=False,
        )
        proposal.project_id = project.id
    record(
        actor,
        "proposal.accepted",
        f"{name} accepted proposal {proposal.number}",
        subject=proposal,
        details={"name": name},
    )
    # Whoever signed in the portal gets the signed copy; an acceptance the operator records has no signer here.
    signed = ProposalSigned.queue(proposal, actor.label) if actor.type == ACTOR_CLIENT else []
    commit_and_dispatch(ProposalAnswered.queue(proposal), signed)
    return proposal


def decline_proposal(
    proposal: Proposal, actor: Actor, *, reason: str, name: str | None = None, ip: str | None = None
) -> Proposal:
    """Decline a sent proposal with a reason."""
    _require(proposal, (SENT,), "declined")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give a reason for declining.", "reason")
    if len(reason) > 2000:
        raise ServiceError("Keep the reason under 2,000 characters.", "reason")
    proposal.status = DECLINED
    proposal.decided_at = datetime.now(UTC)
    proposal.decision_name = (name or actor.label)[:160]
    proposal.decision_reason = reason
    _record_answerer(proposal, actor, ip)
    record(
        actor,
        "proposal.declined",
        f"Proposal {proposal.number} was declined",
        subject=proposal,
        details={"reason": reason},
    )
    commit_and_dispatch(ProposalAnswered.queue(proposal))
    return proposal
