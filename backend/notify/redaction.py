"""What a notification's reader may read of it once its content is hidden."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from backend import content
from backend.auth.models import User
from backend.errors import NotFound
from backend.notify.models import Notification

HIDDEN_TEXT = "Moderators hid what this notification was about."
# Kinds whose text quotes no content (the author's own notice carries only the reason).
QUOTES_NOTHING = frozenset({"content_hidden"})


def redact(session: Session, notifications: Iterable[Notification]) -> list[Notification]:
    """Hide the text of notifications about content that moderators have hidden since from
    their reader (a case or proposal title quoted in it). Stored texts are left alone, so
    restoring the content brings them back."""
    notifications = list(notifications)
    for notification in notifications:
        if notification.kind in QUOTES_NOTHING:
            continue
        try:
            entry = content.moderated(notification.target_type)
            target = entry.get(session, int(notification.target_id))
        except (NotFound, ValueError):
            continue
        if target.hidden:
            reader = session.get(User, notification.user_id)
            if not entry.can_view(reader, target):
                notification._redacted_text = HIDDEN_TEXT
    return notifications
