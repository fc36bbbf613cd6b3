"""A "Download all" ZIP is ready: to each person who asked for it and has not downloaded it yet."""

from __future__ import annotations

from portal.extensions import db
from portal.mailer import public_url_for as url
from portal.models import Bundle, BundleRequest, Deliverable, Notification, Project
from portal.models.bundle import READY
from portal.outbox.recipients import project_recipients
from portal.outbox.registry import CLIENT, EmailKind, org_of, require


def _request(notification: Notification) -> BundleRequest | None:
    return db.session.get(BundleRequest, (notification.context or {}).get("request_id"))


class BundleReady(EmailKind, name="bundle_ready", label="Download ready", audience=CLIENT):
    """The ZIP someone asked for was built while they were away."""

    @classmethod
    def queue(cls, bundle: Bundle) -> list[Notification]:
        """Tell each person who asked for the bundle and has not downloaded it that it is ready."""
        deliverable = db.session.get(Deliverable, bundle.deliverable_id)
        project = db.session.get(Project, deliverable.project_id)
        waiting = db.session.execute(
            db.select(BundleRequest)
            .where(BundleRequest.bundle_id == bundle.id, BundleRequest.downloaded_at.is_(None))
            .order_by(BundleRequest.id)
        ).scalars()
        subject = f"Your download is ready: {deliverable.title}"
        added = []
        for request in waiting:
            context = {"request_id": request.id, "deliverable_id": deliverable.id, "audience": request.audience}
            added += cls.to_each([request.email], bundle.org_id, subject, context, project_id=project.id)
        return added

    @classmethod
    def still_wanted(cls, notification: Notification) -> bool:
        request = _request(notification)
        if request is None or request.downloaded_at is not None:
            return False
        bundle = db.session.get(Bundle, request.bundle_id)
        if bundle is None or bundle.status != READY:
            return False
        if request.audience != CLIENT:
            return True
        project = db.session.get(Project, notification.project_id) if notification.project_id else None
        return project is not None and notification.to_email in project_recipients(project)

    @classmethod
    def content(cls, notification: Notification) -> dict:
        data = notification.context or {}
        deliverable = require(db.session.get(Deliverable, data["deliverable_id"]), "deliverable")
        project = db.session.get(Project, deliverable.project_id)
        if data.get("audience") == CLIENT:
            link = url("portal.download_all", slug=org_of(notification).slug, deliverable_id=deliverable.id)
        else:
            link = url("dashboard.deliverable_download_all", deliverable_id=deliverable.id)
        return {"deliverable": deliverable, "project": project, "url": link}
