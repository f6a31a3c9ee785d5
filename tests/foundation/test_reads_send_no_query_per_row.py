"""Every public read sends the same SQL statements however many rows it answers with.

Each list is asked twice with the same filters, for 5 and for 40 rows, by an anonymous
visitor, a resident, staff of a department and an admin; the number of statements sent
(counted with a ``before_cursor_execute`` listener on the engine) must not grow with the
rows: no statement may come more often for 40 rows than for 5 (one the short page did not
need at all, say its rows had no assignee, may come once). The seed has what an N+1 would
trip on: cases in three departments' categories (``varied_cases``), reported by several
people (some anonymously), with photos, assignees, co-handling tasks, ratings, supporters
and followers; proposals by several authors with topics, categories and votes; comments by
several authors with replies, votes and an internal note. A failure lists the statements
the longer answer sent more often than the shorter one.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from backend.cases import service as case_service
from backend.comments import service as comment_service
from backend.extensions import db
from backend.proposals import service as proposal_service
from backend.proposals import topics
from tests.fixtures_cases import CENTRE, VARIED_CASES, WEST
from tests.helpers import sql_statements

# The database path: a repeat from the public cache sends nothing at all.
pytestmark = pytest.mark.usefixtures("uncached")

ROWS = VARIED_CASES  # more than the longer page, so both pages are full
SMALL, LARGE = 5, 40
VIEWERS = ("anonymous", "resident", "staff", "admin")
WEST_BOX = f"{WEST[1] - 0.01},{WEST[0] - 0.01},{WEST[1] + 0.01},{WEST[0] + 0.01}"


def _get(client, url: str, headers: dict):
    """The answer and the statements it took (after a first, unmeasured request, so that
    one-off work such as a token's last-use stamp is not counted)."""
    client.get(url, headers=headers)
    with sql_statements() as sent:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return response, sent


# A list of bound parameters, as each driver spells it: (?, ?), (%(id_1)s, ...), ($1, $2).
_PARAMETERS = re.compile(r"\((?:\?|%\(\w+\)s|\$\d+)(?:, (?:\?|%\(\w+\)s|\$\d+))*\)")


def shapes(sent: list[str]) -> Counter:
    """How often each statement was sent, an IN list's length aside."""
    return Counter(_PARAMETERS.sub("(...)", " ".join(s.split())) for s in sent)


def per_row(longer: list[str], shorter: list[str]) -> dict[str, int]:
    """The statements the longer answer repeats more often than the shorter one did.

    A statement the shorter answer did not send at all may come once (its rows had none of
    what it loads, say no assignee): that is a query per page, not per row.
    """
    small, large = shapes(shorter), shapes(longer)
    return {s: n for s, n in large.items() if n > max(small[s], 1)}


def assert_same_statements(client, url: str, headers: dict, count_items, size_arg="per_page"):
    """``url`` for SMALL and for LARGE rows: no statement sent once a row."""
    joiner = "&" if "?" in url else "?"
    small, sent_small = _get(client, f"{url}{joiner}{size_arg}={SMALL}", headers)
    large, sent_large = _get(client, f"{url}{joiner}{size_arg}={LARGE}", headers)
    rows_small, rows_large = count_items(small), count_items(large)
    assert rows_small == SMALL and rows_large > 2 * SMALL, (url, rows_small, rows_large)
    repeated = per_row(sent_large, sent_small)
    assert not repeated, (
        f"{url}: {len(sent_small)} statements for {rows_small} rows, "
        f"{len(sent_large)} for {rows_large}; repeated:\n"
        + "\n".join(f"{n} x {statement[-400:]}" for statement, n in repeated.items())
    )
    return len(sent_large)


def _items(response) -> int:
    return len(response.get_json()["items"])


def _open311_items(response) -> int:
    return len(response.get_json())


@pytest.fixture
def people(city, token_for):
    headers = {"anonymous": {}}
    for who in VIEWERS[1:]:
        headers[who] = token_for(getattr(city, who))
    return headers


# --- cases -----------------------------------------------------------------------------------


CASE_LISTS = [
    "/api/v1/cases",
    "/api/v1/cases?status=submitted,accepted,assigned,in_progress",
    f"/api/v1/cases?bbox={WEST_BOX}",
    "/api/v1/cases?category=pothole&sort=-updated_at",
    "/api/v1/cases?department=roads,water,parks&sort=due_at",
    f"/api/v1/cases?near={WEST[0]},{WEST[1]}&radius_m=5000",
    "/api/v1/cases?q=case",
]


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/cases/pins"])
def test_case_lists_and_pins(client, varied_cases, people, path):
    for url in CASE_LISTS:
        url = url.replace("/api/v1/cases", path, 1)
        for who, headers in people.items():
            assert_same_statements(client, f"{url}", headers, _items), who


def test_the_lists_of_ones_own_and_followed_cases(client, city, varied_cases, people, token_for):
    assert_same_statements(client, "/api/v1/cases?following=true", people["staff"], _items)
    headers = token_for(city.reporter)  # reported a quarter of them
    small, sent_small = _get(client, "/api/v1/cases?mine=true&per_page=2", headers)
    large, sent_large = _get(client, "/api/v1/cases?mine=true&per_page=11", headers)
    assert (_items(small), _items(large)) == (2, 11)
    assert not per_row(sent_large, sent_small)


def test_one_case_costs_the_same_however_much_it_carries(client, city, varied_cases, people):
    """A bare case and one with photos, a task and an assignee: no statement repeated (its
    lists are loaded a query each, not a query a photo or task), and no more than the case,
    its photos, for staff its tasks, for the signed-in their token, follow and support."""
    rich = next(c for c in varied_cases if c.status == "in_progress" and c.tasks and c.photos)
    bare = next(c for c in varied_cases if c.status == "submitted" and len(c.photos) == 1)
    budget = {"anonymous": 3, "resident": 6, "staff": 7, "admin": 7}  # BEGIN included
    for who, headers in people.items():
        _, sent_rich = _get(client, f"/api/v1/cases/{rich.id}", headers)
        _, sent_bare = _get(client, f"/api/v1/cases/{bare.id}", headers)
        assert not per_row(sent_rich, sent_bare), who
        assert len(sent_rich) <= budget[who], (who, sent_rich)


def test_a_cases_events(client, city, make_case, people):
    """Rounds of resolve, reopen (by the reporter) and start give a case many events by
    different people."""
    case = make_case("in_progress")
    for _ in range(14):
        case_service.transition(
            db.session, case, city.admin, {"action": "resolve", "note": "Done."}
        )
        case_service.transition(
            db.session, case, city.reporter, {"action": "reopen", "reason": "No"}
        )
        case_service.transition(db.session, case, city.staff, {"action": "start"})
    db.session.commit()
    for who, headers in people.items():
        assert_same_statements(client, f"/api/v1/cases/{case.id}/events", headers, _items), who


# --- comments --------------------------------------------------------------------------------


def test_a_cases_comments(client, city, make_case, make_user, make_comment, people):
    case = make_case("in_progress")
    authors = [city.reporter, city.resident, city.staff, make_user(), make_user("volunteer")]
    posted = []
    for n in range(ROWS):
        parent = posted[n - 3] if n >= 3 and n % 4 == 0 else None
        posted.append(
            make_comment(case, authors[n % len(authors)], body=f"Reply {n}", parent=parent)
        )
    make_comment(case, city.staff, body="For us only.", internal=True)
    for comment in posted[::3]:
        if comment.author_id != city.resident.id:
            comment_service.vote_comment(db.session, comment.id, city.resident, 1)
    db.session.commit()
    for who, headers in people.items():
        for order in ("oldest", "thread"):
            url = f"/api/v1/cases/{case.id}/comments?order={order}"
            assert_same_statements(client, url, headers, _items), who


def test_a_proposals_comments(client, city, make_proposal, make_user, make_comment, people):
    proposal = make_proposal()
    authors = [city.reporter, city.resident, make_user(), make_user("volunteer")]
    for n in range(ROWS):
        make_comment(proposal, authors[n % len(authors)], body=f"Idea {n}")
    for who, headers in people.items():
        url = f"/api/v1/proposals/{proposal.id}/comments"
        assert_same_statements(client, url, headers, _items), who


# --- proposals -------------------------------------------------------------------------------


def test_proposals(client, city, make_proposal, make_user, people):
    trees = topics.create_topic(db.session, city.admin, {"code": "trees", "name": "Trees"})
    db.session.commit()
    authors = [city.reporter, make_user(), make_user(), city.resident]
    proposals = []
    for n in range(ROWS):
        extra = {"topic": trees.code} if n % 2 else {"category": city.pothole.code}
        if n % 3 == 0:
            extra |= {"lat": CENTRE[0] + n * 1e-4, "lon": CENTRE[1]}
        proposals.append(make_proposal(authors[n % len(authors)], **extra))
    for proposal in proposals[::2]:
        if proposal.author_id != city.resident.id:
            proposal_service.vote(db.session, proposal.id, city.resident, "support", threshold=1000)
    db.session.commit()
    urls = [
        "/api/v1/proposals",
        "/api/v1/proposals?sort=supported",
        f"/api/v1/proposals?sort=near&near={CENTRE[0]},{CENTRE[1]}",
    ]
    for url in urls:
        for who, headers in people.items():
            assert_same_statements(client, url, headers, _items), who


# --- Open311 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("extensions", ["false", "true"])
def test_open311_requests(client, varied_cases, extensions):
    for query in ("", "&status=open", "&service_code=pothole,bench"):
        url = f"/open311/v2/requests.json?extensions={extensions}{query}"
        assert_same_statements(client, url, {}, _open311_items, size_arg="page_size")
