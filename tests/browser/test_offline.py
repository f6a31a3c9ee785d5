"""Offline: a report made without a connection waits in the outbox and is sent exactly once;
the app started without one still knows who is signed in and shows what they saw."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import (
    api_in,
    photo_with_gps,
    sign_up,
    unique,
    wait_for_screen,
    wait_for_worker,
)

pytestmark = pytest.mark.browser


def test_a_report_filed_offline_is_sent_once_when_back_online(context, server, tmp_path):
    sign_up(context)
    description = unique("Blocked drain flooding the pavement")
    page = context.new_page()
    page.goto("/report")
    wait_for_worker(page)  # installed: the screens it needs later come from its cache

    page.get_by_test_id("photo-input").set_input_files(photo_with_gps(tmp_path, 31.2311, 121.4701))
    expect(page.get_by_test_id("location-status")).to_contain_text("from the photo")
    page.get_by_test_id("category-pothole").check()
    page.get_by_test_id("description").fill(description)

    context.set_offline(True)
    page.wait_for_function("!navigator.onLine")
    page.get_by_test_id("send-report").click()

    expect(page).to_have_url(f"{server.url}/my")
    item = page.get_by_test_id("outbox-item")
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-state", "waiting")
    expect(item).to_contain_text(description)
    expect(page.locator("#offline-banner")).to_contain_text("1 report waiting to send")
    assert server.cases_described(description) == []  # nothing reached the server

    context.set_offline(False)
    expect(item).to_have_attribute("data-state", "sent")
    [case] = server.cases_described(description)
    expect(item).to_contain_text(f"Sent: case #{case['id']}")
    assert case["category"]["code"] == "pothole"
    assert len(case["photos"]) == 1

    # Start-up replays the outbox too (and the worker may sync): still exactly one case.
    page.reload()
    expect(page.get_by_test_id("outbox-item")).to_have_attribute("data-state", "sent")
    page.wait_for_function(
        "async () => navigator.locks.request('cityloop-outbox', () => true)"
    )  # whoever replays holds this lock: wait until nobody does
    assert len(server.cases_described(description)) == 1
    page.get_by_test_id("outbox-item").get_by_role("link", name="View").click()
    expect(page.get_by_test_id("case-summary")).to_contain_text(description)


def test_the_app_started_offline_keeps_the_person_and_what_they_saw(context, server):
    """Closed, then opened again without a connection: still signed in, their cases, a case
    page and the proposals they saw are there, and a report waits in the outbox."""
    me = sign_up(context)
    mine = api_in(context, "POST", "/cases", {"category": "litter", "lat": 31.2304,
                  "lon": 121.4737, "description": unique("Bags torn open by the bins")},
                  expect=201)  # fmt: skip
    title = unique("Benches along the canal")
    server.reporter.ok("POST", "/proposals", expect=201, json={"title": title, "body": "Shade."})
    page = context.new_page()
    page.goto("/")
    wait_for_worker(page)  # what the pages read from now on is kept by the worker
    page.goto("/my")
    expect(page.locator(f'[data-testid="case-card"][data-case-id="{mine["id"]}"]')).to_be_visible()
    page.goto(f"/cases/{mine['id']}")
    expect(page.get_by_test_id("case-summary")).to_contain_text(mine["description"])
    page.goto("/proposals")
    expect(page.get_by_test_id("proposal-card").filter(has_text=title)).to_be_visible()
    page.goto("/report")
    expect(page.get_by_test_id("category-litter")).to_be_attached()
    page.close()

    context.set_offline(True)
    page = context.new_page()  # a cold start: a new document, nothing in memory
    page.goto("/")
    wait_for_screen(page)
    expect(page.get_by_test_id("nav-notifications")).to_be_visible()  # only when signed in
    page.get_by_test_id("nav-my").click()
    expect(page.locator(f'[data-testid="case-card"][data-case-id="{mine["id"]}"]')).to_be_visible()
    page.goto(f"/cases/{mine['id']}")
    expect(page.get_by_test_id("case-summary")).to_contain_text(mine["description"])
    page.goto("/proposals")
    expect(page.get_by_test_id("proposal-card").filter(has_text=title)).to_be_visible()

    description = unique("Fallen branch across the footpath")
    page.goto("/report")
    expect(page.get_by_test_id("send-report")).to_be_visible()  # not "sign in first"
    page.get_by_test_id("use-my-location").click()
    page.get_by_test_id("category-litter").check()
    page.get_by_test_id("description").fill(description)
    page.get_by_test_id("send-report").click()
    item = page.get_by_test_id("outbox-item")
    expect(item).to_have_attribute("data-state", "waiting")
    assert server.cases_described(description) == []

    context.set_offline(False)
    expect(item).to_have_attribute("data-state", "sent")
    [case] = server.cases_described(description)
    assert case["reporter"]["id"] == me["id"]
    assert case["category"]["code"] == "litter"


def _answers(server, path: str) -> list[str]:
    """The status of every answer the server logged for ``path`` (werkzeug's access log,
    whose 304 lines are coloured)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", server.process.log_path.read_text(errors="replace"))
    found = re.finditer(rf'"GET {re.escape(path)}[?\s][^"]*" (\d{{3}})', text)
    return [match.group(1) for match in found]


def test_the_worker_revalidates_a_stored_list_and_reuses_it_when_unchanged(context, server):

    api_in_title = unique("Drinking fountains in the parks")
    server.reporter.ok("POST", "/proposals", expect=201,
                       json={"title": api_in_title, "body": "Summers are hot."})  # fmt: skip
    page = context.new_page()
    page.goto("/proposals")
    wait_for_worker(page)
    page.reload()  # now through the worker, which stores the list with its ETag
    expect(page.get_by_text(api_in_title)).to_be_visible()
    before = _answers(server, "/api/v1/proposals")
    page.reload()
    expect(page.get_by_text(api_in_title)).to_be_visible()  # the stored copy, confirmed
    assert _answers(server, "/api/v1/proposals")[len(before) :] == ["304"]

    newer = unique("Shade sails over the playground")
    server.reporter.ok("POST", "/proposals", expect=201, json={"title": newer, "body": "Hot."})
    page.reload()
    expect(page.get_by_text(newer)).to_be_visible()  # changed: a full answer, stored again
    assert _answers(server, "/api/v1/proposals")[-1] == "200"


@pytest.mark.postgresql_only  # the server's transaction is held with a PostgreSQL table lock
def test_a_report_whose_first_send_is_still_running_is_retried_not_dropped(
    context, server, tmp_path
):
    """The first send reaches the server, which claims its Idempotency-Key and then waits
    inside its transaction; the phone gives up on it after a minute. The outbox's retry
    (the app opened again) gets 409 request_in_progress (the claim is real and unanswered)
    and keeps the report;
    once the first send finishes, the next retry gets its stored answer: one case."""
    import psycopg

    sign_up(context)
    description = unique("Cracked kerb by the school gate")
    page = context.new_page()
    page.clock.install()  # runs as usual, until the test moves it on
    page.goto("/report")
    wait_for_worker(page)
    page.get_by_test_id("photo-input").set_input_files(photo_with_gps(tmp_path, 31.2311, 121.4701))
    expect(page.get_by_test_id("location-status")).to_contain_text("from the photo")
    page.get_by_test_id("category-pothole").check()
    page.get_by_test_id("description").fill(description)

    conflicts_before = _filings_answered(server, 409)
    database = server.env["DATABASE_URL"].replace("+psycopg", "")
    with psycopg.connect(database) as lock, psycopg.connect(database, autocommit=True) as watch:
        lock.execute("LOCK TABLE case_events IN SHARE MODE")  # the report's INSERT waits
        page.get_by_test_id("send-report").click()
        _wait_until(lambda: _filings_waiting(watch) == 1)  # the key is claimed, the work waits
        page.clock.run_for("01:01")  # the phone gives up on a send after a minute
        expect(page).to_have_url(f"{server.url}/my")
        expect(page.get_by_test_id("outbox-item")).to_contain_text(description)
        page.reload()  # opening the app again sends the outbox, with the same key
        _wait_until(lambda: _filings_answered(server, 409) > conflicts_before, page)
        item = page.get_by_test_id("outbox-item")
        expect(item).to_have_attribute("data-state", "waiting")  # kept, to send again
        assert server.cases_described(description) == []
        lock.rollback()  # the first send goes on and stores its answer
        _wait_until(lambda: _filings_waiting(watch) == 0)

    page.clock.run_for("00:16")  # the outbox's next try
    expect(item).to_have_attribute("data-state", "sent")
    [case] = server.cases_described(description)
    expect(item).to_contain_text(f"Sent: case #{case['id']}")
    assert len(case["photos"]) == 1


def _filings_answered(server, status: int) -> int:
    """How many reports the server has answered with ``status`` (its access log)."""
    log = server.process.log_path.read_text(errors="replace")
    return len(re.findall(rf"POST /api/v1/cases HTTP/1.1\S*\" {status}", log))


def _filings_waiting(connection) -> int:
    """Requests waiting for a table's lock: the only one held is case_events'."""
    return connection.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND wait_event = 'relation'"
    ).fetchone()[0]


def _wait_until(condition, page=None, seconds: float = 45) -> None:
    """Poll what the browser cannot await: PostgreSQL's sessions, the server's log."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        if page is not None:
            page.wait_for_timeout(250)
        else:
            time.sleep(0.05)
