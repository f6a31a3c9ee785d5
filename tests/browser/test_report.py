"""A new resident registers and reports a problem with a photo and its location."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEVICE_POSITION
from tests.browser.flows import photo_with_gps, sign_up, unique
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

PHOTO_AT = (31.23456, 121.47321)  # where the photo was taken: not where the device is


def test_register_then_report_with_a_photo_and_its_location(page, server, tmp_path):
    description = unique("Streetlight flickering at the bus stop")
    email = unique("reporter").replace(" ", "-") + "@browser.test"

    page.goto("/report")
    page.get_by_test_id("report-sign-in").wait_for()  # signed out: the form says to sign in first
    page.goto("/register?next=%2Freport")
    page.get_by_test_id("display-name").fill("Lin")
    page.get_by_test_id("email").fill(email)
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(f"{server.url}/report")
    expect(page.get_by_test_id("send-report")).to_be_visible()

    # Photo first: the location comes from the photo's GPS, not from the device.
    page.get_by_test_id("photo-input").set_input_files(photo_with_gps(tmp_path, *PHOTO_AT))
    expect(page.get_by_test_id("photo-list").locator("img")).to_have_count(1)
    expect(page.get_by_test_id("location-status")).to_contain_text("from the photo")
    expect(page.get_by_test_id("lat")).to_have_value(re.compile(r"^31\.2345"))
    expect(page.get_by_test_id("lon")).to_have_value(re.compile(r"^121\.4732"))

    page.get_by_test_id("category-search").fill("light")
    page.get_by_test_id("category-streetlight").check()
    page.get_by_test_id("description").fill(description)
    page.get_by_test_id("send-report").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(server.url)}/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("case-summary")).to_contain_text(description)
    expect(page.get_by_test_id("status-chip").first).to_have_attribute("data-status", "submitted")
    expect(page.get_by_test_id("timeline-item")).to_have_count(1)

    case = server.public.ok("GET", f"/cases/{case_id}")
    assert case["description"] == description
    assert case["category"]["code"] == "streetlight"
    assert case["status"] == "submitted"
    assert case["lat"] == pytest.approx(PHOTO_AT[0], abs=1e-4)
    assert case["lon"] == pytest.approx(PHOTO_AT[1], abs=1e-4)
    assert abs(case["lat"] - DEVICE_POSITION["latitude"]) > 1e-3
    assert case["reporter"]["display_name"] == "Lin"
    assert len(case["photos"]) == 1
    photo = case["photos"][0]
    assert max(photo["width"], photo["height"]) <= 1600  # downscaled or kept, never larger
    fetched = page.request.get(photo["url"])
    assert fetched.ok and fetched.headers["content-type"].startswith("image/jpeg")
    assert len(server.cases_described(description)) == 1


def test_the_device_location_is_used_without_a_photo(context, server):
    sign_up(context)
    page = context.new_page()
    description = unique("Overflowing bin by the school gate")
    page.goto("/report")
    page.get_by_test_id("use-my-location").click()
    expect(page.get_by_test_id("location-status")).to_contain_text("Your current location")
    page.get_by_test_id("category-litter").check()
    page.get_by_test_id("description").fill(description)
    page.get_by_test_id("send-report").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(server.url)}/cases/\d+$"))

    [case] = server.cases_described(description)
    assert case["lat"] == pytest.approx(DEVICE_POSITION["latitude"], abs=1e-5)
    assert case["lon"] == pytest.approx(DEVICE_POSITION["longitude"], abs=1e-5)
    assert case["photos"] == []


def test_a_categorys_notice_shows_and_an_emergency_category_takes_no_report(context, server):
    stamp = unique("x").split()[-1].replace("-", "")
    gas = {
        "code": f"gas{stamp}",
        "name": f"Gas smell {stamp}",
        "department": "roads",
        "sla_hours": 1,
        "notice": "Leave the building and call 119 now.",
        "notice_stops": True,
    }
    tree = {"code": f"tree{stamp}", "name": f"Fallen tree {stamp}", "department": "roads",
            "sla_hours": 12, "notice": "If it blocks the road, call 110 first."}  # fmt: skip
    for body in (gas, tree):
        server.admin.ok("POST", "/categories", expect=201, json=body)
    sign_up(context)
    page = context.new_page()
    page.goto("/report")
    page.get_by_test_id("use-my-location").click()
    page.get_by_test_id("category-search").fill(stamp)
    page.get_by_test_id(f"category-{gas['code']}").check()
    expect(page.get_by_test_id("category-notice")).to_have_text(gas["notice"])
    expect(page.get_by_test_id("send-report")).to_be_disabled()

    page.get_by_test_id(f"category-{tree['code']}").check()
    expect(page.get_by_test_id("category-notice")).to_have_text(tree["notice"])
    description = unique("A plane tree lies across the cycle path")
    page.get_by_test_id("description").fill(description)
    page.get_by_test_id("send-report").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(server.url)}/cases/\d+$"))
    [case] = server.cases_described(description)
    assert case["category"]["code"] == tree["code"]
