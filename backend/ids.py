"""Row ids: 32-bit integers on every database, so one bound for every id a client sends.

A larger number cannot name a row (and would overflow the database's integer), so it is
refused before any query: ``IdConverter`` makes every ``<int:...>`` path segment of the app
answer 404 past the bound, schemas validate ids in bodies and queries with ``ID_RANGE``
(422), and services loading by id ask ``id_in_range``. Event ids are 64-bit (``EVENT_ID_MAX``).
"""

from __future__ import annotations

from marshmallow import validate
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

ID_MAX = 2**31 - 1
EVENT_ID_MAX = 2**63 - 1
ID_RANGE = validate.Range(min=1, max=ID_MAX)


def id_in_range(value) -> bool:
    """Whether ``value`` can be a row id at all."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX


class IdConverter(IntegerConverter):
    """The app's ``int`` converter: digits up to ``ID_MAX``; past it, a 404.

    Raising instead of werkzeug's "does not match" keeps it a 404 for every method: a
    failed conversion would let the path's other rules answer 405.
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None
