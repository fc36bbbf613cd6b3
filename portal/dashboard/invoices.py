"""Dashboard: invoices (stub)."""
from portal.dashboard import bp


@bp.get("/invoices")
def invoices_index():
    """List invoices."""
    return "invoices"
