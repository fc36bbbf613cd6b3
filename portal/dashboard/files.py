"""Dashboard: files."""
from portal.dashboard import bp  # noqa: F401
