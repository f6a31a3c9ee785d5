"""The recurring-problems sweep runs on the SLA sweep's beat (``backend.cases.sla.beat``)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from backend.cases.sla import beat
from backend.stats import recurring


@beat.connect
def _sweep_recurring(app: Flask, now: datetime | None = None) -> None:
    """In its own transaction, after the SLA sweep's."""
    recurring.run_once(app, now)
