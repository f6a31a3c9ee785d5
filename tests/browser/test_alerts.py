"""Area alerts in the PWA: the banner appears live for a resident whose saved place lies in
the alert's circle, never for one outside it, and a cancel removes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.flows import api_in, mark_document, sign_up, still_same_document, unique

pytestmark = pytest.mark.browser


def _live(page):
    page.goto("/")
    expect(page.locator("#alert-banner[data-live=joined]")).to_be_attached()
    mark_document(page)
    return page.get_by_test_id("alert-item")


def test_the_banner_follows_alerts_for_the_saved_place(make_context, server):
    inside, outside = make_context(), make_context()
    for context, place in ((inside, (31.2304, 121.4737)), (outside, (31.30, 121.60))):
        sign_up(context)
        api_in(context, "PUT", "/me/place", {"lat": place[0], "lon": place[1]})
    inside_items = _live(inside.new_page())
    outside_items = _live(outside.new_page())
    expect(inside_items).to_have_count(0)

    title = unique("Flooding at the underpass")
    expires = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    alert = server.staff.ok("POST", "/alerts", expect=201, json={
        "title": title, "body": "Keep away from Renmin Road.", "severity": "severe",
        "area": {"lat": 31.2304, "lon": 121.4737, "radius_m": 1000}, "expires_at": expires,
    })  # fmt: skip
    try:
        expect(inside_items).to_have_count(1)
        expect(inside_items.first).to_contain_text(f"Severe alert: {title}")
        expect(inside_items.first).to_have_attribute("data-alert-id", str(alert["id"]))
        expect(inside.pages[0].get_by_test_id("alert-banner")).to_have_attribute("role", "alert")
    finally:
        server.staff.ok("POST", "/alerts", expect=201,
                        json={"msg_type": "Cancel", "references": alert["id"]})  # fmt: skip
    expect(inside_items).to_have_count(0)
    expect(inside.pages[0].get_by_test_id("alert-banner")).to_be_hidden()
    expect(outside_items).to_have_count(0)
    assert still_same_document(inside.pages[0]) and still_same_document(outside.pages[0])
