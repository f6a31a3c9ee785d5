"""The admin console's use cases: accounts of any role and API keys. Each checks that the
actor administers (:func:`require_admin`) before it reads or changes anything."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.auth import service
from backend.auth.accounts import account_changed
from backend.auth.models import ApiKey, User
from backend.auth.permissions import require_admin
from backend.errors import NotFound
from backend.ids import id_in_range
from backend.pagination import paginate


def list_users(session: Session, actor, args: dict) -> dict:
    """A page of users, newest first; ``q`` searches name and e-mail, ``role`` filters."""
    require_admin(actor)
    stmt = select(User).order_by(User.id.desc())
    if args.get("q"):
        like = f"%{args['q'].lower()}%"
        stmt = stmt.where(
            or_(func.lower(User.email).like(like), func.lower(User.display_name).like(like))
        )
    if args.get("role"):
        stmt = stmt.where(User.role == args["role"])
    return paginate(session, stmt, args["page"], args["per_page"])


def get_user(session: Session, actor, user_id: int) -> User:
    require_admin(actor)
    account = session.get(User, user_id) if id_in_range(user_id) else None
    if account is None:
        raise NotFound("No such user.")
    return account


def create_user(session: Session, actor, data: dict) -> User:
    require_admin(actor)
    return service.create_user(session, **data)


def update_user(session: Session, actor, user_id: int, changes: dict) -> User:
    return service.update_user(session, get_user(session, actor, user_id), changes)


def sign_out_everywhere(session: Session, actor, user_id: int) -> User:
    """End every session, token and socket of a person (a lost phone, a shared computer)."""
    account = get_user(session, actor, user_id)
    service.revoke_all_sessions(session, account)
    account_changed.send(session, user=account, action="user.signed_out", actor=actor)
    return account


def list_api_keys(session: Session, actor, args: dict) -> dict:
    """A page of API keys (their prefixes only), newest first."""
    require_admin(actor)
    stmt = select(ApiKey).order_by(ApiKey.id.desc())
    return paginate(session, stmt, args["page"], args["per_page"])


def create_api_key(
    session: Session, actor, name: str, *, trusted: bool = False
) -> tuple[ApiKey, str]:
    require_admin(actor)
    return service.create_api_key(session, name, trusted=trusted)


def set_api_key_trusted(session: Session, actor, key_id: int, trusted: bool) -> ApiKey:
    """Trust a key (its client may post Open311 case updates) or withdraw that trust."""
    require_admin(actor)
    return service.set_api_key_trusted(session, key_id, trusted)


def revoke_api_key(session: Session, actor, key_id: int) -> ApiKey:
    require_admin(actor)
    return service.revoke_api_key(session, key_id)
