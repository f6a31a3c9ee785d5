"""Account rules: registration, sign-in, tokens, API keys and user administration.

Functions take a session and plain values, flush but never commit.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from blinker import Namespace
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from backend import security_log
from backend.aftercommit import after_commit
from backend.auth.models import ApiKey, AuthToken, Membership, User, UserSession, hash_secret
from backend.auth.passwords import (
    burn_verification_time,
    hash_password,
    password_problems,
    verify_password,
)
from backend.auth.permissions import Role
from backend.db import utcnow
from backend.errors import Forbidden, NotAuthenticated, NotFound, ValidationFailed
from backend.ids import id_in_range
from backend.text import clean_text

# Sent with a user id once every session of that person has ended (after the commit).
sessions_ended = Namespace().signal("sessions_ended")

TOKEN_PREFIX = "clt_"
API_KEY_PREFIX = "clk_"


def clean_display_name(name: str) -> str:
    """A name in any script, cleaned like all text (one line, at most 80 characters)."""
    return clean_text(name, "display_name", max_length=80)


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _check_password(password: str, email: str, name: str) -> None:
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise ValidationFailed("Choose a stronger password.", fields={"password": problems})


def _add_user(session: Session, user: User) -> User:
    if find_user_by_email(session, user.email):
        raise ValidationFailed(
            "This e-mail is already registered.",
            fields={"email": ["This e-mail is already registered."]},
        )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ValidationFailed(
            "This e-mail is already registered.",
            fields={"email": ["This e-mail is already registered."]},
        ) from exc
    return user


def register(session: Session, *, email: str, password: str, display_name: str) -> User:
    name = clean_display_name(display_name)
    email = email.strip()
    _check_password(password, email, name)
    user = User(email=email, display_name=name, password_hash=hash_password(password))
    return _add_user(session, user)


def authenticate(session: Session, email: str, password: str) -> User:
    user = find_user_by_email(session, email)
    if user is None:
        burn_verification_time(password)
        security_log.event("sign_in_failed", user_id="unknown")
        raise NotAuthenticated("Wrong e-mail or password.", code="invalid_credentials")
    if not verify_password(user.password_hash, password):
        security_log.event("sign_in_failed", user_id=user.id)
        raise NotAuthenticated("Wrong e-mail or password.", code="invalid_credentials")
    if not user.active:
        raise Forbidden("This account has been deactivated.", code="account_disabled")
    user.last_seen_at = utcnow()
    return user


def change_password(
    session: Session, user: User, *, current_password: str, new_password: str
) -> None:
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed(
            "Wrong current password.", fields={"current_password": ["Wrong password."]}
        )
    _check_password(new_password, user.email, user.display_name)
    user.password_hash = hash_password(new_password)
    revoke_all_sessions(session, user)


def update_profile(user: User, changes: dict) -> User:
    """What a person may change about themselves: name, phone, language."""
    if "display_name" in changes:
        user.display_name = clean_display_name(changes["display_name"])
    for attribute in ("phone", "locale"):
        if attribute in changes:
            setattr(user, attribute, changes[attribute])
    return user


def issue_token(session: Session, user: User, *, ttl_days: int) -> str:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        AuthToken(
            user_id=user.id,
            token_hash=hash_secret(raw),
            expires_at=utcnow() + timedelta(days=ttl_days),
        )
    )
    session.flush()
    return raw


def user_for_token(session: Session, raw: str) -> User | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        session.execute(
            select(AuthToken)
            .where(AuthToken.token_hash == hash_secret(raw))
            # what every permission check reads, in the same read
            .options(joinedload(AuthToken.user).joinedload(User.memberships))
        )
        .unique()
        .scalar_one_or_none()
    )
    if token is None or token.expires_at <= utcnow() or not token.user.active:
        return None
    return token.user


def start_session(session: Session, user: User) -> User:
    """Open a server-side cookie session for ``user``; ``user.get_id()`` then names it."""
    key = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, key_hash=hash_secret(key)))
    session.flush()
    user.session_key = key
    return user


def session_user(session: Session, user_id: int, key: str) -> User | None:
    """The user of a live cookie session, None when it was ended or revoked. One read: the
    session's user with the memberships every permission check reads."""
    user = (
        session.execute(
            select(User)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.key_hash == hash_secret(key), User.id == user_id)
            .options(joinedload(User.memberships))
        )
        .unique()
        .scalar_one_or_none()
    )
    if user is not None:
        user.session_key = key
    return user


def end_session(session: Session, user: User) -> None:
    """Sign-out: this cookie session (and its remember cookie) stops working everywhere."""
    if user.session_key:
        session.execute(
            delete(UserSession).where(UserSession.key_hash == hash_secret(user.session_key))
        )
        user.session_key = None


def revoke_all_sessions(session: Session, user: User) -> None:
    """End every bearer token and cookie session of ``user`` and, after the commit, tell
    :data:`sessions_ended` (the live domain closes their sockets in every process)."""
    session.execute(delete(AuthToken).where(AuthToken.user_id == user.id))
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    user.session_key = None
    after_commit(session, sessions_ended.send, user.id)


def revoke_token(session: Session, raw: str) -> None:
    token = session.scalar(select(AuthToken).where(AuthToken.token_hash == hash_secret(raw)))
    if token is not None:
        session.delete(token)


def create_api_key(session: Session, name: str, *, trusted: bool = False) -> tuple[ApiKey, str]:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed("Invalid name.", fields={"name": ["Use 1 to 120 characters."]})
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=raw[:10], key_hash=hash_secret(raw), trusted=trusted)
    session.add(key)
    session.flush()
    return key, raw


def verify_api_key(session: Session, raw: str) -> ApiKey | None:
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_secret(raw or "")))
    if key is None or key.revoked_at is not None:
        return None
    key.last_used_at = utcnow()
    return key


def set_api_key_trusted(session: Session, key_id: int, trusted: bool) -> ApiKey:
    """An admin trusts a key (its client may post case updates) or withdraws that trust."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("No such API key.")
    key.trusted = trusted
    return key


def revoke_api_key(session: Session, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id) if id_in_range(key_id) else None
    if key is None:
        raise NotFound("No such API key.")
    key.revoked_at = key.revoked_at or utcnow()
    return key


def _departments_by_code(session: Session, codes: list[str]) -> list:
    # Department as the membership's relationship maps it: the departments package imports
    # auth (for permissions), so auth does not import it back.
    department = Membership.department.property.mapper.class_
    found = session.scalars(select(department).where(department.code.in_(codes))).all()
    missing = sorted(set(codes) - {d.code for d in found})
    if missing:
        raise ValidationFailed(
            "Unknown department.", fields={"departments": [f"Unknown: {', '.join(missing)}"]}
        )
    return list(found)


def set_memberships(
    session: Session, user: User, codes: list[str], head_of: list[str] = ()
) -> None:
    """Replace the user's departments; staff only (admins act everywhere anyway)."""
    if codes and user.role not in (Role.STAFF, Role.ADMIN):
        raise ValidationFailed(
            "Only staff belong to departments.", fields={"departments": ["Make them staff first."]}
        )
    departments = _departments_by_code(session, list(codes))
    user.memberships = [
        Membership(department_id=d.id, is_head=d.code in head_of) for d in departments
    ]
    session.flush()


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    display_name: str,
    role: str = Role.RESIDENT,
    departments: list[str] = (),
    head_of: list[str] = (),
) -> User:
    name = clean_display_name(display_name)
    _check_password(password, email, name)
    user = User(
        email=email.strip(),
        display_name=name,
        password_hash=hash_password(password),
        role=role,
        email_verified_at=utcnow(),  # an administrator vouches for the address
    )
    _add_user(session, user)
    if departments:
        set_memberships(session, user, list(departments), list(head_of))
    return user


def update_user(session: Session, user: User, changes: dict) -> User:
    """Admin edits: role, name, phone, active, blocked, departments. Losing a role, the
    account or a department ends the person's sessions, so no access outlives its grant."""
    before = (user.role, user.active, user.department_ids)
    update_profile(user, changes)
    for attribute in ("role", "active", "blocked"):
        if attribute in changes:
            setattr(user, attribute, changes[attribute])
    if user.role not in (Role.STAFF, Role.ADMIN) and "departments" not in changes:
        user.memberships = []
    if "departments" in changes:
        set_memberships(session, user, changes["departments"], changes.get("head_of", []))
    session.flush()
    role, active, departments = before
    if user.role != role or (active and not user.active) or departments - user.department_ids:
        revoke_all_sessions(session, user)
    return user
