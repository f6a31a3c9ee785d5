"""Rate limits, the one module every route's limit comes from.

``creations`` limits how many things a client creates (only successful answers count).
For participation, ``limited`` draws on budgets per acting user and per address, shared
across routes.

Each kind of action (``posting``, ``voting``, ``flagging``) has one budget per user and one
per address, whatever the route: comments and proposals draw on the same ``posting`` budget.
Limits are read from the app config at request time, so deployments tune them without code.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_limiter.util import get_remote_address

from backend.auth.permissions import is_authenticated
from backend.auth.session import user
from backend.errors import DomainError
from backend.extensions import limiter


def setting_names(kind: str) -> tuple[str, str]:
    """The config names for ``kind``: e.g. ``POSTING_LIMIT_PER_USER`` and
    ``POSTING_LIMIT_PER_ADDRESS``."""
    prefix = kind.upper()
    return f"{prefix}_LIMIT_PER_USER", f"{prefix}_LIMIT_PER_ADDRESS"


def _actor_key() -> str:
    """The signed-in user's id; the address for anonymous (or badly authenticated) requests."""
    try:
        acting = user()
    except DomainError:
        acting = None
    if is_authenticated(acting):
        return f"user:{acting.id}"
    return f"addr:{get_remote_address()}"


def _configured(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _succeeded(response) -> bool:
    return response.status_code < 300


def creations(
    setting: str, key_func: Callable[[], str], *, spends: Callable = _succeeded
) -> Callable:
    """Decorate a creating view: at most the ``setting``'s limit of answers that ``spends``
    the budget per ``key_func`` (by default the successful ones: a failed attempt is free)."""
    return limiter.limit(_configured(setting), key_func=key_func, deduct_when=spends)


def limited(kind: str) -> Callable:
    """Decorate a view (between ``@blp.route`` and ``@blp.arguments``) with ``kind``'s limits."""
    user_setting, address_setting = setting_names(kind)
    per_user = limiter.shared_limit(
        _configured(user_setting), scope=f"{kind}-user", key_func=_actor_key
    )
    per_address = limiter.shared_limit(_configured(address_setting), scope=f"{kind}-address")

    def decorate(view: Callable) -> Callable:
        return per_user(per_address(view))

    return decorate
