"""A case page follows the case live: staff move it through the API, the page changes in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import (
    file_case,
    mark_document,
    sign_in,
    sign_up,
    still_same_document,
    unique,
)
from tests.browser.support import STAFF_EMAIL

pytestmark = pytest.mark.browser


def test_status_changes_appear_live_on_the_case_page(context, server):
    sign_up(context)
    case = file_case(server)
    page = context.new_page()
    page.goto(f"/cases/{case['id']}")
    chip = page.get_by_test_id("case-summary").get_by_test_id("status-chip")
    expect(chip).to_have_attribute("data-status", "submitted")
    expect(page.get_by_test_id("timeline-item")).to_have_count(1)
    expect(page.locator(".live-dot.connected")).to_be_visible()  # the socket is up
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page

    server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": "accept"})
    expect(chip).to_have_attribute("data-status", "accepted")
    expect(chip).to_contain_text("Accepted")
    expect(page.get_by_test_id("timeline-item")).to_have_count(2)

    server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": "assign"})
    server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": "start"})
    expect(chip).to_have_attribute("data-status", "in_progress")
    expect(page.get_by_test_id("timeline-item")).to_have_count(4)
    expect(page.get_by_test_id("timeline-item").last).to_contain_text("Sam Staff")
    expect(page.get_by_test_id("deadline")).to_be_visible()  # assignment set a due date

    assert page.evaluate("window.__sameDocument") is True
    events = server.public.ok("GET", f"/cases/{case['id']}/events")["items"]
    assert [e["to_status"] for e in events] == ["submitted", "accepted", "assigned", "in_progress"]
    shown = page.get_by_test_id("timeline-item").evaluate_all(
        "items => items.map((li) => Number(li.dataset.eventId))"
    )
    assert shown == [e["id"] for e in events]  # each event once, in order


def test_a_page_that_was_offline_catches_up_when_it_reconnects(context, server):
    case = file_case(server)
    page = context.new_page()
    page.goto(f"/cases/{case['id']}")
    chip = page.get_by_test_id("case-summary").get_by_test_id("status-chip")
    expect(page.locator(".live-dot.connected")).to_be_visible()

    context.set_offline(True)
    expect(page.locator(".live-dot.disconnected")).to_be_visible()
    server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": "accept"})
    server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": "assign"})
    expect(chip).to_have_attribute("data-status", "submitted")  # nothing can arrive offline

    context.set_offline(False)
    expect(chip).to_have_attribute("data-status", "assigned")
    expect(page.get_by_test_id("timeline-item")).to_have_count(3)


DESK = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "has_touch": False}


def _frames_with(page, text: str) -> list:
    """Every websocket frame the page receives from now on that contains ``text``."""
    frames: list = []

    def watch(socket):
        socket.on("framereceived", lambda f: frames.append(f) if text in str(f) else None)

    page.on("websocket", watch)
    return frames


def test_a_reply_and_a_note_arrive_live_once(context, make_context, server):
    case = file_case(server)
    reply, note = unique("Crew on the way"), unique("Internal: crew Tuesday")
    page = context.new_page()
    reply_frames = _frames_with(page, reply)
    page.goto(f"/cases/{case['id']}")
    expect(page.locator(".live-dot.connected")).to_be_visible()
    staff = make_context(**DESK)
    sign_in(staff, STAFF_EMAIL)
    desk = staff.new_page()
    desk.goto(f"/staff/cases/{case['id']}")
    pane = desk.get_by_test_id("desk-pane")
    expect(pane.locator(".live-dot.connected")).to_be_visible()
    mark_document(page)
    asked: list[str] = []  # what the resident's page requests once the replies come
    page.on("request", lambda r: asked.append(r.url) if "/api/" in r.url else None)

    comments = f"/cases/{case['id']}/comments"
    server.staff.ok("POST", comments, expect=201, json={"body": note, "internal": True})
    server.staff.ok("POST", comments, expect=201, json={"body": reply})
    expect(page.get_by_test_id("comment").filter(has_text=reply)).to_have_count(1)
    expect(pane.get_by_test_id("comment").filter(has_text=reply)).to_have_count(1)
    expect(pane.get_by_test_id("internal-note").filter(has_text=note)).to_have_count(1)
    expect(page.get_by_test_id("comments")).not_to_contain_text(note)
    assert still_same_document(page)
    assert len(reply_frames) == 1  # the reply's case.event, not also a case.comment
    page.wait_for_timeout(300)
    assert asked == []  # the frame brought all a reply changes: no refetch per listener


def test_a_reply_sent_while_offline_appears_on_reconnect(context, server):
    case = file_case(server)
    reply = unique("Fixed the kerb too")
    page = context.new_page()
    page.goto(f"/cases/{case['id']}")
    expect(page.locator(".live-dot.connected")).to_be_visible()
    expect(page.get_by_test_id("comment-input")).to_have_count(0)  # signed out: no composer
    context.set_offline(True)
    expect(page.locator(".live-dot.disconnected")).to_be_visible()
    server.staff.ok("POST", f"/cases/{case['id']}/comments", expect=201, json={"body": reply})
    context.set_offline(False)
    # the subscribe ack replays the comment's event, with the comment
    expect(page.get_by_test_id("comment").filter(has_text=reply)).to_have_count(1)
