"""A resident's own case from report to rating, in the phone's browser, checked on the server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import file_case, mark_document, sign_in, still_same_document
from tests.browser.support import REPORTER_EMAIL
from tests.imagegen import jpeg

pytestmark = pytest.mark.browser


def move(server, case, *actions, **fields):
    for action in actions:
        body = {"action": action} | (fields if action == actions[-1] else {})
        server.staff.ok("POST", f"/cases/{case['id']}/transitions", json=body)


def test_the_after_photo_of_a_fix_appears_live_and_the_reporter_confirms(context, server):
    sign_in(context, REPORTER_EMAIL)
    case = file_case(server)
    move(server, case, "accept", "assign", "start")
    page = context.new_page()
    page.goto(f"/cases/{case['id']}")
    expect(page.locator(".live-dot.connected")).to_be_visible()
    expect(page.locator(".case-photos img")).to_have_count(0)
    mark_document(page)

    photo = ("photos", ("after.jpg", jpeg(800, 600), "image/jpeg"))
    fields = {"action": "resolve", "note": "Filled and sealed."}
    server.staff.ok("POST", f"/cases/{case['id']}/transitions", data=fields, files=[photo])
    after = page.locator(".case-photos figure", has_text="After")
    expect(after.locator("img")).to_have_count(1)  # live, without a reload
    [stored] = server.public.ok("GET", f"/cases/{case['id']}")["photos"]
    assert stored["kind"] == "after"
    expect(after.locator("img")).to_have_attribute("src", stored["thumb_url"])

    page.get_by_test_id("confirm-fix").click()
    expect(page.get_by_test_id("case-summary").get_by_test_id("status-chip")).to_have_attribute(
        "data-status", "closed"
    )
    assert server.public.ok("GET", f"/cases/{case['id']}")["status"] == "closed"
    assert still_same_document(page)


def test_the_reporter_rates_a_closed_case(context, server):
    sign_in(context, REPORTER_EMAIL)
    case = file_case(server)
    move(server, case, "accept", "assign", "start", "resolve", note="Done.")
    server.reporter.ok("POST", f"/cases/{case['id']}/transitions", json={"action": "confirm"})
    page = context.new_page()
    page.goto(f"/cases/{case['id']}")
    mark_document(page)

    page.get_by_test_id("rating-send").click()  # no stars yet: refused in place
    expect(page.locator(".rating-form .field-error")).to_be_visible()
    page.locator(".rating-form .stars label").nth(3).click()
    page.locator(".rating-form textarea").fill("Quick and tidy.")
    page.get_by_test_id("rating-send").click()
    expect(page.get_by_test_id("rating-done")).to_contain_text("Thanks")
    assert still_same_document(page)

    rating = server.reporter.ok("GET", f"/cases/{case['id']}")["rating"]
    assert (rating["score"], rating["comment"]) == (4, "Quick and tidy.")
    page.reload()
    expect(page.get_by_test_id("rating-done")).to_be_visible()  # the stored rating, not a form


def test_an_anonymous_reporters_reply_shows_anonymous_on_the_public_page(context, server):
    case = file_case(server, anonymous=True)
    name = server.reporter.ok("GET", "/me")["display_name"]
    body = {"body": "Still there this morning."}
    server.reporter.ok("POST", f"/cases/{case['id']}/comments", expect=201, json=body)
    page = context.new_page()
    page.goto(f"/cases/{case['id']}")
    reply = page.get_by_test_id("comment").filter(has_text="Still there this morning.")
    expect(reply.locator(".comment-meta strong")).to_have_text("Anonymous")
    expect(page.locator("main")).not_to_contain_text(name)
    [stored] = server.public.ok("GET", f"/cases/{case['id']}/comments")["items"]
    assert stored["author"] == {"display_name": "anonymous", "role": None}
