"""`flask --app wsgi sla sweep`: escalate overdue cases and auto-close unanswered ones."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from backend.cases.effects import Policy
from backend.cases.sla import sweep
from backend.extensions import db

sla_cli = AppGroup("sla", help="Service-level deadlines of cases.")


@sla_cli.command("sweep")
def sweep_command():
    """Escalate overdue cases; close resolved cases left unanswered (CITYLOOP_AUTO_CLOSE_DAYS)."""
    result = sweep(db.session, policy=Policy.from_config(current_app.config))
    db.session.commit()
    click.echo(str(result))


commands = [sla_cli]
