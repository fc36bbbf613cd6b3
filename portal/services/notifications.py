"""What to email about which event: outbox rows added to the event's transaction, and their content at send time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app

from portal.extensions import db
from portal.models import (
    Client,
    Deliverable,
    EmailVerification,
    Invoice,
    Membership,
    Message,
    Notification,
    NotificationItem,
    Organization,
    PortalLink,
    Project,
    Proposal,
    User,
)
from portal.models.notification import PENDING
from portal.services import account_emails

CLIENT_KINDS = ("invitation", "verification_code", "messages", "deliverable_ready", "proposal_sent", "invoice_sent")
# The client emails the link's "Emails" toggle controls (invitations and codes are always sent).
CLIENT_UPDATES = ("messages", "deliverable_ready", "proposal_sent", "invoice_sent")
OPERATOR_KINDS = ("client_messages", "deliverable_decided", "proposal_answered", "client_upload", "link_locked")
KIND_LABELS = {
    "invitation": "Portal invitation",
    "verification_code": "Verification code",
    "messages": "New messages (client)",
    "deliverable_ready": "Deliverable ready (client)",
    "proposal_sent": "Proposal sent (client)",
    "invoice_sent": "Invoice sent (client)",
    "client_messages": "Client messages",
    "deliverable_decided": "Deliverable decision",
    "proposal_answered": "Proposal answered",
    "client_upload": "Client upload",
    "link_locked": "Access code locked",
}
KIND_LABELS.update(account_emails.LABELS)
# The client hears when a project becomes Scheduled and when its work in the field starts.
PROGRESS_STATUSES = ("scheduled", "in_progress")
CLIENT_KINDS += ("proposal_signed", "project_progress")
CLIENT_UPDATES += ("project_progress",)
KIND_LABELS.update({"proposal_signed": "Signed proposal (client)", "project_progress": "Project progress (client)"})


def _now() -> datetime:
    return datetime.now(UTC)


def _add(org_id: int, to: str, kind: str, subject: str, context: dict, **fields) -> Notification:
    notification = Notification(
        org_id=org_id, to_email=to, kind=kind, subject=subject[:300], context=context, status=PENDING, **fields
    )
    db.session.add(notification)
    return notification


def _to_each(recipients, org_id: int, kind: str, subject: str, context: dict, **fields) -> list[Notification]:
    """One email of this kind to every recipient."""
    return [_add(org_id, to, kind, subject, context, **fields) for to in recipients]


def _batched(org_id: int, to: str, kind: str, project: Project, message: Message, subject) -> Notification:
    """Add the message to the recipient's waiting email about this project, or start one that waits a few minutes."""
    key = f"{kind}:{project.id}:{to}"
    waiting = db.session.execute(
        db.select(Notification)
        .where(Notification.batch_key == key, Notification.status == PENDING, Notification.attempts == 0)
        .order_by(Notification.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if waiting is not None and _hold_batch(waiting.id):
        db.session.add(NotificationItem(notification_id=waiting.id, message_id=message.id))
        db.session.flush()
        waiting.subject = subject(len(batched_message_ids(waiting)))[:300]
        return waiting
    delay = timedelta(seconds=current_app.config["EMAIL_BATCH_SECONDS"])
    notification = _add(
        org_id,
        to,
        kind,
        subject(1),
        {"project_id": project.id},
        project_id=project.id,
        batch_key=key,
        next_attempt_at=_now() + delay if delay else None,
    )
    db.session.flush()
    db.session.add(NotificationItem(notification_id=notification.id, message_id=message.id))
    return notification


def _hold_batch(notification_id: int) -> bool:
    """Lock a waiting batch until this transaction ends; False when a worker has claimed it meanwhile.

    The no-op update takes the row lock (PostgreSQL) or the write lock (SQLite) that the worker's claim also
    needs: a claim either waits for this commit, and then sends the message added here, or came first, and the
    message starts the next email."""
    from sqlalchemy import update

    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == PENDING, Notification.attempts == 0)
        .values(batch_key=Notification.batch_key)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def batched_message_ids(notification: Notification) -> list[int]:
    """The ids of the messages batched into a notification, oldest first."""
    return list(
        db.session.execute(
            db.select(NotificationItem.message_id)
            .where(NotificationItem.notification_id == notification.id)
            .order_by(NotificationItem.message_id)
        ).scalars()
    )


def project_recipients(project: Project) -> list[str]:
    """Client emails with an active link to this project (or client-wide) whose notifications are on."""
    from portal.services.portal_links import active_link_condition

    rows = db.session.execute(
        db.select(PortalLink.client_email)
        .where(
            PortalLink.org_id == project.org_id,
            PortalLink.notify_email.is_(True),
            active_link_condition(_now()),
            db.or_(
                PortalLink.project_id == project.id,
                db.and_(PortalLink.project_id.is_(None), PortalLink.client_id == project.client_id),
            ),
        )
        .distinct()
        .order_by(PortalLink.client_email)
    ).scalars()
    return list(rows)


def client_recipients(client: Client) -> list[str]:
    """The client's own email, when one of its active links has notifications on (it is what sees billing)."""
    from portal.services.portal_links import active_link_condition

    found = db.session.execute(
        db.select(PortalLink.id)
        .where(
            PortalLink.org_id == client.org_id,
            PortalLink.client_id == client.id,
            PortalLink.client_email == client.email,
            PortalLink.notify_email.is_(True),
            active_link_condition(_now()),
        )
        .limit(1)
    ).first()
    return [client.email] if found else []


def operator_recipients(org_id: int) -> list[str]:
    """Every member of the organization."""
    return list(
        db.session.execute(
            db.select(User.email).join(Membership, Membership.user_id == User.id).where(Membership.org_id == org_id)
        ).scalars()
    )


def operator_message(project: Project, message: Message) -> list[Notification]:
    """Tell the client about a new operator message, batched per project."""

    def subject(count: int) -> str:
        return f"{'A new message' if count == 1 else f'{count} new messages'} about {project.name}"

    return [_batched(project.org_id, to, "messages", project, message, subject) for to in project_recipients(project)]


def client_message(project: Project, message: Message) -> list[Notification]:
    """Tell the operators about a client message, batched per project."""

    def subject(count: int) -> str:
        what = "a message" if count == 1 else f"{count} messages"
        return f"{message.sender_name} sent {what} on {project.name}"

    return [
        _batched(project.org_id, to, "client_messages", project, message, subject)
        # Always in the same order, so two posts locking the same batches never wait on each other in a circle.
        for to in sorted(operator_recipients(project.org_id))
    ]


def deliverable_ready(deliverable: Deliverable) -> list[Notification]:
    """Tell the client a deliverable awaits their review (once per version and recipient)."""
    if not (deliverable.client_visible and deliverable.status == "ready" and deliverable.approval_status == "pending"):
        return []
    project = db.session.get(Project, deliverable.project_id)
    added = []
    for to in project_recipients(project):
        key = f"deliverable:{deliverable.id}:v{deliverable.version}:{to}"
        if db.session.execute(db.select(Notification.id).where(Notification.batch_key == key)).first():
            continue
        added.append(
            _add(
                project.org_id,
                to,
                "deliverable_ready",
                f"Ready for your review: {deliverable.title}",
                {"deliverable_id": deliverable.id},
                project_id=project.id,
                batch_key=key,
            )
        )
    return added


def proposal_sent(proposal: Proposal) -> list[Notification]:
    """Tell the client a proposal awaits their answer."""
    client = db.session.get(Client, proposal.client_id)
    subject = f"Proposal {proposal.number}: {proposal.title}"
    context = {"proposal_id": proposal.id}
    return _to_each(
        client_recipients(client), proposal.org_id, "proposal_sent", subject, context, project_id=proposal.project_id
    )


def invoice_sent(invoice: Invoice) -> list[Notification]:
    """Tell the client about a new invoice."""
    client = db.session.get(Client, invoice.client_id)
    context = {"invoice_id": invoice.id}
    return _to_each(
        client_recipients(client),
        invoice.org_id,
        "invoice_sent",
        f"Invoice {invoice.number}",
        context,
        project_id=invoice.project_id,
    )


def deliverable_decided(deliverable: Deliverable) -> list[Notification]:
    """Tell the operators what the client decided."""
    project = db.session.get(Project, deliverable.project_id)
    verdict = {"approved": "approved", "revision_requested": "asked for a revision of", "rejected": "rejected"}
    who = deliverable.decided_by_name or deliverable.decided_by_email
    subject = f"{who} {verdict.get(deliverable.approval_status, 'decided on')} {deliverable.title}"
    context = {"deliverable_id": deliverable.id}
    return _to_each(
        operator_recipients(project.org_id),
        project.org_id,
        "deliverable_decided",
        subject,
        context,
        project_id=project.id,
    )


def proposal_answered(proposal: Proposal) -> list[Notification]:
    """Tell the operators the client accepted or declined a proposal."""
    subject = f"Proposal {proposal.number} was {proposal.status}"
    context = {"proposal_id": proposal.id}
    return _to_each(
        operator_recipients(proposal.org_id),
        proposal.org_id,
        "proposal_answered",
        subject,
        context,
        project_id=proposal.project_id,
    )


def client_upload(project: Project, uploader: str, filenames: list[str]) -> list[Notification]:
    """Tell the operators the client sent files."""
    subject = f"{uploader} uploaded {len(filenames)} file{'s' if len(filenames) != 1 else ''} to {project.name}"
    context = {"project_id": project.id, "uploader": uploader, "files": filenames[:50]}
    return _to_each(
        operator_recipients(project.org_id), project.org_id, "client_upload", subject, context, project_id=project.id
    )


def link_locked(link: PortalLink, failures: int, for_good: bool) -> list[Notification]:
    """Tell the operators a link's access code was locked after wrong tries."""
    subject = f"Access code of {link.client_email} {'locked' if for_good else 'paused'} after {failures} wrong tries"
    context = {"link_id": link.id, "failures": failures, "for_good": for_good}
    return _to_each(
        operator_recipients(link.org_id), link.org_id, "link_locked", subject, context, project_id=link.project_id
    )


def invitation(link: PortalLink) -> Notification:
    """The invitation: the one email whose body is the link itself (derived again at send time, never stored)."""
    org = db.session.get(Organization, link.org_id)
    return _add(
        link.org_id,
        link.client_email,
        "invitation",
        f"Your client portal with {org.name}",
        {"link_id": link.id},
        project_id=link.project_id,
    )


def verification_code(verification: EmailVerification) -> Notification:
    """The mail carrying a one-time code (derived again at send time from its nonce, never stored)."""
    org = db.session.get(Organization, verification.org_id)
    return _add(
        verification.org_id,
        verification.email,
        "verification_code",
        f"Your {org.name} verification code",
        {"verification_id": verification.id},
    )


def proposal_signed(proposal: Proposal, to: str) -> Notification:
    """The signed copy of an accepted proposal, to the person who accepted it in the portal (a PDF attached)."""
    return _add(
        proposal.org_id,
        to,
        "proposal_signed",
        f"Your signed copy of proposal {proposal.number}: {proposal.title}",
        {"proposal_id": proposal.id},
        project_id=proposal.project_id,
    )


def progress_recipients(project: Project) -> list[str]:
    """Client emails with an active link to this project (or client-wide), emails on, and not locked."""
    from portal.services.portal_links import active_link_condition

    now = _now()
    rows = db.session.execute(
        db.select(PortalLink.client_email)
        .where(
            PortalLink.org_id == project.org_id,
            PortalLink.notify_email.is_(True),
            active_link_condition(now),
            PortalLink.code_locked.is_(False),
            db.or_(PortalLink.locked_until.is_(None), PortalLink.locked_until <= now),
            db.or_(
                PortalLink.project_id == project.id,
                db.and_(PortalLink.project_id.is_(None), PortalLink.client_id == project.client_id),
            ),
        )
        .distinct()
        .order_by(PortalLink.client_email)
    ).scalars()
    return list(rows)


def _progress_subject(project: Project) -> str:
    if project.status == "scheduled":
        return f"{project.name} is scheduled"
    return f"{project.name}: work in the field has started"


def project_progress(project: Project) -> list[Notification]:
    """Tell the client the project is scheduled or in the field: one email per batch window, saying where it is
    when it leaves (a second move while one waits changes that one)."""
    if project.status not in PROGRESS_STATUSES:
        return []
    subject = _progress_subject(project)
    delay = timedelta(seconds=current_app.config["EMAIL_BATCH_SECONDS"])
    queued = []
    for to in progress_recipients(project):
        key = f"progress:{project.id}:{to}"
        waiting = db.session.execute(
            db.select(Notification)
            .where(Notification.batch_key == key, Notification.status == PENDING, Notification.attempts == 0)
            .order_by(Notification.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if waiting is not None and _hold_batch(waiting.id):
            waiting.subject = subject
            queued.append(waiting)
            continue
        queued.append(
            _add(
                project.org_id,
                to,
                "project_progress",
                subject,
                {"project_id": project.id},
                project_id=project.id,
                batch_key=key,
                next_attempt_at=_now() + delay if delay else None,
            )
        )
    return queued


def outbox(notifications) -> list[tuple[int, bool]]:
    """Flush the new rows and note (id, due now) of each, to dispatch once the transaction has committed."""
    notifications = [n for n in notifications if n is not None]
    if not notifications:
        return []
    db.session.flush()
    now = _now()
    return [(n.id, n.next_attempt_at is None or n.next_attempt_at <= now) for n in notifications]


def retry(notification: Notification) -> bool:
    """Put a failed notification back in the outbox (the operator pressed Retry); the caller dispatches it."""
    from sqlalchemy import update

    from portal.models.notification import FAILED

    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.status == FAILED)
        .values(status=PENDING, next_attempt_at=None, attempts=0)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


# ---- content at send time -------------------------------------------------------------------------------------


def _require(obj, what: str):
    if obj is None:
        raise LookupError(f"The {what} of this email no longer exists.")
    return obj


class NotWanted(LookupError):
    """The recipient no longer gets this email (their link was revoked or its emails turned off meanwhile)."""


def _still_wanted(notification: Notification) -> None:
    """Client updates wait (batching, retries): check at send time that the client still wants them."""
    data = notification.context or {}
    if notification.kind == "project_progress":
        project = db.session.get(Project, notification.project_id) if notification.project_id else None
        if project is not None and project.status not in PROGRESS_STATUSES:
            raise NotWanted("Not sent: the project moved on before it went out.")
        wanted = project is not None and notification.to_email in progress_recipients(project)
    elif notification.kind in ("messages", "deliverable_ready"):
        project = db.session.get(Project, notification.project_id) if notification.project_id else None
        wanted = project is not None and notification.to_email in project_recipients(project)
    else:
        document = db.session.get(
            Proposal if "proposal_id" in data else Invoice, data.get("proposal_id") or data.get("invoice_id")
        )
        client = db.session.get(Client, document.client_id) if document is not None else None
        wanted = client is not None and notification.to_email in client_recipients(client)
    if not wanted:
        raise NotWanted("Not sent: the client's link was revoked or its emails turned off before it went out.")


def _readable_by(kind: str) -> tuple:
    """The client's emails carry only what the client may read (never an internal note)."""
    from portal.services.messages import client_visible_message

    return (client_visible_message(),) if kind == "messages" else ()


def email_context(notification: Notification) -> dict:
    """The template values of a notification, read from the database when it is sent."""
    if notification.kind in CLIENT_UPDATES:
        _still_wanted(notification)
    return {**_content(notification), "for_client": notification.kind in CLIENT_UPDATES}


def _content(notification: Notification) -> dict:
    from portal.mailer import public_url_for as _url
    from portal.services.email_verification import code_for
    from portal.services.portal_links import link_token

    if notification.kind in account_emails.KINDS:
        return account_emails.content(notification)
    data = notification.context or {}
    org = db.session.get(Organization, notification.org_id)
    kind = notification.kind
    if kind in ("messages", "client_messages"):
        project = _require(db.session.get(Project, data["project_id"]), "project")
        messages = list(
            db.session.execute(
                db.select(Message)
                .where(Message.id.in_(batched_message_ids(notification)), *_readable_by(kind))
                .order_by(Message.id)
            ).scalars()
        )
        if not messages:
            raise NotWanted("Not sent: its messages are internal notes.")
        if kind == "messages":
            url = _url("portal.project_page", slug=org.slug, project_id=project.id, _anchor="thread")
        else:
            url = _url("dashboard.projects_show", project_id=project.id, _anchor="project-thread")
        return {"project": project, "messages": messages, "url": url}
    if kind in ("deliverable_ready", "deliverable_decided"):
        deliverable = _require(db.session.get(Deliverable, data["deliverable_id"]), "deliverable")
        project = db.session.get(Project, deliverable.project_id)
        if kind == "deliverable_ready":
            url = _url(
                "portal.project_page", slug=org.slug, project_id=project.id, _anchor=f"deliverable-{deliverable.id}"
            )
        else:
            url = _url("dashboard.projects_show", project_id=project.id)
        return {"deliverable": deliverable, "project": project, "url": url}
    if kind in ("proposal_sent", "proposal_answered"):
        proposal = _require(db.session.get(Proposal, data["proposal_id"]), "proposal")
        if kind == "proposal_sent":
            url = _url("portal.proposal_page", slug=org.slug, proposal_id=proposal.id)
        else:
            url = _url("dashboard.proposals_show", proposal_id=proposal.id)
        return {"proposal": proposal, "url": url}
    if kind == "proposal_signed":
        from portal.pdf import proposal_filename, proposal_pdf

        proposal = _require(db.session.get(Proposal, data["proposal_id"]), "proposal")
        document = proposal_pdf(proposal, org, db.session.get(Client, proposal.client_id))
        return {
            "proposal": proposal,
            "url": _url("portal.proposal_page", slug=org.slug, proposal_id=proposal.id),
            "attachments": [(proposal_filename(proposal), "application/pdf", document)],
        }
    if kind == "project_progress":
        project = _require(db.session.get(Project, data["project_id"]), "project")
        url = _url("portal.project_page", slug=org.slug, project_id=project.id)
        return {"project": project, "scheduled": project.status == "scheduled", "url": url}
    if kind == "invoice_sent":
        invoice = _require(db.session.get(Invoice, data["invoice_id"]), "invoice")
        return {"invoice": invoice, "url": _url("portal.invoice_page", slug=org.slug, invoice_id=invoice.id)}
    if kind == "client_upload":
        project = _require(db.session.get(Project, data["project_id"]), "project")
        url = _url("dashboard.projects_show", project_id=project.id, _anchor="files")
        return {"project": project, "uploader": data["uploader"], "files": data["files"], "url": url}
    if kind == "link_locked":
        link = _require(db.session.get(PortalLink, data["link_id"]), "link")
        if link.project_id:
            url = _url("dashboard.projects_show", project_id=link.project_id, _anchor="portal-links")
        else:
            url = _url("dashboard.clients_show", client_id=link.client_id, _anchor="portal-links")
        return {"link": link, "failures": data["failures"], "for_good": data["for_good"], "url": url}
    if kind == "invitation":
        link = _require(db.session.get(PortalLink, data["link_id"]), "link")
        if not link.is_active(_now()):
            raise LookupError("The link was revoked or expired before the invitation went out.")
        project = db.session.get(Project, link.project_id) if link.project_id else None
        return {
            "link": link,
            "project": project,
            "url": _url("portal.entry", token=link_token(link)),
            "has_code": bool(link.access_code_hash),
        }
    if kind == "verification_code":
        verification = _require(db.session.get(EmailVerification, data["verification_id"]), "verification")
        if verification.used_at is not None or verification.expires_at <= _now():
            raise LookupError("The code expired or was used before it could be sent.")
        minutes = max(1, int((verification.expires_at - verification.created_at).total_seconds() // 60))
        return {"code": code_for(verification), "minutes": minutes}
    raise LookupError(f"Unknown email kind {kind!r}.")
