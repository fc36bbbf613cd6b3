"""`flask db upgrade` on an empty database yields exactly the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests.conftest import fresh_database, make_test_app


def test_upgrade_on_empty_database_matches_models(tmp_path):
    with fresh_database(tmp_path) as url:
        app = make_test_app(url, tmp_path / "storage")
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert diff == []
            downgrade(revision="base")
            with db.engine.connect() as conn:
                remaining = [t for t in db.inspect(conn).get_table_names() if t != "alembic_version"]
            assert remaining == []
            db.engine.dispose()
