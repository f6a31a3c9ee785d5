"""Conditional GETs for the lists people read again and again (the case list, the map's pins,
proposals): an ETag, and ``304 Not Modified`` when the client already has the answer
(``If-None-Match``).

The ETag is a hash of the JSON body, so it changes with anything the answer says (a case's
status, a new comment, the asker's own flags, a case passing its due time and becoming
``overdue``) and needs no rule of its own to stay right. It saves the transfer and the
client's work, not the server's.

Who may keep a copy: these answers depend on who asks (``viewer`` flags, hidden cases shown
to their reporter and to staff), so they vary on ``Cookie`` and ``Authorization``.

- Anonymous answers hold public data only: ``no-cache``, any cache may keep them and must
  check them with the server (a cheap 304) before each use, so nobody sees a stale list.
- A resident's answer carries their own flags: ``private, no-cache``, their browser only.
- Staff, admins and volunteers: their answers may hold reporters' contact details, internal
  notes or hidden content, which no cache keeps (``no-store``, ASVS 8.2.1 in
  docs/security.md). They still get the ETag, and a 304 for a copy their client keeps.

``@conditional(cached=True)`` also keeps the server's own copy of anonymous answers
(:mod:`backend.publiccache`): a repeat is then answered, 200 or 304, without the view.
"""

from __future__ import annotations

import functools

from flask import make_response, request

from backend import publiccache
from backend.auth.permissions import Permission, has_permission, is_authenticated, is_staff
from backend.auth.session import user

SHARED = "no-cache"
PERSONAL = "private, no-cache"
SENSITIVE = "no-store"
VARY = ("Cookie", "Authorization")

# The 200 answer's header, for ``@blp.response(200, ..., headers=ETAG_HEADER)``.
ETAG_HEADER = {
    "ETag": {
        "schema": {"type": "string"},
        "description": "Changes whenever the answer does (a hash of it): send it back in "
        "If-None-Match.",
    }
}
# For ``blp.doc(**CONDITIONAL_DOC)`` next to ``@conditional``.
CONDITIONAL_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": "If-None-Match",
            "required": False,
            "schema": {"type": "string"},
            "description": "The ETag of the copy you have: 304 if it is still the answer.",
        }
    ],
    "responses": {
        "304": {"description": "Not modified: the copy with this ETag is still the answer."}
    },
}


def conditional(view=None, *, cached: bool = False):
    """Give the view's 200 answers an ETag and cache headers, and answer 304 to a client
    whose ``If-None-Match`` names it; ``cached``: from the server's copy when there is one.
    Put it right under ``@blp.route`` (``@conditional`` or ``@conditional(cached=True)``)."""
    if view is None:
        return functools.partial(conditional, cached=cached)

    def answer(args, kwargs):
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200:
            response.add_etag()
            response.headers["Cache-Control"] = cache_control(user())
            response.vary.update(VARY)
        return response

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if cached:
            response = publiccache.cached(lambda: answer(args, kwargs))
        else:
            response = answer(args, kwargs)
        if response.status_code != 200:
            return response
        return response.make_conditional(request)

    return wrapper


def cache_control(viewer) -> str:
    """Who may keep an answer made for ``viewer`` (see the module's docstring)."""
    if not is_authenticated(viewer):
        return SHARED
    if is_staff(viewer) or has_permission(viewer, Permission.MODERATE):
        return SENSITIVE
    return PERSONAL
