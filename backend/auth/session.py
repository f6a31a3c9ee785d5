"""How a request is tied to a user: cookie sessions (PWA) or bearer tokens (other clients)."""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_login import current_user

from backend.auth import service
from backend.auth.models import User
from backend.errors import NotAuthenticated
from backend.extensions import csrf, db, login_manager

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# Endpoints that never rely on the cookie, so cross-site forgery gains nothing there.
CSRF_EXEMPT_PREFIXES = ("/api/v1/auth/token", "/open311/")
# Endpoints that start a cookie session: guarded even without a cookie (login CSRF).
SESSION_STARTERS = ("/api/v1/auth/login", "/api/v1/auth/register")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


@login_manager.user_loader
def _load_session_user(session_id: str) -> User | None:
    """``<user id>:<session key>`` from the cookie session or the remember cookie, honoured
    only while the server still holds that session (see docs/security.md)."""
    user_id, _, key = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 18 or not key:
        return None
    return service.session_user(db.session, int(user_id), key)


@login_manager.request_loader
def _load_bearer_user(_request) -> User | None:
    token = bearer_token()
    if token is None:
        return None
    user = service.user_for_token(db.session, token)
    if user is None:
        g.bad_bearer = True
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    raise NotAuthenticated("Sign in first.")


def user():
    """The acting user, or Flask-Login's anonymous user. Adapters pass this to services."""
    if g.get("bad_bearer"):
        raise NotAuthenticated("The access token is invalid or has expired.", code="invalid_token")
    return current_user._get_current_object()


def _csrf_guard():
    if request.routing_exception is not None:
        return  # let routing answer 404/405 first
    if request.method in SAFE_METHODS or request.path.startswith(CSRF_EXEMPT_PREFIXES):
        return
    if request.headers.get("Authorization"):
        # Browsers never attach this header cross-site without a CORS preflight we refuse.
        return
    if not _has_session_cookie() and request.path not in SESSION_STARTERS:
        return  # nothing to forge: the request is anonymous and will be refused as such
    csrf.protect()


def may_be_signed_in() -> bool:
    """Whether the request may be a signed-in user's: a bearer token (valid or not), a
    remember cookie, or a cookie session that names a user (an anonymous visitor's session,
    holding only a CSRF token, does not)."""
    if "Authorization" in request.headers:
        return True
    return current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies or ("_user_id" in session)


def _has_session_cookie() -> bool:
    config = current_app.config
    names = (config["SESSION_COOKIE_NAME"], config["REMEMBER_COOKIE_NAME"])
    return any(name in request.cookies for name in names)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None
    csrf.init_app(app)
    app.before_request(_csrf_guard)
