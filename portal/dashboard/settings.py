"""Dashboard: organization settings (stub)."""
from portal.dashboard import bp


@bp.get("/settings")
def settings():
    """Organization settings."""
    return "settings"
