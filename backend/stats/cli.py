"""`flask --app wsgi stats recurring`: raise recurring problems now (the sweep does it too)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from backend.stats import recurring

stats_cli = AppGroup("stats", help="Statistics and recurring problems.")


@stats_cli.command("recurring")
def recurring_command():
    """One pass of the recurring-problem sweep."""
    raised = recurring.run_once(current_app._get_current_object())
    if raised is None:
        raise click.ClickException("The sweep failed; see the log.")
    click.echo(f"Raised {len(raised)} recurring problem(s).")


commands = [stats_cli]
