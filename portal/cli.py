"""Command-line tools."""

import click


@click.command("seed-demo")
def seed_demo():
    """Create (idempotently) a demo drone-operator organization with sample data."""
    from portal.demo import seed

    for line in seed():
        click.echo(line)
