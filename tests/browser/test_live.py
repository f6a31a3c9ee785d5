"""A case page follows the case live: staff move it through the API, the page changes in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import file_case, sign_up

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
