"""Command-line tools."""

import click
from flask.cli import with_appcontext


@click.command("seed-demo")
def seed_demo():
    """Create (idempotently) a demo drone-operator organization with sample data."""
    from portal.demo import seed

    for line in seed():
        click.echo(line)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Quit once the queue is empty (after one sweep of the outbox).")
@with_appcontext
def worker(burst: bool):
    """Run the RQ worker that sends email, with the outbox sweeper."""
    from portal.jobs.worker import run

    run(burst=burst)


@click.command("sweep-outbox")
@with_appcontext
def sweep_outbox():
    """Enqueue (or, without Redis, send) every notification left pending once."""
    from portal.jobs.email import sweep

    click.echo(sweep())
