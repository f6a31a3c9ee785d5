"""`flask --app wsgi media prune`: delete photo files that no case or proposal shows."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from backend.extensions import db
from backend.media.prune import prune
from backend.media.storage import media_storage

media_cli = AppGroup("media", help="The photo files in the data folder.")


@media_cli.command("prune")
@click.option(
    "--hours", default=24, show_default=True, type=click.IntRange(min=1),
    help="Keep files younger than this: a request may still be about to commit.",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Count what would go; delete nothing.")
def prune_command(hours: int, dry_run: bool):
    """Delete renditions that no row shows (left by requests killed before their commit)."""
    storage = media_storage(current_app.config["DATA_DIR"])
    result = prune(db.session, storage, older_than=timedelta(hours=hours), dry_run=dry_run)
    db.session.rollback()  # it only read
    click.echo(("would have " if dry_run else "") + str(result))


commands = [media_cli]
