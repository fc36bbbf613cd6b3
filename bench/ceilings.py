"""Two ceilings for the benchmark, served by gunicorn like the real app.

`bare:app` is a bare Flask route returning the project page's bytes. `memory:app` is the real portal with its
data access replaced by values loaded once, so the same templates render from memory.
Both read BENCH_SLUG, BENCH_PROJECT and BENCH_HTML (a file with the page's bytes) from the environment.
"""

from __future__ import annotations

import os

from flask import Flask, g


def bare_app() -> Flask:
    """A Flask app with one route answering the same bytes as the project page."""
    app = Flask(__name__)
    with open(os.environ["BENCH_HTML"], "rb") as handle:
        page = handle.read()

    @app.get("/portal/<slug>/projects/<int:project_id>")
    def project(slug, project_id):
        return page

    return app


def memory_app() -> Flask:
    """The portal app whose project page reads every value from memory instead of the database."""
    from portal import create_app
    from portal.client import project_page, session, shell, thread, visibility
    from portal.extensions import db
    from portal.services import messages

    app = create_app()
    slug, project_id = os.environ["BENCH_SLUG"], int(os.environ["BENCH_PROJECT"])
    with app.app_context():
        from portal.models import Organization, PortalLink, Project

        org = db.session.execute(db.select(Organization).where(Organization.slug == slug)).scalar_one()
        link = db.session.execute(db.select(PortalLink).where(PortalLink.org_id == org.id)).scalars().first()
        portal = session.PortalSession(org, link, link.client_email, name=link.client_name)
        project = db.session.get(Project, project_id)
        with app.test_request_context():
            g.portal = portal
            cached = {
                "counts": visibility.badge_counts(portal),
                "deliverables": project_page.read_deliverables(project_id),
                "files": project_page.read_files(project_id),
                "thread_view": messages.thread_view(project_id, portal.email),
            }
        db.session.expunge_all()

    def load_session(_slug):
        g.portal = portal
        return portal

    shell.load_session = load_session
    shell.read_without_transaction = lambda: None  # no connection to check out
    shell.badge_counts = project_page.badge_counts = lambda _portal: cached["counts"]
    shell.other_sessions = lambda _org_id: []
    thread.load_project = lambda _id: project
    project_page.read_deliverables = lambda _id: cached["deliverables"]
    project_page.read_files = lambda _id: cached["files"]
    messages.thread_view = lambda _id, _email, limit=200: cached["thread_view"]
    return app
