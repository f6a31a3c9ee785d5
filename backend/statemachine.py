"""One row of a transition table (cases, proposals): the action, the states it starts from,
the state it leads to, who may take it and the fields it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[StrEnum, ...]
    target: StrEnum
    who: Callable[[object, object], bool]  # (user, obj) -> may they take it
    requires: tuple[str, ...] = ()

    @property
    def who_name(self) -> str:
        return self.who.__name__
