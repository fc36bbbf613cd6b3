"""Demo data (filled in by the seed work)."""


def seed() -> list[str]:
    """Create the demo data once and return the lines to print."""
    return []
