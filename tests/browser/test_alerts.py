"""Area alerts in the PWA: the banner appears live for a resident whose saved place lies in
the alert's circle, never for one outside it, and a cancel removes it. With
``CITYLOOP_SCREENSHOTS=1`` the banner and the alerts screen go to docs/screenshots/."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.flows import api_in, mark_document, sign_up, still_same_document, unique
from tests.browser.test_screenshots import SHOTS, save

pytestmark = pytest.mark.browser


def _live(page):
    page.goto("/")
    expect(page.locator("#alert-banner[data-live=joined]")).to_be_attached()
    mark_document(page)
    return page.get_by_test_id("alert-item")


def _save_place_on_screen(context) -> None:
    """Opt in on the alerts screen, with the device's position (DEVICE_POSITION)."""
    page = context.new_page()
    page.goto("/alerts")
    page.get_by_test_id("save-place").click()
    expect(page.get_by_test_id("forget-place")).to_be_visible()
    saved = api_in(context, "GET", "/me/place")
    assert saved["precision_m"] == 250 and (saved["lat"], saved["lon"]) != (31.24, 121.48)
    page.close()


def test_the_banner_follows_alerts_for_the_saved_place(make_context, server, tmp_path):
    shots = SHOTS if os.environ.get("CITYLOOP_SCREENSHOTS") == "1" else tmp_path
    inside, outside = make_context(), make_context()
    sign_up(inside)
    _save_place_on_screen(inside)
    sign_up(outside)
    api_in(outside, "PUT", "/me/place", {"lat": 31.30, "lon": 121.60})
    inside_items = _live(inside.new_page())
    outside_items = _live(outside.new_page())
    expect(inside_items).to_have_count(0)

    title = unique("Flooding at the underpass")
    expires = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    alert = server.staff.ok("POST", "/alerts", expect=201, json={
        "title": title, "body": "Keep away from Renmin Road.", "severity": "severe",
        "area": {"lat": 31.2400, "lon": 121.4800, "radius_m": 1000}, "expires_at": expires,
    })  # fmt: skip
    try:
        expect(inside_items).to_have_count(1)
        expect(inside_items.first).to_contain_text(f"Severe alert: {title}")
        expect(inside_items.first).to_have_attribute("data-alert-id", str(alert["id"]))
        expect(inside.pages[0].get_by_test_id("alert-banner")).to_have_attribute("role", "alert")
        expect(outside_items).to_have_count(0)
        details = outside.new_page()  # the alerts screen lists every active one
        details.goto(f"/alerts/{alert['id']}")
        expect(details.get_by_test_id("alert-card").filter(has_text=title)).to_have_count(1)
        details.close()
        save(inside.pages[0], "alert-banner", shots)
        screen = inside.new_page()
        screen.goto("/alerts")
        expect(screen.get_by_test_id("forget-place")).to_be_visible()
        save(screen, "alerts-screen", shots)
        screen.close()
    finally:
        server.staff.ok("POST", "/alerts", expect=201,
                        json={"msg_type": "Cancel", "references": alert["id"]})  # fmt: skip
    expect(inside_items).to_have_count(0)
    expect(inside.pages[0].get_by_test_id("alert-banner")).to_be_hidden()
    expect(outside_items).to_have_count(0)
    assert still_same_document(inside.pages[0]) and still_same_document(outside.pages[0])
