"""`flask --app wsgi push keys` and `flask --app wsgi notify digest`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from backend.notify import push, vapid

push_cli = AppGroup("push", help="Web Push.")
notify_cli = AppGroup("notify", help="Notifications.")


@push_cli.command("keys")
def keys_command() -> None:
    """Print the VAPID public key (creating the key pair in the data folder if needed)."""
    app = current_app._get_current_object()
    key = vapid.vapid_key(app)
    source = (
        "configuration"
        if vapid.setting(app, "VAPID_PRIVATE_KEY")
        else (str(app.config["DATA_DIR"] / vapid.KEY_FILE))
    )
    click.echo(f"Private key: {source}")
    click.echo(f"Subject: {vapid.subject(app)}")
    click.echo(f"VAPID_PUBLIC_KEY={vapid.public_key_of(key)}")


@notify_cli.command("digest")
def digest_command() -> None:
    """Send the daily digest push (run once a day, e.g. from cron or a systemd timer)."""
    click.echo(f"Digests sent: {push.send_digests()}.")


commands = [push_cli, notify_cli]
