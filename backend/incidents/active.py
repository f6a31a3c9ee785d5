"""Whether any incident is active, kept per process, so that a filing skips the incidents'
read (:func:`backend.incidents.service.offer_new_case`) while none is.

Kept like the category catalogue (:mod:`backend.departments.catalogue`): the answer holds
while the **incidents version** has not moved since it was read; the version moves after
the commit of any transaction that wrote ``incidents`` (or plain SQL that may have), by the
public cache's machinery (:mod:`backend.publiccache`): with ``REDIS_URL`` under its own key,
seen by every process within ``VERSION_MEMO_SECONDS`` (3 ms) of the commit and at once by
the process that declared; Redis unreachable: nothing kept (each filing reads). Without
Redis, a counter in the process. An answer lives at most ``PUBLIC_CACHE_SECONDS`` (a write
by another program), and none is kept when that is 0.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import exists, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backend.incidents.models import Incident
from backend.publiccache import bump_after_commits, version_for, writes_tables

EXTENSION = "cityloop_active_incidents"
VERSION_KEY = "cityloop:incidents-version"
writes_incidents = writes_tables(frozenset({Incident.__tablename__}))


@dataclass(frozen=True)
class Known:
    version: str
    until: float  # time.monotonic()
    any_active: bool


class ActiveIncidents:
    def __init__(self, seconds: float, redis_url: str | None) -> None:
        self.seconds = seconds
        self.known: Known | None = None
        self.version = version_for(redis_url, VERSION_KEY, on_failure=self.forget)

    def bump(self) -> None:
        self.version.bump()

    def forget(self) -> None:
        self.known = None


def init_app(app: Flask, engine: Engine) -> None:
    """Keep the answer for ``app`` (unless ``PUBLIC_CACHE_SECONDS`` is 0) and move the
    version after every commit of ``engine`` that wrote incidents."""
    seconds = app.config["PUBLIC_CACHE_SECONDS"]
    if seconds <= 0:
        return
    active = ActiveIncidents(seconds, app.config["REDIS_URL"])
    app.extensions[EXTENSION] = active
    bump_after_commits(engine, writes_incidents, active.bump, "incidents")


def any_active(session: Session) -> bool:
    """Whether an incident may be active: False only when none is."""
    active = current_app.extensions.get(EXTENSION)
    version = active.version.current() if active is not None else None
    if version is None:
        return True  # nothing kept: the caller reads as it would
    known = active.known
    if known is not None and known.version == version and time.monotonic() < known.until:
        return known.any_active
    read_at = time.monotonic()
    answer = bool(session.scalar(select(exists().where(Incident.status == "active"))))
    active.known = Known(version, read_at + active.seconds, answer)  # read after the version
    return answer
