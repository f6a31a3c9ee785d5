"""Who may do what: the one place every adapter (HTTP, sockets, CLI, Open311) asks.

Roles carry permission flags (flasky style); department-scoped rules ask
:func:`is_member`. Domain packages add their own object-level checks on top of these
(e.g. the case transition table), but never re-derive a role check by hand.
"""

from __future__ import annotations

from enum import IntFlag, StrEnum

from backend.errors import Forbidden, NotAuthenticated


class Role(StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    STAFF = "staff"
    ADMIN = "admin"


class Permission(IntFlag):
    REPORT = 1  # file cases, comment, support, vote, flag
    MODERATE = 2  # work the moderation queue, verify on the ground
    HANDLE_CASES = 4  # triage and work cases of one's departments
    ANSWER_PROPOSALS = 8
    ADMINISTER = 16  # departments, categories, users, API keys, everything


ROLE_PERMISSIONS: dict[Role, Permission] = {
    Role.RESIDENT: Permission.REPORT,
    Role.VOLUNTEER: Permission.REPORT | Permission.MODERATE,
    Role.STAFF: Permission.REPORT | Permission.HANDLE_CASES | Permission.ANSWER_PROPOSALS,
    Role.ADMIN: Permission(sum(Permission)),
}


def is_authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def has_permission(user, permission: Permission) -> bool:
    if not is_authenticated(user):
        return False
    granted = ROLE_PERMISSIONS.get(Role(user.role), Permission(0))
    return permission in granted


def is_admin(user) -> bool:
    return has_permission(user, Permission.ADMINISTER)


def is_staff(user) -> bool:
    """Staff or admin: may see staff-only data such as reporters' contacts."""
    return has_permission(user, Permission.HANDLE_CASES)


def is_member(user, department_id: int | None) -> bool:
    """Admins act for every department; staff for the ones they belong to."""
    if department_id is None or not is_authenticated(user):
        return False
    if is_admin(user):
        return True
    return is_staff(user) and department_id in user.department_ids


def is_head_of(user, department_id: int | None) -> bool:
    """Admins head every department; staff the ones whose membership says so."""
    if department_id is None or not is_authenticated(user):
        return False
    if is_admin(user):
        return True
    return is_staff(user) and any(
        m.department_id == department_id and m.is_head for m in user.memberships
    )


def require_user(user):
    if not is_authenticated(user):
        raise NotAuthenticated("Sign in first.")
    return user


def refusal(user, permission: Permission) -> NotAuthenticated | Forbidden | None:
    """Why ``user`` may not act with ``permission`` (the error :func:`require` raises), or
    None when they may."""
    if not is_authenticated(user):
        return NotAuthenticated("Sign in first.")
    if not has_permission(user, permission):
        return Forbidden("Your role does not allow this.")
    if permission == Permission.REPORT and user.blocked:
        return Forbidden("This account is blocked from posting.", code="blocked")
    if permission == Permission.REPORT and not may_post_unverified() and not user.email_verified_at:
        return Forbidden("Confirm your e-mail address first.", code="email_unverified")
    return None


def may(user, permission: Permission) -> bool:
    """Whether :func:`require` would let ``user`` through (for what the client may offer)."""
    return refusal(user, permission) is None


def require(user, permission: Permission):
    """Raise 401 when signed out and 403 when the role lacks ``permission``."""
    error = refusal(user, permission)
    if error is not None:
        raise error
    return user


def may_post_unverified() -> bool:
    """The city's choice (``CITYLOOP_UNVERIFIED_MAY_POST``)."""
    from flask import current_app

    return bool(current_app.config["UNVERIFIED_MAY_POST"])


class _Operator:
    """Whoever runs the server (CLI commands, the demo, seeding): trusted, with no account."""

    is_authenticated = False

    def __repr__(self) -> str:
        return "OPERATOR"


OPERATOR = _Operator()


def require_admin(actor):
    """Administration (departments, categories, users, API keys): admins and the operator."""
    if actor is OPERATOR:
        return actor
    return require(actor, Permission.ADMINISTER)
