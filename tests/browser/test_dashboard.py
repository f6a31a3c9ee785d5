"""The public dashboard: the scoreboard, a trend, the hotspot layer, tables equal to the API's
figures, CSV downloads, no serious accessibility issue, and filters restored from the URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.flows import file_case, sign_in, unique, wait_for_screen
from tests.browser.support import STAFF_EMAIL
from tests.browser.test_a11y import axe_violations

pytestmark = pytest.mark.browser


def _walk(server, case_id: int, actions: list[str]) -> None:
    for action in actions:
        body = {"action": action}
        if action == "resolve":
            body["note"] = "Filled and rolled."
        server.staff.ok("POST", f"/cases/{case_id}/transitions", json=body)


@pytest.fixture
def figures(server):
    cases = [file_case(server, lat=31.2304, lon=121.4737) for _ in range(3)]
    _walk(server, cases[0]["id"], ["accept", "assign", "start", "resolve", "close"])
    _walk(server, cases[1]["id"], ["accept", "assign"])
    today = datetime.now(UTC).date()
    return {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}


def _cells(page, testid: str) -> list[dict]:
    return page.evaluate(
        """(id) => [...document.querySelectorAll(`[data-testid=table-${id}] tbody tr`)].map(
             (tr) => Object.fromEntries(
               [...tr.children].map((c) => [c.dataset.key, c.dataset.value])))""",
        testid,
    )


def _same(cell: str, value) -> bool:
    """A cell's raw figure (as JavaScript wrote it) equals the API's."""
    return cell == "" if value is None else float(cell) == float(value)


def test_the_dashboard_shows_the_api_figures_and_restores_its_filters(page, server, figures):
    query = f"from={figures['from']}&to={figures['to']}&category=pothole"
    page.goto(f"/dashboard?{query}")
    wait_for_screen(page)
    expect(page.get_by_test_id("dash-scoreboard")).to_be_visible()
    # On a phone the wide tables scroll inside their card: the page itself never grows
    # wider than the screen (it did when the CSP refused the dashboard's styles).
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width
    args = {**figures, "category": "pothole"}

    departments = server.admin.ok("GET", "/stats/departments", params=args)["items"]
    rows = _cells(page, "departments")
    assert [row["department"] for row in rows] == [d["department"]["code"] for d in departments]
    for row, item in zip(rows, departments, strict=True):
        for key in ("on_time_closure_rate", "rework_rate", "transfer_rate", "received", "closed"):
            assert _same(row[key], item[key]), key

    trend = server.admin.ok("GET", "/stats/trend", params={**args, "interval": "week"})["items"]
    assert [(r["start"], r["received"]) for r in _cells(page, "trend")] == [
        (p["start"], str(p["received"])) for p in trend
    ]
    expect(page.get_by_test_id("trend-chart")).to_be_visible()
    assert page.locator("[data-testid=trend-chart] rect").count() == len(trend)

    overview = server.admin.ok("GET", "/stats/overview", params=args)
    statuses = {r["status"]: r["count"] for r in _cells(page, "status")}
    assert statuses == {k: str(v) for k, v in overview["by_status"].items()}
    bars = page.locator(".dash-hbar").evaluate_all("(bars) => bars.map((b) => b.style.width)")
    top = max(overview["by_status"].values())
    assert bars == [f"{100 * n / top:g}%" for n in overview["by_status"].values()]

    hotspots = server.admin.ok("GET", "/stats/hotspots", params=args)["features"]
    page.get_by_test_id("hotspot-map").scroll_into_view_if_needed()  # drawn when near
    expect(page.locator(".dash-map path.dash-cell").first).to_be_visible()
    assert page.locator(".dash-map path.dash-cell").count() == len(hotspots)
    assert _cells(page, "hotspots")[0]["count"] == str(hotspots[0]["properties"]["count"])

    with page.expect_download() as download:
        page.get_by_test_id("csv-departments").click()
    csv = download.value.path().read_text(encoding="utf-8").splitlines()
    assert len(csv) == len(departments) + 1

    assert axe_violations(page) == []

    page.reload()  # the shared URL brings the same filters back
    wait_for_screen(page)
    assert page.locator("#dash-from").input_value() == figures["from"]
    assert page.locator("#dash-to").input_value() == figures["to"]
    assert page.locator("#dash-category").input_value() == "pothole"


def test_changing_a_filter_puts_it_in_the_url(page, server, figures):
    page.goto("/dashboard")
    wait_for_screen(page)
    page.locator("#dash-department").select_option("roads")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/dashboard?*department=roads*")
    wait_for_screen(page)
    assert [row["department"] for row in _cells(page, "departments")] == ["roads"]


def test_the_case_page_says_how_long_such_cases_usually_take(page, server):
    for _ in range(5):
        case = file_case(server, category="streetlight")
        _walk(server, case["id"], ["accept", "assign", "start", "resolve"])
    waiting = file_case(server, category="streetlight")
    _walk(server, waiting["id"], ["accept", "assign"])  # a deadline is shown while it runs
    page.goto(f"/cases/{waiting['id']}")
    wait_for_screen(page)
    expect(page.get_by_test_id("expectation")).to_contain_text("Usually fixed within")


def test_staff_see_their_departments_overdue_and_at_risk_lists(page, server):
    code = unique("rush").replace(" ", "_").replace("-", "_").lower()[:40]
    server.admin.ok("POST", "/categories", expect=201,
                    json={"code": code, "name": "Rush job", "department": "roads",
                          "sla_hours": 1})  # fmt: skip
    rush = file_case(server, category=code)
    _walk(server, rush["id"], ["accept", "assign"])  # due in an hour: at risk
    page.goto("/dashboard")
    wait_for_screen(page)
    expect(page.get_by_test_id("dash-worklists")).to_have_count(0)  # not for the public
    sign_in(page.context, STAFF_EMAIL)
    page.goto("/dashboard?department=roads")
    wait_for_screen(page)
    for testid, flag in (("worklist-at-risk", "at_risk"), ("worklist-overdue", "overdue")):
        api = server.staff.ok("GET", f"/cases?department=roads&{flag}=true&sort=due_at&per_page=20")
        shown = page.get_by_test_id(testid).locator("li")
        expect(shown).to_have_count(len(api["items"]))
        ids = [int(i) for i in shown.evaluate_all("(els) => els.map((e) => e.dataset.caseId)")]
        assert ids == [c["id"] for c in api["items"]]
    assert rush["id"] in [c["id"] for c in server.staff.ok(
        "GET", "/cases?department=roads&at_risk=true&per_page=100")["items"]]  # fmt: skip
