"""`flask --app wsgi worker`: run queued jobs (push and mail delivery, account erasure)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from backend.jobs import run_worker


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Work the Redis job queue (needs REDIS_URL); Socket.IO events that jobs publish go
    out through the same Redis message queue as the web processes'."""
    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        raise click.ClickException("REDIS_URL is not set: jobs run inside the web process.")
    click.echo(f"Worker on {app.config['REDIS_URL'].split('@')[-1]} (queue 'cityloop')")
    run_worker(app, burst=burst)


commands = [worker_command]
