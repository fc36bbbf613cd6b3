"""Steps that ask first: an irreversible or client-visible step answers with a plain confirm page (without
JavaScript, or when there is more to say than the button's hx-confirm question) until the form says it was
confirmed."""

from __future__ import annotations

from flask import request

from portal.extensions import db
from portal.htmx import is_fragment_request, render
from portal.models import Deliverable, Project
from portal.models.deliverable import PENDING
from portal.models.project import CANCELLED, COMPLETED, DELIVERED, INVOICED, STATUS_LABELS

CONFIRMED = "1"
# The status moves the client sees at once or that cannot be undone, with what the confirm page says.
STATUS_QUESTIONS = {
    DELIVERED: "Mark “{name}” delivered? The client sees the project move to Review.",
    INVOICED: "Mark “{name}” invoiced? The client sees the project as Complete.",
    COMPLETED: "Mark “{name}” completed? Its status no longer changes after this.",
    CANCELLED: "Cancel “{name}”? Its status no longer changes after this.",
}


def ask_first(question: str, *, back: str, label: str, pending=(), token: str = CONFIRMED):
    """The confirm page for this request's POST, unless its form carries ``confirmed=<token>``; None then."""
    if request.form.get("confirmed") == token:
        return None
    fields = [(key, value) for key, value in request.form.items(multi=True) if key not in ("csrf_token", "confirmed")]
    response = render(
        "dashboard/confirm.html",
        "content",
        question=question,
        pending=pending,
        action=request.path,
        fields=fields,
        token=token,
        label=label,
        back=back,
    )
    if is_fragment_request():
        # The button's target is a small card: the question takes the page's main area instead.
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def pending_reviews(project_id: int) -> list[str]:
    """Titles of the project's client-visible deliverables still waiting for the client's decision."""
    return list(
        db.session.execute(
            db.select(Deliverable.title)
            .where(
                Deliverable.project_id == project_id,
                Deliverable.client_visible.is_(True),
                Deliverable.approval_status == PENDING,
            )
            .order_by(Deliverable.id)
        ).scalars()
    )


def ask_before_status(project: Project, target: str, back: str):
    """The confirm page before a status move that asks first (saying which reviews are pending before Completed)."""
    if target not in STATUS_QUESTIONS or target not in project.next_statuses:
        return None
    pending = pending_reviews(project.id) if target == COMPLETED else []
    question = STATUS_QUESTIONS[target].format(name=project.name)
    if pending:
        count = f"{len(pending)} deliverables still await" if len(pending) != 1 else "1 deliverable still awaits"
        question = f"{count} the client’s review. Mark “{project.name}” completed anyway?"
    return ask_first(
        question,
        back=back,
        label=f"Mark {STATUS_LABELS[target].lower()}" if target != CANCELLED else "Cancel project",
        pending=pending,
        token="pending-reviews" if pending else CONFIRMED,
    )
