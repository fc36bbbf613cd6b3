"""Time the approval certificate's PDF for decisions of 3, 27, 100 and 300 files; print time, size and pages.

Usage: .venv/bin/python -m bench.certificate  (SQLite in a temporary directory; needs pdfinfo from poppler-utils)
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from portal import create_app
from portal.extensions import db


def main() -> None:
    """Render each certificate twice (the first warms WeasyPrint's fonts) and report the second."""
    from portal import certificate
    from portal.models import Decision
    from tests.factories import make_client, make_deliverable, make_org, make_project

    directory = Path(tempfile.mkdtemp(prefix="bench-certificate-"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'bench.db'}",
            "STORAGE_BACKEND": "local",
            "STORAGE_DIR": str(directory / "storage"),
            "REDIS_URL": None,
            "PUBLIC_URL": "https://portal.example",
        }
    )
    with app.app_context(), app.test_request_context():
        db.create_all()
        org = make_org("Bench Drones", slug="bench")
        client = make_client(org, email="client@example.com", name="Casey Client")
        project = make_project(org, client, name="Bridge survey", start_date=None, end_date=None)
        deliverable = make_deliverable(project, title="Inspection photos")
        capture = {"camera": "DJI FC3411", "latitude": 59.7441, "longitude": 10.2045, "relative_altitude": 87.5}
        for count in (3, 27, 100, 300):
            files = [
                {"name": f"DJI_{n:04d}.JPG", "size": 12_345_678, "sha256": f"{n:064x}", "capture": capture}
                for n in range(count)
            ]
            decision = Decision(
                deliverable_id=deliverable.id,
                version=1,
                decision="approved",
                email=client.email,
                name=client.name,
                decided_at=datetime.now(UTC),
                time_zone="Europe/Oslo",
                ip="203.0.113.9",
                user_agent="Mozilla/5.0",
                files=files,
            )
            db.session.add(decision)
            db.session.commit()
            certificate.certificate_pdf(decision)
            started = time.perf_counter()
            data = certificate.certificate_pdf(decision)
            elapsed = time.perf_counter() - started
            path = directory / f"certificate-{count}.pdf"
            path.write_bytes(data)
            info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
            pages = next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))
            print(f"{count:>4} files: {elapsed * 1000:6.0f} ms, {len(data) / 1024:5.1f} KiB, {pages} page(s)")


if __name__ == "__main__":
    main()
