"""The client's overview: what needs them now (deliverables to review, unread threads, open proposals, unpaid
invoices) and the recent activity meant for them, as statements built once on the visibility rules."""

from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam

from portal.client.visibility import (
    awaiting_review,
    open_proposal,
    sent_to_client,
    unpaid_invoice,
    unread_message,
    visible_ids_statement,
)
from portal.extensions import db
from portal.models import Activity, Deliverable, Invoice, Message, MessageRead, Project, Proposal

CLIENT_FACING_VERBS = (
    "project.status_changed",
    "deliverable.decided",
    "deliverable.new_version",
    "proposal.sent",
    "proposal.accepted",
    "proposal.declined",
    "invoice.sent",
    "invoice.paid",
)


@cache
def overview_statements() -> dict:
    """The overview's lists, built once with the bind parameters of visibility()."""
    org_id, email = bindparam("v_org"), bindparam("v_email")
    visible = visible_ids_statement()
    read_up_to = (
        db.select(MessageRead.last_read_message_id)
        .where(MessageRead.project_id == Project.id, MessageRead.reader_email == email)
        .correlate(Project)
        .scalar_subquery()
    )
    return {
        "review": db.select(
            Deliverable.id,
            Deliverable.title,
            Deliverable.version,
            Deliverable.project_id,
            Project.name.label("project_name"),
        )
        .join(Project, db.and_(Project.id == Deliverable.project_id, Project.org_id == org_id))
        .where(Deliverable.project_id.in_(visible), awaiting_review())
        .order_by(Deliverable.updated_at.desc())
        .limit(20),
        "unread": db.select(Project.id, Project.name, db.func.count(Message.id).label("unread"))
        .join(Message, Message.project_id == Project.id)
        .where(Project.org_id == org_id, Project.id.in_(visible), unread_message(read_up_to))
        .group_by(Project.id, Project.name)
        .order_by(Project.name)
        .limit(20),
        "open_proposals": db.select(
            Proposal.id, Proposal.number, Proposal.title, Proposal.total_minor, Proposal.currency, Proposal.valid_until
        )
        .where(sent_to_client(Proposal), open_proposal())
        .order_by(Proposal.id.desc())
        .limit(20),
        "unpaid": db.select(Invoice.id, Invoice.number, Invoice.total_minor, Invoice.currency, Invoice.due_date)
        .where(sent_to_client(Invoice), unpaid_invoice())
        .order_by(Invoice.due_date)
        .limit(20),
        # Twice what is shown: status moves within one client phase are left out (portal.client.timeline).
        "activity": db.select(
            Activity.verb,
            Activity.summary,
            Activity.details,
            Activity.at,
            Project.name.label("project_name"),
            db.func.coalesce(Invoice.number, Proposal.number).label("number"),
        )
        .join(Project, Project.id == Activity.project_id)
        .outerjoin(Invoice, db.and_(Activity.subject_type == "invoice", Invoice.id == Activity.subject_id))
        .outerjoin(Proposal, db.and_(Activity.subject_type == "proposal", Proposal.id == Activity.subject_id))
        .where(Activity.org_id == org_id, Activity.project_id.in_(visible), Activity.verb.in_(CLIENT_FACING_VERBS))
        .order_by(Activity.at.desc(), Activity.id.desc())
        .limit(20),
    }
