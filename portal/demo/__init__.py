"""Demo data: a drone operator with clients, projects in every status, files, proposals and invoices."""

from portal.demo.data import DEMO_SLUG, OPERATORS, SECOND_SLUG, SHARED_CLIENT_EMAIL
from portal.demo.seed import demo_links, seed

__all__ = ["DEMO_SLUG", "OPERATORS", "SECOND_SLUG", "SHARED_CLIENT_EMAIL", "demo_links", "seed"]
