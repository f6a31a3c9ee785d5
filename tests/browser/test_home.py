"""The home screen: one request for the list of the map's area, and light pins for the map."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.flows import file_case

pytestmark = pytest.mark.browser


def test_home_asks_for_the_list_once_and_for_pins_apart(page, server):
    case = file_case(server, lon=121.4797)  # apart from the other tests' pins (no cluster)
    asked = []
    page.on(
        "request",
        lambda r: asked.append(urlsplit(r.url)) if "/api/v1/cases" in r.url else None,
    )
    page.goto("/")
    page.locator(f"[data-testid=case-card][data-case-id='{case['id']}']").wait_for()
    page.locator(".leaflet-marker-icon").first.wait_for()
    page.wait_for_load_state("networkidle")

    lists = [parse_qs(u.query) for u in asked if u.path == "/api/v1/cases"]
    pins = [parse_qs(u.query) for u in asked if u.path == "/api/v1/cases/pins"]
    assert len(lists) == 1, lists
    assert len(pins) == 1, pins
    assert lists[0]["bbox"] == pins[0]["bbox"]  # the map's area, known before the map loaded
    assert lists[0]["per_page"] == ["20"] and pins[0]["per_page"] == ["100"]

    # A pin opens its case from the keyboard too (Enter on the focused pin).
    page.locator(".leaflet-marker-icon[title^='Pothole']").first.press("Enter")
    page.wait_for_url("**/cases/*")
