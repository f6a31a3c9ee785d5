"""`flask --app wsgi sla sweep`: escalate overdue cases and auto-close unanswered ones."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from backend.cases.effects import Policy
from backend.cases.sla import start_sla_scheduler, sweep
from backend.citysettings import service as citysettings
from backend.extensions import db
from backend.metrics import record_sweep

sla_cli = AppGroup("sla", help="Service-level deadlines of cases.")


@sla_cli.command("sweep")
@click.option("--forever", is_flag=True, help="Sweep every SLA_SWEEP_MINUTES until stopped.")
def sweep_command(forever: bool):
    """Escalate overdue cases; close resolved cases left unanswered (CITYLOOP_AUTO_CLOSE_DAYS)."""
    if forever:
        start_sla_scheduler(current_app._get_current_object(), first_delay=0).join()
        return
    result = sweep(db.session, policy=Policy.from_config(citysettings.effective()))
    db.session.commit()
    record_sweep(result)
    click.echo(str(result))


commands = [sla_cli]
