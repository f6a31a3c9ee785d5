"""The runtime settings (admin only): adapters over ``citysettings.service``."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from backend.auth.permissions import require_admin
from backend.auth.session import user
from backend.citysettings import service
from backend.citysettings.schemas import DESCRIPTIONS, KEYS, SettingsSchema, SettingsUpdateSchema
from backend.extensions import db

blp = Blueprint(
    "citysettings", __name__, url_prefix="/api/v1/admin", description="Runtime settings"
)
NAMES = {key: name for name, key in KEYS.items()}


@blp.before_request
def _admins_only():
    """Answer non-admins before their arguments are parsed (the service checks too)."""
    require_admin(user())


def _answer() -> dict:
    items = service.describe(db.session, user(), current_app.config)
    for item in items:
        item["name"] = NAMES[item["key"]]
        item["description"] = DESCRIPTIONS[item["name"]]
    return {"items": items}


@blp.route("/settings", methods=["GET"])
@blp.response(200, SettingsSchema)
def get_settings():
    """The settings a city may change while running: each one's value now, the configured
    value, and whether the city changed it here."""
    return _answer()


@blp.route("/settings", methods=["PATCH"])
@blp.arguments(SettingsUpdateSchema)
@blp.response(200, SettingsSchema)
def update_settings(data):
    """Change some of them; `null` goes back to the configured value. Holds at once, in
    every process."""
    service.update(db.session, user(), {KEYS[name]: value for name, value in data.items()})
    db.session.commit()
    return _answer()
