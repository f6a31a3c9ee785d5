"""HTTP adapters for accounts: register, sign in/out, tokens, the current user."""

from __future__ import annotations

from flask import current_app, request
from flask_login import login_user, logout_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from backend.auth import accounts, personal_data, service
from backend.auth.permissions import is_authenticated, require_user
from backend.auth.schemas import (
    AcceptedSchema,
    CsrfSchema,
    EmailChangeSchema,
    ExportSchema,
    LoginSchema,
    MeSchema,
    PasswordChangeSchema,
    PasswordOnlySchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    ProfileUpdateSchema,
    RegisterSchema,
    SessionSchema,
    TokenOnlySchema,
    TokenSchema,
)
from backend.auth.session import bearer_token, user
from backend.extensions import db, limiter

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and sign-in")


def _account_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return _account(email)


def _own_account_key() -> str:
    acting = user()
    return _account(acting.email if is_authenticated(acting) else None)


def _account(email) -> str:
    return "account:" + (email.strip().lower() if isinstance(email, str) else "")


def _failed(response) -> bool:
    """A wrong password: 401 when signing in, 422 on `current_password` when changing it."""
    if response.status_code == 401:
        return True
    if response.status_code != 422 or not response.is_json:
        return False
    fields = (response.get_json(silent=True) or {}).get("error", {}).get("fields") or {}
    return "current_password" in fields


def _password_budget(key_func):
    """One budget of failed password checks per account and per address, shared by every
    way to sign in and by password changes (a shared limit: the same counters everywhere)."""

    def decorate(view):
        per_account = limiter.shared_limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
            scope="login-account",
            key_func=key_func,
            deduct_when=_failed,
        )
        per_address = limiter.shared_limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
            scope="login-address",
            deduct_when=_failed,
        )
        return per_account(per_address(view))

    return decorate


_login_limits = _password_budget(_account_key)


@blp.route("/auth/csrf", methods=["GET"])
@blp.response(200, CsrfSchema)
def csrf_token():
    """A CSRF token for the browser session; send it as `X-CSRFToken` on unsafe requests."""
    return {"csrf_token": generate_csrf()}


@blp.route("/auth/register", methods=["POST"])
@limiter.limit("20 per hour")
@blp.arguments(RegisterSchema)
@blp.response(201, MeSchema)
def register(data):
    """Create a resident account and sign in with a cookie session."""
    account = service.register(db.session, **data)
    accounts.send_verification(db.session, account)
    db.session.commit()
    login_user(account, remember=True)
    return account


@blp.route("/auth/login", methods=["POST"])
@_login_limits
@blp.arguments(LoginSchema)
@blp.response(200, MeSchema)
def login(data):
    """Sign in with a cookie session (the PWA)."""
    account = service.authenticate(db.session, data["email"], data["password"])
    db.session.commit()
    login_user(account, remember=True)
    return account


@blp.route("/auth/logout", methods=["POST"])
@blp.response(204)
def logout():
    """End the cookie session."""
    logout_user()


@blp.route("/auth/token", methods=["POST"])
@_login_limits
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
def token(data):
    """Exchange e-mail and password for a bearer token (non-browser clients)."""
    account = service.authenticate(db.session, data["email"], data["password"])
    ttl_days = current_app.config["TOKEN_TTL_DAYS"]
    raw = service.issue_token(db.session, account, ttl_days=ttl_days)
    db.session.commit()
    return {"access_token": raw, "token_type": "bearer", "expires_in": ttl_days * 86400}


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204)
def revoke_token():
    """Revoke the bearer token this request carries."""
    require_user(user())
    service.revoke_token(db.session, bearer_token() or "")
    db.session.commit()


@blp.route("/auth/session", methods=["GET"])
@blp.response(200, SessionSchema)
def current_session():
    """Who is signed in: `{"user": ...}`, or `{"user": null}` (200) when nobody is."""
    acting = user()
    return {"user": acting if is_authenticated(acting) else None}


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
def me():
    """The signed-in user."""
    return require_user(user())


@blp.route("/me", methods=["PATCH"])
@blp.arguments(ProfileUpdateSchema)
@blp.response(200, MeSchema)
def update_me(data):
    """Change one's own name, phone or language."""
    account = service.update_profile(require_user(user()), data)
    db.session.commit()
    return account


@blp.route("/me/password", methods=["POST"])
@_password_budget(_own_account_key)
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(data):
    """Change one's password (the current one is required)."""
    account = require_user(user())
    service.change_password(account, **data)
    db.session.commit()


@blp.route("/auth/verify", methods=["POST"])
@limiter.limit("30 per hour")
@blp.arguments(TokenOnlySchema)
@blp.response(200, MeSchema)
def verify(data):
    """Confirm an e-mail address with the token of the mailed link (single use, expiring)."""
    account = accounts.verify(db.session, data["token"])
    db.session.commit()
    return account


@blp.route("/auth/verify/resend", methods=["POST"])
@limiter.limit("5 per hour")
@blp.response(202, AcceptedSchema)
def resend_verification():
    """Mail the signed-in person a new verification link."""
    account = require_user(user())
    if not account.email_verified:
        accounts.send_verification(db.session, account)
        db.session.commit()
    return {"status": "queued"}


@blp.route("/auth/password-reset", methods=["POST"])
@limiter.limit("10 per hour")
@blp.arguments(PasswordResetRequestSchema)
@blp.response(202, AcceptedSchema)
def password_reset(data):
    """Mail a reset link; 202 whether or not the address is registered."""
    accounts.request_password_reset(db.session, data["email"])
    db.session.commit()
    return {"status": "queued"}


@blp.route("/auth/password-reset/confirm", methods=["POST"])
@limiter.limit("30 per hour")
@blp.arguments(PasswordResetConfirmSchema)
@blp.response(204)
def password_reset_confirm(data):
    """Set a new password with the mailed token; every other session ends."""
    accounts.confirm_password_reset(db.session, data["token"], data["password"])
    db.session.commit()
    logout_user()


@blp.route("/me/email", methods=["POST"])
@limiter.limit("10 per hour")
@blp.arguments(EmailChangeSchema)
@blp.response(202, AcceptedSchema)
def change_email(data):
    """Ask to use another address: it changes once the link mailed to it is opened."""
    accounts.request_email_change(db.session, require_user(user()), **data)
    db.session.commit()
    return {"status": "queued"}


@blp.route("/me/export", methods=["GET"])
@limiter.limit("10 per hour")
@blp.response(200, ExportSchema)
def export_me():
    """Everything CityLoop holds about the signed-in person, as one JSON archive."""
    archive = personal_data.export(db.session, require_user(user()))
    return archive, 200, {"Content-Disposition": 'attachment; filename="cityloop-data.json"'}


@blp.route("/me", methods=["DELETE"])
@blp.arguments(PasswordOnlySchema)
@blp.response(202, AcceptedSchema)
def delete_me(data):
    """Delete one's account (password required): signed out at once, data erased by a job."""
    accounts.request_deletion(db.session, require_user(user()), data["password"])
    logout_user()  # before the commit: the erasing job may have run by the time it returns
    db.session.commit()
    return {"status": "queued"}


from backend.auth import admin_routes  # noqa: E402  (its blueprint is registered with ours)

extra_blps = [admin_routes.blp]
