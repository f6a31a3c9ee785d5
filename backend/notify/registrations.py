"""The ``user`` live room: one's own ``user:<id>`` room (notifications); replay = the unread
ones since. A closed account's push devices go with it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.accounts import account_closing
from backend.auth.permissions import is_authenticated
from backend.extensions import db
from backend.live.rooms import register_room
from backend.notify import service
from backend.notify.models import PushSubscription
from backend.notify.schemas import notification_schema


def _user_rooms(user, _ident) -> list[str]:
    return [f"user:{user.id}"]


def _missed(user, _ident, since: int) -> list:
    return notification_schema.dump(service.missed(db.session, user, since), many=True)


register_room(
    "user",
    authorize=lambda user, _ident: is_authenticated(user),
    missed=_missed,
    extra_rooms=_user_rooms,
    join_requested=False,
)


@account_closing.connect
def _forget_devices(session: Session, *, user) -> None:
    stmt = select(PushSubscription).where(PushSubscription.user_id == user.id)
    for device in session.scalars(stmt):
        session.delete(device)
