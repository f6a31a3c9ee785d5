"""The time rules of the loop, read once from the app config (or the environment).

Adapters build a :class:`Policy` and hand it to the services, which never read config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULTS = {"AUTO_CLOSE_DAYS": 7, "REOPEN_DAYS": 30, "SLA_SWEEP_MINUTES": 5}


@dataclass(frozen=True)
class Policy:
    auto_close_days: int = DEFAULTS["AUTO_CLOSE_DAYS"]  # resolved, unanswered -> closed
    reopen_days: int = DEFAULTS["REOPEN_DAYS"]  # after resolving, the reporter may reopen
    sweep_minutes: int = DEFAULTS["SLA_SWEEP_MINUTES"]


def _setting(config: Mapping, name: str) -> int:
    """``config[name]``, else ``$CITYLOOP_<name>``, else the default; never below 0."""
    value = config.get(name)
    if value is None:
        value = os.environ.get(f"CITYLOOP_{name}") or DEFAULTS[name]
    return max(0, int(value))


def policy_from(config: Mapping) -> Policy:
    return Policy(
        auto_close_days=_setting(config, "AUTO_CLOSE_DAYS"),
        reopen_days=_setting(config, "REOPEN_DAYS"),
        sweep_minutes=max(1, _setting(config, "SLA_SWEEP_MINUTES")),
    )
