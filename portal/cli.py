"""Command-line tools."""

import click
from flask.cli import with_appcontext


@click.command("seed-demo")
@click.option(
    "--public-url",
    metavar="URL",
    help="Print the portal links under this address (e.g. http://127.0.0.1:5001 when the app runs on port 5001); "
    "PUBLIC_URL by default.",
)
@with_appcontext
def seed_demo(public_url: str | None):
    """Create (idempotently) a demo drone-operator organization with sample data."""
    from flask import current_app

    from portal.demo import seed

    if public_url:
        if not public_url.startswith(("http://", "https://")):
            raise click.BadParameter("Give a full address such as http://127.0.0.1:5001.", param_hint="--public-url")
        # Only the printed lines: the setting lasts as long as this command.
        current_app.config["PUBLIC_URL"] = public_url.rstrip("/")
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


@click.command("make-previews")
@click.option("--retry-failed", is_flag=True, help="Also try again the files whose previews failed.")
@with_appcontext
def make_previews(retry_failed: bool):
    """Queue (or, without Redis, make) the previews of every file that has none yet."""
    from portal.jobs.previews import enqueue_previews
    from portal.services.media import backlog

    file_ids = backlog(retry_failed=retry_failed)
    enqueue_previews(file_ids)
    click.echo(f"{len(file_ids)} file(s) queued for previews.")
