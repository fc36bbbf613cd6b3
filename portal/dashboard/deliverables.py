"""Dashboard: deliverables."""
from portal.dashboard import bp  # noqa: F401
