"""Screenshots of the main screens at the phone size, for the README.

Always taken (so a screen that cannot render fails here); written to ``docs/screenshots/`` only
with ``CITYLOOP_SCREENSHOTS=1``, since they are committed images:

    CITYLOOP_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_screenshots.py -m browser
"""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.flows import photo_with_gps, sign_up, wait_for_screen
from tests.browser.support import CENTRE
from tests.helpers import ROOT
from tests.imagegen import jpeg

pytestmark = pytest.mark.browser

SHOTS = ROOT / "docs" / "screenshots"
MAX_BYTES = 200 * 1024

CASES = [
    ("pothole", "Deep pothole in the bus lane, cyclists swerve into traffic", "Nanjing Road E 220"),
    ("streetlight", "Three lamps dark along the canal path since Monday", "Suzhou Creek path"),
    ("litter", "Takeaway boxes piled up under the bridge", "Zhejiang Road bridge"),
    ("pothole", "Loose paving slab rocks when stepped on", "Fuzhou Road 51"),
    ("streetlight", "Lamp post leaning after the storm", "Xizang Road M 18"),
    ("litter", "Broken glass on the playground", "People's Park, east gate"),
]
MOVES = [[], ["accept"], ["accept", "assign"], ["accept", "assign", "start"], [], ["accept"]]
PROPOSALS = [
    ("Protected bike lane on Nanjing Road", "Separate cyclists from buses with kerbs, not paint."),
    ("More benches along the creek", "Older residents need somewhere to rest every 200 m."),
    ("Night lighting for the Fuzhou Road steps", "The steps are dark after 22:00 and people fall."),
]


def save(page, name: str, directory) -> None:
    """A viewport screenshot as a 256-colour PNG (small enough to commit)."""
    page.wait_for_function("document.fonts.status === 'loaded'")
    raw = Image.open(io.BytesIO(page.screenshot(animations="disabled", caret="hide")))
    image = raw.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=0)
    path = directory / f"{name}.png"
    image.save(path, optimize=True)
    assert path.stat().st_size < MAX_BYTES, f"{path} is {path.stat().st_size} bytes"


def populate(server) -> dict:
    """Cases in several states (some with photos) and proposals with votes."""
    cases = []
    for n, ((category, description, address), moves) in enumerate(zip(CASES, MOVES, strict=True)):
        fields = {
            "category": category,
            "lat": round(CENTRE[0] + (n % 3 - 1) * 0.004, 6),
            "lon": round(CENTRE[1] + (n // 3 - 0.5) * 0.006, 6),
            "description": description,
            "address": address,
        }
        if n % 2:
            case = server.reporter.ok("POST", "/cases", expect=201, json=fields)
        else:  # multipart, with a photo
            photo = ("photos", (f"photo{n}.jpg", jpeg(800, 600), "image/jpeg"))
            case = server.reporter.ok("POST", "/cases", expect=201, data=fields, files=[photo])
        for action in moves:
            server.staff.ok("POST", f"/cases/{case['id']}/transitions", json={"action": action})
        cases.append(case)
    voters = [server.staff, server.admin]  # not the reporter: no self-support
    for n, (title, body) in enumerate(PROPOSALS):
        proposal = server.reporter.ok(
            "POST", "/proposals", expect=201, json={"title": title, "body": body}
        )
        for voter in voters[: len(voters) - n]:
            voter.ok("PUT", f"/proposals/{proposal['id']}/vote", json={"value": "support"})
    return {"cases": cases}


def test_screenshots_of_the_main_screens(make_context, server, tmp_path):
    directory = SHOTS if os.environ.get("CITYLOOP_SCREENSHOTS") == "1" else tmp_path
    directory.mkdir(parents=True, exist_ok=True)
    content = populate(server)
    context = make_context(reduced_motion="reduce")
    sign_up(context, name="Rita")
    page = context.new_page()

    page.goto("/")
    wait_for_screen(page)
    expect(page.locator(".home-map .pin").first).to_be_visible()
    expect(page.get_by_test_id("case-card").first).to_be_visible()
    save(page, "home", directory)

    page.goto("/report")
    page.get_by_test_id("photo-input").set_input_files(photo_with_gps(tmp_path, *CENTRE))
    expect(page.get_by_test_id("location-status")).to_contain_text("from the photo")
    page.get_by_test_id("category-pothole").check()
    page.get_by_test_id("description").fill("Manhole cover rattles when cars pass")
    page.get_by_test_id("description").blur()
    page.evaluate("window.scrollTo(0, 0)")
    save(page, "report", directory)

    busy = content["cases"][3]  # in progress, with a photo-less timeline of four steps
    page.goto(f"/cases/{busy['id']}")
    expect(page.get_by_test_id("timeline-item")).to_have_count(4)
    save(page, "case", directory)

    page.goto("/proposals")
    wait_for_screen(page)
    # At least the seeded ones: other tests on the shared server may have added more.
    expect(page.get_by_test_id("proposal-card").nth(len(PROPOSALS) - 1)).to_be_visible()
    save(page, "proposals", directory)

    chinese = make_context(locale="zh-CN", reduced_motion="reduce").new_page()
    chinese.goto("/")
    wait_for_screen(chinese)
    expect(chinese.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(chinese.get_by_test_id("case-card").first).to_be_visible()
    save(chinese, "home-zh-CN", directory)

    page.goto("/dashboard")
    wait_for_screen(page)
    expect(page.get_by_test_id("dash-scoreboard")).to_be_visible()
    save(page, "dashboard", directory)

    laptop = make_context(
        viewport={"width": 1280, "height": 800}, is_mobile=False, has_touch=False,
        reduced_motion="reduce",
    )  # fmt: skip
    wide = laptop.new_page()
    wide.goto("/")
    wait_for_screen(wide)
    expect(wide.get_by_test_id("case-card").first).to_be_visible()
    save(wide, "home-laptop", directory)
