"""Installable, and the app shell works offline after the first visit."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.flows import wait_for_screen, wait_for_worker

pytestmark = pytest.mark.browser


def test_manifest_and_service_worker_meet_the_install_criteria(make_context, server):
    context = make_context(persistent=True)  # an on-disk profile: incognito cannot install
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/")
    wait_for_screen(page)

    href = page.get_attribute('link[rel="manifest"]', "href")
    manifest_response = page.request.get(href)
    assert manifest_response.ok
    assert "manifest+json" in manifest_response.headers["content-type"]
    manifest = manifest_response.json()
    assert manifest["name"] and manifest["short_name"]
    assert manifest["start_url"] == "/"
    assert manifest["display"] in {"standalone", "fullscreen", "minimal-ui"}
    assert manifest["theme_color"] and manifest["background_color"]
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any")} <= sizes
    assert {("192x192", "maskable"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        fetched = page.request.get(icon["src"])
        mime = fetched.headers["content-type"].split(";")[0]
        assert fetched.ok and mime == icon["type"], icon
    assert any(s["url"] == "/report" for s in manifest["shortcuts"])

    wait_for_worker(page)
    assert any(w.url == f"{server.url}/sw.js" for w in context.service_workers)

    # What Chromium itself says: the manifest parses and nothing stands in the way of installing.
    cdp = context.new_cdp_session(page)
    parsed = cdp.send("Page.getAppManifest")
    assert parsed["errors"] == [], parsed["errors"]
    assert parsed["url"] == f"{server.url}/manifest.webmanifest"
    installability = cdp.send("Page.getInstallabilityErrors")
    assert installability["installabilityErrors"] == [], installability


def test_the_app_shell_loads_offline_after_the_first_visit(page, context):
    page.goto("/")
    wait_for_screen(page)
    wait_for_worker(page)

    context.set_offline(True)
    page.wait_for_function("!navigator.onLine")
    for path, heading in [("/", "Around you"), ("/report", "Report a problem")]:
        page.goto(path)  # a navigation, answered by the worker from its precache
        expect(page.locator("#main h1")).to_have_text(heading)
        expect(page.get_by_test_id("nav-report")).to_be_visible()
        expect(page.locator("#offline-banner")).to_be_visible()
        expect(page.locator("#offline-banner")).to_contain_text("You're offline")

    # The report form works offline: photo buttons and the description field are there.
    expect(page.get_by_test_id("description")).to_be_editable()
    expect(page.get_by_test_id("photo-input")).to_be_attached()

    context.set_offline(False)
    page.wait_for_function("navigator.onLine")
    expect(page.locator("#offline-banner")).to_be_hidden()
