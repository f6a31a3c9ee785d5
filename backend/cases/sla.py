"""The SLA sweep: overdue cases get escalated; resolved cases nobody answered close.

It runs from ``flask --app wsgi sla sweep`` and, while the app serves, from a daemon
thread (:func:`start_sla_scheduler`). Several processes may sweep at once: each case is
claimed by its version, so a case is escalated or closed once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from blinker import Namespace
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cases import escalation
from backend.cases.effects import Policy
from backend.cases.history import claim, record_event
from backend.cases.models import WORKING_STATUSES, Case, Status
from backend.cases.queries import overdue_condition
from backend.cases.service import DEFAULT_POLICY, system_transition
from backend.citysettings import service as citysettings
from backend.db import utcnow
from backend.errors import Conflict
from backend.metrics import record_sweep

log = logging.getLogger(__name__)
BATCH = 500
# Sent (with the app and ``now``) after each sweep, outside its transaction: other work on
# the same beat connects here (the recurring-problems sweep of backend.stats).
beat = Namespace().signal("sla_beat")


@dataclass
class SweepResult:
    escalated: list[int] = field(default_factory=list)
    admins_alerted: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"Escalated {len(self.escalated)} overdue case(s); auto-closed {len(self.closed)}."
        if self.admins_alerted:
            text += f" Admins alerted of {len(self.admins_alerted)} still not moved."
        return text


def overdue(now: datetime):
    return (
        select(Case)
        .where(
            overdue_condition(now),
            Case.status.in_(WORKING_STATUSES),
            Case.escalated.is_(False),
        )
        .order_by(Case.due_at, Case.id)
        .limit(BATCH)
    )


def unanswered(now: datetime, days: int):
    return (
        select(Case)
        .where(Case.status == Status.RESOLVED, Case.resolved_at <= now - timedelta(days=days))
        .order_by(Case.resolved_at, Case.id)
        .limit(BATCH)
    )


def escalate(session: Session, case: Case, now: datetime) -> None:
    """Flag an overdue case, alert its department's heads (the ladder's first rung) and
    say so in its trail (department room included)."""
    claim(session, case)
    case.escalated = True
    overdue_hours = int((now - case.due_at).total_seconds() // 3600)
    heads = escalation.alert_heads(session, case, now)
    record_event(
        session,
        case,
        None,
        "escalate",
        now=now,
        note=f"Overdue since {case.due_at:%Y-%m-%d %H:%M} UTC",
        details={
            "due_at": case.due_at.isoformat(),
            "overdue_hours": overdue_hours,
            "rung": "heads",
            "notified": heads,
        },
    )


def auto_close(session: Session, case: Case, now: datetime, policy: Policy) -> None:
    """The system closes a resolved case that its reporter left unanswered."""
    note = f"Closed automatically: no answer {policy.auto_close_days} days after the fix."
    system_transition(session, case, "close", {"note": note}, now=now, policy=policy)


def sweep(
    session: Session, now: datetime | None = None, *, policy: Policy = DEFAULT_POLICY
) -> SweepResult:
    """One pass over overdue and long-resolved cases, in batches; flushes, never commits."""
    now = now or utcnow()
    result = SweepResult()
    _each(session, overdue(now), lambda case: escalate(session, case, now), result.escalated)
    _each(
        session,
        escalation.due_for_admins(now),
        lambda case: (
            escalation.alert_admins(session, case, now)
            if escalation.admins_due(case, now)
            else False
        ),
        result.admins_alerted,
    )
    _each(
        session,
        unanswered(now, policy.auto_close_days),
        lambda case: auto_close(session, case, now, policy),
        result.closed,
    )
    return result


def _each(session: Session, stmt, action, done: list[int]) -> None:
    seen: set[int] = set()
    while True:
        cases = [case for case in session.scalars(stmt) if case.id not in seen]
        if not cases:
            return
        for case in cases:
            seen.add(case.id)
            try:
                if action(case) is False:  # not due yet
                    continue
            except Conflict:  # another process got there first
                continue
            done.append(case.id)


def run_once(app: Flask, now: datetime | None = None) -> SweepResult | None:
    """Sweep and commit in the app's context; failures are logged, never raised."""
    from backend.extensions import db

    with app.app_context():
        try:
            policy = Policy.from_config(citysettings.effective(app.config))
            result = sweep(db.session, now, policy=policy)
            db.session.commit()
            record_sweep(result)
            if result.escalated or result.closed or result.admins_alerted:
                log.info("SLA sweep: %s", result)
        except Exception:
            db.session.rollback()
            log.exception("SLA sweep failed")
            record_sweep(None)
            return None
        finally:
            db.session.remove()
    beat.send(app, now=now)
    return result


def start_sla_scheduler(app: Flask, *, first_delay: float = 30.0) -> threading.Thread:
    """Sweep every ``SLA_SWEEP_MINUTES`` in a daemon thread; ``thread.stop.set()`` ends it."""
    interval = Policy.from_config(app.config).sweep_minutes * 60
    stop = threading.Event()

    def loop() -> None:
        delay = first_delay
        while not stop.wait(delay):
            run_once(app)
            delay = interval

    thread = threading.Thread(target=loop, name="cityloop-sla-sweep", daemon=True)
    thread.stop = stop
    thread.start()
    return thread
