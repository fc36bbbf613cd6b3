"""The demo projects' content: deliverables with their files, and a message thread."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

from portal.demo.data import site_position
from portal.demo.media import demo_pdf, demo_photo
from portal.extensions import db
from portal.models import Client, Deliverable, Message, Project, StoredFile, User
from portal.models.deliverable import APPROVED, PENDING, READY
from portal.models.message import SENDER_CLIENT, SENDER_OPERATOR
from portal.services import media
from portal.services.activity import Actor
from portal.services.files import save_file
from portal.uploads import CheckedUpload


def taken(project: Project, n: int) -> datetime:
    """When the demo's n-th photo of a project was taken: its first flight day, a minute apart."""
    return datetime.combine(project.start_date, time(15, 30)) + timedelta(minutes=n)


def deliverables_and_files(projects: list[Project], owner: User) -> list[int]:
    """Deliverables waiting for review, approved and internal, each with its files in storage."""
    actor = Actor.operator(owner)
    files: list[StoredFile] = []
    marina, thermal, penthouse = projects[1], projects[2], projects[0]
    specs = [
        (penthouse, "Listing photo set", "photos", "JPEG, 6000×4000", APPROVED, True, 2),
        (marina, "Twilight stills", "photos", "JPEG, 6000×4000", PENDING, True, 3),
        (marina, "Marina fly-through", "video", "MP4 4K 30p", PENDING, True, 0),
        (thermal, "Thermal anomaly report", "inspection_report", "PDF", PENDING, False, 0),
    ]
    for project, title, kind, fmt, approval, visible, images in specs:
        deliverable = Deliverable(
            project_id=project.id,
            title=title,
            type=kind,
            format=fmt,
            status=READY if visible else "in_progress",
            client_visible=visible,
            approval_status=approval,
        )
        db.session.add(deliverable)
        db.session.flush()
        payloads = [
            (
                f"{title.lower().replace(' ', '-')}-{n + 1}.jpg",
                "image/jpeg",
                demo_photo(project.id * 10 + n, site_position(project.name), taken(project, n)),
            )
            for n in range(images)
        ]
        if kind == "inspection_report":
            payloads.append(("thermal-anomaly-report.pdf", "application/pdf", demo_pdf(project.name)))
        for filename, content_type, data in payloads:
            upload = CheckedUpload(filename, filename.rsplit(".", 1)[1], content_type)
            file = save_file(
                project, actor, upload, io.BytesIO(data), deliverable_id=deliverable.id, client_visible=visible
            )
            files.append(file)
    db.session.add_all(files)
    db.session.flush()
    return media.add_pending(files)


def messages(projects: list[Project], owner: User) -> None:
    """A short operator–client conversation on the marina shoot."""
    marina = projects[1]
    client = db.session.get(Client, marina.client_id)
    thread = [
        (SENDER_OPERATOR, owner.name, "The twilight stills are ready for your review — three selects attached."),
        (SENDER_CLIENT, client.name, "They look stunning! Could we see one more angle of the east pier?"),
        (SENDER_OPERATOR, owner.name, "Of course, we will add it with the fly-through on Friday."),
    ]
    for sender_type, name, body in thread:
        db.session.add(
            Message(
                project_id=marina.id,
                sender_type=sender_type,
                sender_name=name,
                sender_email=client.email if sender_type == SENDER_CLIENT else owner.email,
                sender_user_id=owner.id if sender_type == SENDER_OPERATOR else None,
                body=body,
            )
        )
