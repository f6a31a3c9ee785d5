"""Who is notified of what, decided from the live events other domains publish.

A domain declares, for an event it publishes, who hears of it: ``@receives("case.event")``
on a function ``(session, payload) -> [Notification]`` (see ``backend/cases/followers.py``).
Receivers of :data:`backend.live.publish.published` run once per event (whatever rooms it
goes to) inside the publisher's transaction, so a notification commits or rolls back with
the change that caused it. Each works in a savepoint: a fault here is logged and never
undoes the city's own change. Payloads name no user ids (they go to public rooms), so
actors and authors are read back from the rows the publisher has just flushed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from backend.live.publish import published
from backend.notify.models import Notification
from backend.notify.service import deliver_later

log = logging.getLogger(__name__)

Receiver = Callable[[Session, dict], list[Notification]]
RECEIVERS: dict[str, Receiver] = {}


def receives(event: str) -> Callable[[Receiver], Receiver]:
    """Make the decorated function the one that notifies people of ``event``."""

    def decorator(receiver: Receiver) -> Receiver:
        RECEIVERS[event] = receiver
        return receiver

    return decorator


@published.connect
def _on_published(session: Session, *, rooms: tuple[str, ...], event: str, payload: dict) -> None:
    receiver = RECEIVERS.get(event)
    if receiver is None:
        return
    try:
        with session.begin_nested():
            created = receiver(session, payload)
    except Exception:
        log.exception("notifications for %s in %s failed", event, ", ".join(rooms))
        return
    for notification in created:
        deliver_later(session, notification)
