"""Which settings a city may change while running, and their current values.

Adapters build their policies from :func:`effective` instead of the bare app config: the
stored values laid over the configuration. It is read from the database once per request
(and on every call outside one), so a change made in one process holds in all of them at
their next request, with no cache to invalidate.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping

from flask import current_app, g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.permissions import require_admin
from backend.citysettings.models import CitySetting
from backend.extensions import db

# The config keys a city may override here (their ranges live in the schema).
RUNTIME = ("PROPOSAL_REVIEW", "MODERATION_FLAG_THRESHOLD", "AUTO_CLOSE_DAYS", "REOPEN_DAYS")
_CACHE = "cityloop_city_settings"


def stored(session: Session) -> dict:
    """The overridden values, by config key."""
    rows = session.execute(select(CitySetting.key, CitySetting.value)).all()
    return {key: value for key, value in rows if key in RUNTIME}


def effective(config: Mapping | None = None) -> Mapping:
    """The configuration as it holds now: stored values first, then the app config."""
    config = current_app.config if config is None else config
    if not has_request_context():
        return ChainMap(stored(db.session), config)
    if _CACHE not in g:
        g.setdefault(_CACHE, stored(db.session))
    return ChainMap(g.get(_CACHE), config)


def describe(session: Session, actor, config: Mapping) -> list[dict]:
    """Each runtime setting: its value now, the configured one, and whether it is changed."""
    require_admin(actor)
    changed = stored(session)
    return [
        {"key": key, "value": changed.get(key, config[key]), "configured": config[key],
         "changed": key in changed}
        for key in RUNTIME
    ]  # fmt: skip


def update(session: Session, actor, changes: dict) -> None:
    """Store each given value; ``None`` goes back to the configured one."""
    require_admin(actor)
    for key, value in changes.items():
        row = session.get(CitySetting, key)
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(CitySetting(key=key, value=value))
        elif row.value != value:
            row.value = value
    session.flush()
    if has_request_context():
        g.pop(_CACHE, None)
