"""`flask --app wsgi mail retry`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from backend.mail import service

mail_cli = AppGroup("mail", help="Outgoing e-mail.")


@mail_cli.command("retry")
def retry_command() -> None:
    """Send the mails whose retry is due (and any a restart left behind)."""
    click.echo(f"Mails queued: {service.retry_due()}.")


commands = [mail_cli]
