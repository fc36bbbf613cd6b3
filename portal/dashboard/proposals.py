"""Dashboard: proposals (stub)."""
from portal.dashboard import bp


@bp.get("/proposals")
def proposals_index():
    """List proposals."""
    return "proposals"
