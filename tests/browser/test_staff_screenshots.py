"""Screenshots of the staff inbox, the case desk and the moderation desk, for the README.

Written to ``docs/screenshots/`` only with ``CITYLOOP_SCREENSHOTS=1`` (see test_screenshots.py).
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.browser.flows import api_in, make_account, sign_in, sign_up, wait_for_screen
from tests.browser.support import CENTRE, STAFF_EMAIL
from tests.browser.test_screenshots import SHOTS, save
from tests.imagegen import jpeg

pytestmark = pytest.mark.browser

WIDE = {"viewport": {"width": 1280, "height": 800}, "is_mobile": False, "has_touch": False,
        "device_scale_factor": 1}  # fmt: skip
INBOX = [
    ("pothole", "Manhole cover rattles when buses pass", "Henan Road M 12", ["accept", "assign"]),
    ("pothole", "Crack across the zebra crossing", "Fuzhou Road 88", ["accept", "assign", "start"]),
    ("streetlight", "Two lamps dark at the bus stop", "Xizang Road M 3", ["accept"]),
    ("litter", "Overflowing bins after the weekend market", "Yunnan Road S 40", []),
    ("pothole", "Kerb stone loose at the school gate", "Jiujiang Road 15", []),
]


def populate(server) -> dict:
    cases = []
    for n, (category, description, address, moves) in enumerate(INBOX):
        fields = {"category": category, "description": description, "address": address,
                  "lat": round(CENTRE[0] + (n % 3 - 1) * 0.003, 6),
                  "lon": round(CENTRE[1] + (n // 3 - 0.5) * 0.005, 6)}  # fmt: skip
        photo = ("photos", (f"inbox{n}.jpg", jpeg(800, 600), "image/jpeg"))
        case = server.reporter.ok("POST", "/cases", expect=201, data=fields, files=[photo])
        for action in moves:
            server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": action})
        cases.append(case)
    busy = cases[1]
    note = "Crew B booked for Thursday night: the crossing stays open by day."
    reply = "Thank you! Our crew repairs the crossing on Thursday night."
    comments = f"/cases/{busy['id']}/comments"
    server.staff.ok("POST", comments, expect=201, json={"body": note, "internal": True})
    server.staff.ok("POST", comments, expect=201, json={"body": reply})
    return {"cases": cases, "busy": busy}


def test_screenshots_of_the_desks(make_context, server):
    directory = SHOTS if os.environ.get("CITYLOOP_SCREENSHOTS") == "1" else None
    content = populate(server)
    staff = make_context(reduced_motion="reduce")
    sign_in(staff, STAFF_EMAIL)
    page = staff.new_page()

    page.goto("/staff")
    wait_for_screen(page)
    expect(page.locator('[data-testid="inbox-live"].connected')).to_be_visible()
    expect(page.get_by_test_id("case-card").first).to_be_visible()
    shoot(page, "staff-inbox", directory)

    busy = content["busy"]
    page.goto(f"/staff/cases/{busy['id']}")
    expect(page.get_by_test_id("internal-note")).to_be_visible()
    expect(page.get_by_test_id("act-resolve")).to_be_visible()
    shoot(page, "staff-case-desk", directory, top=page.get_by_test_id("desk-action-buttons"))

    wide = make_context(reduced_motion="reduce", **WIDE)
    sign_in(wide, STAFF_EMAIL)
    two = wide.new_page()
    two.goto(f"/staff/cases/{busy['id']}")
    expect(two.get_by_test_id("desk-pane").get_by_test_id("internal-note")).to_be_visible()
    expect(two.locator('[data-testid="inbox-live"].connected')).to_be_visible()
    shoot(two, "staff-two-pane", directory)

    author = make_context()
    sign_up(author, name="Loud Larry")
    for body in ("Nobody at the city ever does anything, useless!!!",
                 "BUY CHEAP WATCHES at example.shop, best prices"):  # fmt: skip
        comment = api_in(author, "POST", f"/cases/{busy['id']}/comments", {"body": body}, 201)
        spam = "BUY" in body
        flag = {
            "target_type": "comment",
            "target_id": comment["id"],
            "reason": "spam" if spam else "abuse",
            "text": "Advertising" if spam else "Insulting",
        }
        server.reporter.ok("POST", "/flags", expect=201, json=flag)
    volunteer = make_context(reduced_motion="reduce")
    sign_in(volunteer, make_account(server, "volunteer"))
    mod = volunteer.new_page()
    mod.goto("/moderation?kind=flagged")
    expect(mod.get_by_test_id("mod-item").filter(has_text="Loud Larry")).to_have_count(2)
    mod.get_by_test_id("mod-select").first.check()
    shoot(mod, "moderation-desk", directory)


def shoot(page, name: str, directory, top=None) -> None:
    """Screenshot from the top of the page, or with ``top`` near the top of the screen."""
    if top is None:
        page.evaluate("window.scrollTo(0, 0)")
    else:
        top.evaluate("(el) => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 120)")
    if directory is None:
        page.screenshot()  # the screen renders; nothing is written
        return
    save(page, name, directory)
