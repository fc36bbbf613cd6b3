"""Dashboard: messages."""
from portal.dashboard import bp  # noqa: F401
