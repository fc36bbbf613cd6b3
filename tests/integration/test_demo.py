"""`flask seed-demo`: idempotent demo data with every status and real files."""

from click.testing import CliRunner

from portal.cli import seed_demo
from portal.extensions import db
from portal.models import Client, Invoice, Organization, Project, Proposal, StoredFile
from portal.models.project import STATUSES
from portal.storage import get_storage


def test_seed_demo_is_idempotent_and_complete(app, ctx):
    runner = CliRunner()
    first = runner.invoke(seed_demo, obj=None, catch_exceptions=False)
    second = runner.invoke(seed_demo, obj=None, catch_exceptions=False)
    assert first.output == second.output
    lines = first.output.strip().splitlines()
    operators = [line for line in lines if line.startswith("operator: ")]
    portals = [line for line in lines if line.startswith("portal: ")]
    assert len(operators) + len(portals) == len(lines)
    assert operators and all(len(line.split()) == 3 for line in operators)
    assert portals and all(line.split()[2].startswith("http") for line in portals)
    assert any(line.split()[-2] == "code:" and len(line.split()[-1]) == 6 for line in portals)
    assert db.session.execute(db.select(db.func.count(Organization.id))).scalar() == 2
    statuses = set(db.session.execute(db.select(Project.status)).scalars())
    assert statuses == set(STATUSES)
    assert {"draft", "sent", "accepted", "declined"} <= set(db.session.execute(db.select(Proposal.status)).scalars())
    assert {"draft", "sent", "paid", "void"} <= set(db.session.execute(db.select(Invoice.status)).scalars())
    types = set(db.session.execute(db.select(StoredFile.content_type)).scalars())
    assert {"image/jpeg", "application/pdf"} <= types
    for key in db.session.execute(db.select(StoredFile.storage_key)).scalars():
        assert get_storage().exists(key)
    shared = db.session.execute(db.select(Client.org_id).where(Client.email == "alex.morgan@harbourview.example"))
    assert len(set(shared.scalars())) == 2


def test_demo_operator_can_log_in(app, ctx):
    output = CliRunner().invoke(seed_demo, catch_exceptions=False).output
    _label, email, password = output.splitlines()[0].split()
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 303
    assert "Harbourview marina twilight shoot" in client.get("/app/projects").text


def test_demo_has_an_email_history_and_prints_no_email(app, ctx, caplog):
    from portal.models import Notification

    output = CliRunner().invoke(seed_demo, catch_exceptions=False).output
    assert all(line.startswith(("operator: ", "portal: ")) for line in output.strip().splitlines())
    statuses = list(db.session.execute(db.select(Notification.status)).scalars())
    assert statuses.count("failed") == 1 and "sent" in statuses and "pending" not in statuses
    assert not [r for r in caplog.records if "not sent" in r.getMessage()]
