"""The versions migration on existing data: each deliverable gets a version row listing its current files, and a
decision already recorded becomes its first Decision row."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from portal.extensions import db
from portal.models import Decision, Deliverable, DeliverableVersion
from portal.models.base import UTCDateTime
from tests.conftest import fresh_database, make_test_app

BEFORE = "9cdeb121b789"
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _insert(conn, table: str, **values) -> int:
    columns = [
        sa.column(name, UTCDateTime() if isinstance(value, datetime) else None) for name, value in values.items()
    ]
    target = sa.table(table, sa.column("id"), *columns)
    return conn.execute(target.insert().values(**values).returning(target.c.id)).scalar_one()


def _file(conn, project_id, deliverable_id, name, visible=True):
    return _insert(
        conn,
        "file",
        project_id=project_id,
        deliverable_id=deliverable_id,
        filename=name,
        content_type="image/png",
        size=1234,
        sha256=name[0] * 64,
        storage_key=f"key/{name}",
        client_visible=visible,
        uploaded_by_type="operator",
        created_at=WHEN,
    )


def test_existing_deliverables_get_their_version_and_decision(tmp_path):
    with fresh_database(tmp_path) as url:
        app = make_test_app(url, tmp_path / "storage")
        with app.app_context():
            upgrade(revision=BEFORE)
            with db.engine.begin() as conn:
                org = _insert(
                    conn,
                    "organization",
                    name="Old Org",
                    slug="old-org",
                    accent_color="#000000",
                    currency="EUR",
                    proposal_seq=0,
                    invoice_seq=0,
                    created_at=WHEN,
                    locale="en",
                )
                customer = _insert(conn, "client", org_id=org, email="c@example.com", name="C", created_at=WHEN)
                project = _insert(
                    conn,
                    "project",
                    org_id=org,
                    client_id=customer,
                    name="P",
                    status="active",
                    client_portal_enabled=True,
                    created_at=WHEN,
                    updated_at=WHEN,
                )
                common = {
                    "project_id": project,
                    "type": "photos",
                    "status": "ready",
                    "client_visible": True,
                    "created_at": WHEN,
                    "updated_at": WHEN,
                }
                plain = _insert(conn, "deliverable", title="Plain", version=1, approval_status="pending", **common)
                decided = _insert(
                    conn,
                    "deliverable",
                    title="Decided",
                    version=3,
                    approval_status="approved",
                    decided_by_email="c@example.com",
                    decided_by_name="Casey",
                    decided_at=WHEN,
                    decision_ip="203.0.113.9",
                    decision_user_agent="UA",
                    decision_version=3,
                    **common,
                )
                empty = _insert(conn, "deliverable", title="Empty", version=1, approval_status="pending", **common)
                _file(conn, project, plain, "a.png")
                _file(conn, project, plain, "b.png", visible=False)
                _file(conn, project, decided, "c.png")
                _file(conn, project, None, "loose.png")
            upgrade()
            versions = db.session.execute(db.select(DeliverableVersion)).scalars().all()
            by_deliverable = {v.deliverable_id: v for v in versions}
            assert len(versions) == 3
            assert sorted(vf.file.filename for vf in by_deliverable[plain].files) == ["a.png", "b.png"]
            assert (by_deliverable[decided].number, [vf.file.filename for vf in by_deliverable[decided].files]) == (
                3,
                ["c.png"],
            )
            assert by_deliverable[empty].files == []
            decision = db.session.execute(db.select(Decision)).scalar_one()
            assert (decision.deliverable_id, decision.version, decision.decision, decision.name) == (
                decided,
                3,
                "approved",
                "Casey",
            )
            assert decision.decided_at == WHEN and decision.ip == "203.0.113.9" and len(decision.public_id) >= 20
            assert decision.files == [{"name": "c.png", "size": 1234, "sha256": "c" * 64, "capture": None}]
            assert db.session.get(Deliverable, plain).version == 1
            db.session.remove()
            db.engine.dispose()
