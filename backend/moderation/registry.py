"""What can be flagged and hidden, registered by the domains that own it.

Moderation knows nothing about cases, proposals or comments: each registers its model (which
carries ``hidden``, ``hidden_reason`` and ``created_at``) with the few rules moderation asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from backend.errors import NotFound

MAX_ID = 2**31 - 1


def _nothing(*_args, **_kwargs) -> None:
    return None


@dataclass(frozen=True)
class Moderated:
    name: str
    model: type
    can_see: Callable[[Session, Any, Any], bool]  # (session, user, obj): may they see it
    author_id: Callable[[Any], int | None]  # (obj) -> whom to tell when it is hidden
    describe: Callable[[Any], dict]  # (obj) -> context for moderators: title, excerpt, ...
    is_new_content: Callable[[], ColumnElement[bool]] | None  # rows shown as "new" in the queue
    on_visibility: Callable[..., None]  # (session, obj, hidden) after hide or restore
    # The column holding the author's user id (for "new content from new accounts").
    author_column: Callable[[], ColumnElement] | None = None

    def load(self, session: Session, target_id: int):
        in_range = isinstance(target_id, int) and 1 <= target_id <= MAX_ID
        obj = session.get(self.model, target_id) if in_range else None
        if obj is None:
            raise NotFound(f"No {self.name} {target_id}.")
        return obj


_registry: dict[str, Moderated] = {}


def register_moderated(
    name: str,
    *,
    model: type,
    can_see: Callable[[Session, Any, Any], bool],
    author_id: Callable[[Any], int | None],
    describe: Callable[[Any], dict],
    is_new_content: Callable[[], ColumnElement[bool]] | None = None,
    on_visibility: Callable[..., None] = _nothing,
    author_column: Callable[[], ColumnElement] | None = None,
) -> Moderated:
    """Make ``name`` flaggable and hideable. ``is_new_content`` (a SQL condition on ``model``)
    puts recent rows into the queue as new content; None keeps them out of it.
    ``author_column`` (the author's user id in SQL) lets the queue tell new accounts' content."""
    entry = Moderated(
        name, model, can_see, author_id, describe, is_new_content, on_visibility, author_column
    )
    _registry[name] = entry
    return entry


def moderated(name: str) -> Moderated:
    try:
        return _registry[name]
    except KeyError:
        raise NotFound(f"'{name}' cannot be moderated.") from None


def moderated_names() -> list[str]:
    return sorted(_registry)


def all_moderated() -> list[Moderated]:
    return [_registry[name] for name in sorted(_registry)]
