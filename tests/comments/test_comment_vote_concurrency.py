"""Comment votes stay exact when many arrive at once (both databases; SQLite, which runs
one writer at a time within a 5 s busy timeout, gets a smaller crowd)."""

from sqlalchemy import func, select

from backend.comments.models import Comment, CommentVote
from backend.extensions import db
from tests.services import TEST_DB

UPS, DOWNS, REPEATS = (12, 6, 8) if TEST_DB == "postgresql" else (6, 3, 4)


def _put(url: str, value: int, headers: dict):
    return lambda client: client.put(url, json={"value": value}, headers=headers)


def test_concurrent_votes_are_counted_exactly(
    make_proposal, make_comment, make_user, token_for, at_once
):
    comment = make_comment(make_proposal())
    url = f"/api/v1/comments/{comment.id}/vote"
    ups = [token_for(make_user()) for _ in range(UPS)]
    downs = [token_for(make_user()) for _ in range(DOWNS)]
    repeater = token_for(make_user())
    calls = [_put(url, 1, h) for h in ups] + [_put(url, -1, h) for h in downs]
    calls += [_put(url, 1, repeater)] * REPEATS
    statuses = at_once(calls)
    assert statuses == [200] * len(calls)
    stored = db.session.get(Comment, comment.id)
    assert (stored.upvotes, stored.downvotes) == (UPS + 1, DOWNS)
    rows = db.session.scalar(select(func.count()).select_from(CommentVote))
    assert rows == UPS + DOWNS + 1
