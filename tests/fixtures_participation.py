"""Fixtures for proposals, comments and moderation (loaded by tests/conftest.py).

- ``make_proposal(author=None, status="published", **fields)``: a proposal in any status;
- ``make_comment(target, author=None, body=..., parent=None, internal=False)``: a comment on
  a proposal or case, posted through the service (so counts and events are real);
- ``make_reported_case(reporter=None)``: a submitted case, filed through the cases service;
- ``published``: every live event published during the test, as (room, event, payload);
- ``at_once(calls)``: run HTTP calls in threads released together, each with its own client
  (so its own app context and database connection); returns their statuses in order.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import pytest

from backend.comments import service as comment_service
from backend.db import utcnow
from backend.extensions import db
from backend.live.publish import published as published_signal
from backend.proposals import service as proposal_service

_counter = itertools.count(1)


@pytest.fixture
def make_proposal(app, make_user):
    def factory(author=None, *, status: str = "published", **fields):
        author = author or make_user()
        n = next(_counter)
        data = {
            "title": fields.pop("title", f"Proposal {n}"),
            "body": fields.pop("body", "Plant more trees along the river."),
            "draft": status != "published",
        }
        for name in ("category", "topic", "lat", "lon"):
            if name in fields:
                data[name] = fields.pop(name)
        proposal = proposal_service.create_proposal(db.session, author, data)
        if status not in ("published", "draft"):
            proposal.published_at = proposal.published_at or utcnow()
            proposal.status = status
        for key, value in fields.items():
            setattr(proposal, key, value)
        db.session.commit()
        return proposal

    return factory


@pytest.fixture
def make_comment(app, make_user):
    def factory(target, author=None, *, body: str = "I agree.", parent=None, internal=False):
        author = author or make_user()
        target_type = type(target).__name__.lower()
        comment = comment_service.add_comment(
            db.session,
            target_type,
            target.id,
            author,
            body=body,
            parent_id=parent.id if parent is not None else None,
            internal=internal,
        )
        db.session.commit()
        return comment

    return factory


@pytest.fixture
def make_reported_case(app, make_user, make_category):
    from backend.cases import service as case_service

    def factory(reporter=None, *, category=None, **data):
        reporter = reporter or make_user()
        category = category or make_category()
        body = {
            "category": category.code,
            "lat": data.pop("lat", 31.23),
            "lon": data.pop("lon", 121.47),
            "description": data.pop("description", "A deep pothole by the bus stop."),
            **data,
        }
        case = case_service.create_case(db.session, reporter, body)
        db.session.commit()
        return case

    return factory


@pytest.fixture
def published(app):
    """Live events published (and so delivered after commit) while the test runs."""
    events: list[tuple[str, str, dict]] = []

    def record(_session, *, rooms, event, payload):
        events.extend((room, event, payload) for room in rooms)

    published_signal.connect(record)
    yield events
    published_signal.disconnect(record)


@pytest.fixture
def at_once(app):
    def run(calls: list[Callable]) -> list[int]:
        db.session.commit()  # the test's own transaction must not hold locks meanwhile
        barrier = threading.Barrier(len(calls))
        statuses: list = [None] * len(calls)

        def worker(index: int, call: Callable) -> None:
            client = app.test_client()
            barrier.wait()
            try:
                statuses[index] = call(client).status_code
            except Exception as exc:  # recorded, so the test fails with the reason
                statuses[index] = repr(exc)

        threads = [threading.Thread(target=worker, args=pair) for pair in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        db.session.rollback()  # read what the threads committed
        return statuses

    return run
