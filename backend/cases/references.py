"""Case references a person can read over the phone: ``RD-2412-0042``.

The prefix comes from the lead department's code when the case is filed (the category's
code without one): its first letter and the next consonant, upper-cased ("roads" -> RD,
"lighting" -> LG), or ``CL`` when the code has fewer than two ASCII letters. Then the
year and month of filing (UTC) and a sequence per prefix and month, at least four digits.
The reference never changes afterwards (a transfer keeps it); the random id stays the key.

The sequence is one row per (prefix, month) in ``case_reference_counters``, bumped with a
single ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: on PostgreSQL the row lock makes
concurrent filings of one prefix wait for each other's commit and each get the next number
(a rolled-back filing gives its number back); SQLite serializes writers anyway. The unique
index on ``cases.reference`` is the last guard.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.cases.models import CaseReferenceCounter

FALLBACK_PREFIX = "CL"
VOWELS = set("AEIOU")
# What a person may type: "rd-2412-0042", "RD 2412 42", "rd24120042".
TYPED = re.compile(r"^([A-Z]{2})[-\s]*(\d{4})[-\s]*(\d{1,7})$")


def prefix_for(code: str | None) -> str:
    letters = [c for c in (code or "").upper() if "A" <= c <= "Z"]
    if len(letters) < 2:
        return FALLBACK_PREFIX
    second = next((c for c in letters[1:] if c not in VOWELS), letters[1])
    return letters[0] + second


def format_reference(prefix: str, period: str, number: int) -> str:
    return f"{prefix}-{period}-{number:04d}"


def normalise(typed: str) -> str | None:
    """The canonical reference for what someone typed, or None if it cannot be one."""
    match = TYPED.match((typed or "").strip().upper())
    if match is None:
        return None
    prefix, period, number = match.groups()
    return format_reference(prefix, period, int(number))


def next_reference(session: Session, code: str | None, now: datetime) -> str:
    """Take the next number for ``code``'s prefix in ``now``'s month (in this transaction)."""
    prefix, period = prefix_for(code), now.strftime("%y%m")
    stmt = _bump(session.get_bind().dialect.name)
    number = session.execute(stmt, {"prefix": prefix, "period": period}).scalar_one()
    return format_reference(prefix, period, number)


@cache
def _bump(dialect_name: str):
    """The counter's upsert, built once per dialect."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = CaseReferenceCounter.__table__
    return (
        dialect.insert(table)
        .values(prefix=bindparam("prefix"), period=bindparam("period"), last=1)
        .on_conflict_do_update(
            index_elements=[table.c.prefix, table.c.period], set_={"last": table.c.last + 1}
        )
        .returning(table.c.last)
    )
