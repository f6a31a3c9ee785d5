"""The things comments can be attached to, and who may read and write there.

A domain registers itself once (at import of its routes module) with the rules the comment
service asks: how to load the object, who can view it, who can comment, who can write and
read internal notes, and what to do when a comment arrives or leaves the public list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from backend.errors import NotFound

Loader = Callable[[Session, int], Any]
Check = Callable[[Any, Any], bool]
MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database


def id_in_range(value: int) -> bool:
    """Whether ``value`` can be an id at all (a larger one would overflow the database)."""
    return isinstance(value, int) and 1 <= value <= MAX_ID


def _never(_user, _obj) -> bool:
    return False


def _nothing(*_args, **_kwargs) -> None:
    return None


@dataclass(frozen=True)
class Target:
    name: str
    loader: Loader  # (session, id) -> obj; raises NotFound
    can_view: Check  # (user, obj)
    can_comment: Check
    can_write_internal: Check
    can_read_internal: Check
    on_comment: Callable[..., None]  # (session, obj, comment, actor) after a comment is added
    count_changed: Callable[..., None]  # (session, obj, delta) a public comment left/returned

    def load(self, session: Session, target_id: int):
        if not id_in_range(target_id):
            raise NotFound(f"No {self.name} {target_id}.")
        return self.loader(session, target_id)


_targets: dict[str, Target] = {}


def register_target(
    name: str,
    *,
    load: Loader,
    can_view: Check,
    can_comment: Check,
    can_write_internal: Check = _never,
    can_read_internal: Check | None = None,
    on_comment: Callable[..., None] = _nothing,
    count_changed: Callable[..., None] = _nothing,
) -> Target:
    """Make ``name`` commentable. Registering the same name again replaces the rules.

    ``can_read_internal`` defaults to ``can_write_internal``: whoever may write internal
    notes on an object may read them there, and nobody else.
    """
    target = Target(
        name=name,
        loader=load,
        can_view=can_view,
        can_comment=can_comment,
        can_write_internal=can_write_internal,
        can_read_internal=can_read_internal or can_write_internal,
        on_comment=on_comment,
        count_changed=count_changed,
    )
    _targets[name] = target
    return target


def target(name: str) -> Target:
    try:
        return _targets[name]
    except KeyError:
        raise NotFound(f"Nothing called '{name}' takes comments.") from None


def target_names() -> list[str]:
    return sorted(_targets)
