"""Searching a word found in very many cases: the list pages on while pages come back full.

Past 1,000 matches PostgreSQL's total is its planner's estimate (``total_estimated``), which
may be low, so the "Show N more" button goes by full pages there; SQLite counts exactly."""

from __future__ import annotations

import contextlib
import re
import secrets

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend import config, create_app
from backend.auth.models import User
from backend.cases import service
from backend.cases.totals import EXACT_UP_TO
from backend.extensions import db
from tests.browser.flows import sign_in, wait_for_screen
from tests.browser.support import REPORTER_EMAIL, STAFF_EMAIL, scratch_postgres, start_server
from tests.services import POSTGRES_URL, TEST_DB

pytestmark = pytest.mark.browser

PER_PAGE = 20  # the home screen's page
# Enough for PostgreSQL to estimate; SQLite always counts, and three pages show its paging.
MATCHES = EXACT_UP_TO + 10 if TEST_DB == "postgresql" else 2 * PER_PAGE + 10


@pytest.fixture(scope="module")
def crowded(_prerequisites, tmp_path_factory):
    """A server of its own (the others' lists stay as they were) with ``MATCHES`` cases that
    share one rare word."""
    root = tmp_path_factory.mktemp("crowded-server")
    with contextlib.ExitStack() as stack:
        if TEST_DB == "postgresql":
            database_url = stack.enter_context(scratch_postgres(POSTGRES_URL))
        else:
            database_url = f"sqlite:///{root / 'crowded.db'}"
        server = start_server(root / "data", database_url)
        stack.callback(server.process.stop)
        word = "bollard" + secrets.token_hex(3)
        _file(database_url, root / "filing", word)
        yield server, word


def _file(database_url: str, data_dir, word: str) -> None:
    """``MATCHES`` reports by the seeded reporter, filed by the domain code in this process
    (through the API a thousand took 90 s on a busy machine)."""
    app = create_app(
        config.TestingConfig(), SQLALCHEMY_DATABASE_URI=database_url, DATA_DIR=data_dir
    )
    with app.app_context():
        reporter = db.session.scalar(select(User).where(User.email == REPORTER_EMAIL))
        for n in range(MATCHES):
            body = {
                "category": "pothole",
                "lat": 31.20 + n % 40 * 0.002,
                "lon": 121.44 + n // 40 * 0.002,
                "description": f"Report {n}: the {word} by the crossing is knocked flat",
            }
            service.create_case(db.session, reporter, body)
            if n % 200 == 199:
                db.session.commit()
        db.session.commit()
        db.engine.dispose()


def _more(answer: dict, shown: int) -> int:
    """What the button should offer after ``shown`` items (pwa/src/paging.js)."""
    left = answer["total"] - shown
    if answer.get("total_estimated"):
        return max(left, answer["per_page"]) if len(answer["items"]) == PER_PAGE else 0
    return max(left, 0)


def test_a_search_with_very_many_matches_offers_page_after_page(crowded, make_context):
    server, word = crowded
    ask = {"q": word, "per_page": PER_PAGE}
    first = server.public.ok("GET", "/cases", params=ask)
    second = server.public.ok("GET", "/cases", params=ask | {"page": 2})
    assert first["total_estimated"] is (TEST_DB == "postgresql"), first["total"]
    assert first["total"] >= EXACT_UP_TO if first["total_estimated"] else first["total"] == MATCHES

    page = make_context(base_url=server.url).new_page()
    page.goto("/")
    page.get_by_test_id("case-search").fill(word)
    page.get_by_test_id("case-search").press("Enter")
    cards = page.get_by_test_id("case-list").get_by_test_id("case-card")
    expect(cards).to_have_count(PER_PAGE)
    more = page.locator(".paged-list button.more")
    expect(more).to_have_text(f"Show {_more(first, PER_PAGE)} more")
    more.click()
    expect(cards).to_have_count(2 * PER_PAGE)
    expect(more).to_have_text(f"Show {_more(second, 2 * PER_PAGE)} more")
    shown = [cards.nth(i).get_attribute("data-case-id") for i in range(2 * PER_PAGE)]
    assert shown == [str(c["id"]) for c in first["items"] + second["items"]]


def test_the_staff_inbox_says_about_when_the_total_is_estimated(crowded, make_context):
    server, _word = crowded
    context = make_context(base_url=server.url)
    sign_in(context, STAFF_EMAIL)
    page = context.new_page()
    with page.expect_response(re.compile(r"/api/v1/cases\?")) as answer:
        page.goto("/staff")
    body = answer.value.json()
    wait_for_screen(page)
    count = page.get_by_test_id("inbox-count")
    shown = r"[\d,]+ cases$"
    expect(count).to_have_text(re.compile(("^about " if body["total_estimated"] else "^") + shown))
    assert int(re.sub(r"\D", "", count.text_content())) == body["total"]
    assert body["total_estimated"] is (TEST_DB == "postgresql")
