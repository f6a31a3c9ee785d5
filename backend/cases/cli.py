"""`flask --app wsgi sla sweep`: escalate overdue cases and auto-close unanswered ones."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from backend.cases.sla import run_once, start_sla_scheduler

sla_cli = AppGroup("sla", help="Service-level deadlines of cases.")


@sla_cli.command("sweep")
@click.option("--forever", is_flag=True, help="Sweep every SLA_SWEEP_MINUTES until stopped.")
def sweep_command(forever: bool):
    """Escalate overdue cases; close resolved cases left unanswered (CITYLOOP_AUTO_CLOSE_DAYS)."""
    if forever:
        start_sla_scheduler(current_app._get_current_object(), first_delay=0).join()
        return
    # One pass as the scheduler makes it, with what rides on its beat (the search catch-up,
    # recurring problems): what a cron job running this every few minutes expects.
    result = run_once(current_app._get_current_object())
    if result is None:
        raise click.ClickException("The sweep failed; see the log.")
    click.echo(str(result))


commands = [sla_cli]
