"""The dashboard's budgets: Lighthouse mobile scores of at least 0.90 (performance,
accessibility, best practices), and no more than 60 KB (compressed, as the server sends it)
of code added to what the home screen loads."""

from __future__ import annotations

import json
import statistics
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE
from tests.browser.flows import wait_for_screen
from tests.browser.support import CHROMIUM

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"
CATEGORIES = ("performance", "accessibility", "best-practices")
ADDED_BUDGET = 60 * 1024
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
           "cumulative-layout-shift", "speed-index")  # fmt: skip


def _lighthouse(url: str, out: Path) -> tuple[dict, dict]:
    """One Lighthouse mobile run: the category scores and the metrics behind performance."""
    done = subprocess.run(
        [str(LIGHTHOUSE), url, f"--only-categories={','.join(CATEGORIES)}",
         "--form-factor=mobile", f"--chrome-flags={FLAGS}", "--output=json",
         f"--output-path={out}", "--quiet"],
        env={"CHROME_PATH": str(CHROMIUM), "PATH": "/usr/bin:/bin", "HOME": str(out.parent)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0 and out.exists(), done.stderr[-3000:]
    report = json.loads(out.read_text())
    scores = {name: report["categories"][name]["score"] for name in CATEGORIES}
    metrics = {a: report["audits"][a].get("displayValue") for a in METRICS}
    print(f"lighthouse mobile {url}: {scores} {metrics}")
    return scores, metrics


# Beside the other test pass, Lighthouse would time the contention, not the page: its own
# guidance is to run it on a machine doing nothing else.
@pytest.mark.alone
def test_lighthouse_mobile_scores_on_the_dashboard(server, tmp_path):
    assert LIGHTHOUSE.exists(), "npm install (lighthouse is a dev dependency)"
    url = f"{server.url}/dashboard"
    scores, metrics = _lighthouse(url, tmp_path / "run-1.json")
    if scores["performance"] < 0.9:
        # The performance score times the page on this machine's CPU, which other work
        # shares: as Lighthouse's own guidance on variability says, judge the median of
        # several runs, not one. The other categories do not depend on timing.
        runs = [scores["performance"]]
        runs += [_lighthouse(url, tmp_path / f"run-{n}.json")[0]["performance"] for n in (2, 3)]
        scores["performance"] = statistics.median(runs)
    assert all(score >= 0.9 for score in scores.values()), (scores, metrics)


def _fetched(page) -> dict[str, int]:
    """Compressed bytes of every static asset a page fetched so far, by path."""
    return page.evaluate(
        """() => Object.fromEntries(performance.getEntriesByType('resource')
             .filter((e) => new URL(e.name).pathname.startsWith('/assets/'))
             .map((e) => [new URL(e.name).pathname, e.encodedBodySize]))"""
    )


def test_the_dashboard_adds_at_most_60_kb_to_the_home_screen(browser, server):
    # No service worker: every asset comes over the network, as on a first visit.
    context = browser.new_context(**PHONE, base_url=server.url, service_workers="block")
    try:
        page = context.new_page()
        page.goto("/")
        wait_for_screen(page)
        page.wait_for_load_state("networkidle")
        home = _fetched(page)
        page.locator("[data-testid=nav-dashboard]").click()
        page.wait_for_url("**/dashboard")
        wait_for_screen(page)
        page.wait_for_selector("[data-testid=dash-scoreboard]")
        page.wait_for_load_state("networkidle")
        added = {path: size for path, size in _fetched(page).items() if path not in home}
        response = context.request.get(next(iter(added)), headers={"Accept-Encoding": "gzip"})
        assert response.headers.get("content-encoding") in ("gzip", "br")
    finally:
        context.close()
    assert added, "the dashboard loads its own chunk"
    assert all(size > 0 for size in added.values()), added  # sizes as sent (same origin)
    print(f"dashboard adds {sum(added.values())} bytes compressed: {added}")
    assert sum(added.values()) <= ADDED_BUDGET, added
