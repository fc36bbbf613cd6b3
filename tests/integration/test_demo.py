"""`flask seed-demo`: idempotent demo data with every status and real files."""

import io
import re
from urllib.parse import urlsplit

from click.testing import CliRunner
from PIL import ExifTags, Image

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


def test_demo_sites_match_their_projects_and_carry_coordinates(app):
    with app.app_context():
        CliRunner().invoke(seed_demo, catch_exceptions=False)
        rows = dict(db.session.execute(db.select(Project.name, Project.location)).all())
        positions = {row.name: (row.site_lat, row.site_lon) for row in db.session.execute(db.select(Project)).scalars()}
        photos = [
            (db.session.get(Project, row.project_id).name, get_storage().open(row.storage_key).read())
            for row in db.session.execute(
                db.select(StoredFile).where(StoredFile.content_type == "image/jpeg")
            ).scalars()
        ]
    assert len(rows) == 11
    for name, location in rows.items():
        # "Kestrel bridge …" flies at Kestrel Bridge, not at Riverside Park.
        assert name.split()[0].lower() in location.lower(), (name, location)
        lat, lon = map(float, re.search(r"\((-?\d{1,2}\.\d{4}), (-?\d{1,3}\.\d{4})\)$", location).groups())
        assert 58 < lat < 61 and 9 < lon < 12, location  # around Oslo and Drammen
        assert positions[name] == (lat, lon), name  # the map's site is the one the text names
    kestrel = rows["Kestrel bridge deck orthomosaic"]
    assert "Bridge" in kestrel and "Park" not in kestrel and "Quarry" not in kestrel
    assert "Quarry" in rows["Kestrel quarry volume estimate"] and "Park" in rows["Riverside Festival aftermovie"]
    # Every demo photo carries the drone's GPS position, within a few hundred metres of its project's site.
    assert photos
    for name, data in photos:
        gps = Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
        lat = sum(part / 60**n for n, part in enumerate(gps[2])) * (1 if gps[1] == "N" else -1)
        lon = sum(part / 60**n for n, part in enumerate(gps[4])) * (1 if gps[3] == "E" else -1)
        assert abs(lat - positions[name][0]) < 0.003 and abs(lon - positions[name][1]) < 0.005, (name, lat, lon)


def test_demo_switcher_lists_the_second_organization_once_its_link_was_opened(app):
    with app.app_context():
        output = CliRunner().invoke(seed_demo, catch_exceptions=False).output
    shared = [line.split() for line in output.splitlines() if line.startswith("portal: alex.morgan@")]
    assert len(shared) == 2 and all(parts[3] == "code:" for parts in shared)
    browser = app.test_client()
    (skyline_url, skyline_code), (lumen_url, lumen_code) = [(parts[2], parts[4]) for parts in shared]

    def switcher(slug: str) -> str:
        page = browser.get(f"/portal/{slug}/").get_data(as_text=True)
        return page.split('class="portal-switcher"', 1)[1].split("</nav>", 1)[0] if "portal-switcher" in page else ""

    assert browser.post(urlsplit(skyline_url).path, data={"code": skyline_code}).status_code == 303
    assert switcher("skyline-drone-works") == ""  # as the README says: one organization until the second link
    assert browser.post(urlsplit(lumen_url).path, data={"code": lumen_code}).status_code == 303
    assert "Skyline Drone Works" in switcher("lumen-creative-studio")
    assert "Lumen Creative Studio" in switcher("skyline-drone-works")


def test_seed_demo_prints_links_under_the_given_public_url(database_url, tmp_path, app):
    from tests.conftest import make_test_app

    demo = make_test_app(database_url, tmp_path)
    with demo.app_context():
        output = CliRunner().invoke(seed_demo, ["--public-url", "http://127.0.0.1:5001/"]).output
        refused = CliRunner().invoke(seed_demo, ["--public-url", "127.0.0.1:5001"])
    portals = [line.split()[2] for line in output.splitlines() if line.startswith("portal: ")]
    assert portals and all(url.startswith("http://127.0.0.1:5001/p/") for url in portals)
    assert refused.exit_code != 0 and "http://127.0.0.1:5001" in refused.output
