"""CLI adapters: `flask --app wsgi demo | users create | apikeys create | ...`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from backend.auth import administration
from backend.auth.permissions import OPERATOR, Role
from backend.errors import DomainError
from backend.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
apikeys_cli = AppGroup("apikeys", help="Manage API keys for machine clients.")


def _fail(exc: DomainError):
    detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
    raise click.ClickException(f"{exc.message} {detail}".strip())


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.RESIDENT.value)
@click.option("--department", "departments", multiple=True, help="Department code (repeatable).")
@click.option("--name", "display_name", default=None, help="Display name (default: from e-mail).")
def create_user(email, password, role, departments, display_name):
    """Create an account."""
    try:
        user = administration.create_user(
            db.session,
            OPERATOR,
            {
                "email": email,
                "password": password,
                "display_name": display_name or email.split("@")[0],
                "role": role,
                "departments": list(departments),
            },
        )
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@apikeys_cli.command("create")
@click.argument("name")
@click.option("--trusted", is_flag=True, help="May post Open311 case updates.")
def create_api_key(name, trusted):
    """Create an API key; the key is printed once, alone on the last line."""
    try:
        key, raw = administration.create_api_key(db.session, OPERATOR, name, trusted=trusted)
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"API key '{key.name}' created (id {key.id}). Keep it safe; it is not shown again:")
    click.echo(raw)


@apikeys_cli.command("revoke")
@click.argument("key_id", type=int)
def revoke_api_key(key_id):
    """Revoke an API key by id."""
    try:
        key = administration.revoke_api_key(db.session, OPERATOR, key_id)
    except DomainError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Revoked '{key.name}'.")


@click.command("demo")
def demo_command():
    """Load a demo city: departments, categories, users of each role, and content."""
    from backend.demo import load_demo

    summary = load_demo(db.session)
    db.session.commit()
    click.echo(summary)


def register_cli(app: Flask, domain_modules=()) -> None:
    """The shared commands, plus each domain's `cli.py` `commands` list."""
    app.cli.add_command(users_cli)
    app.cli.add_command(apikeys_cli)
    app.cli.add_command(demo_command)
    for module in domain_modules:
        for command in getattr(module, "commands", ()):
            app.cli.add_command(command)
