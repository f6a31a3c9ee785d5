"""axe-core in the browser: no serious or critical accessibility issue on the main screens."""

from __future__ import annotations

import pytest

from tests.browser.flows import file_case, sign_up, wait_for_screen
from tests.browser.support import AXE, skip_or_fail

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
RUN_AXE = """async () => {
  if (!window.axe) return null;
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """Serious and critical violations on the page as it is now (axe injected once per load)."""
    if not AXE.exists():
        skip_or_fail(f"{AXE} is missing (npm ci installs axe-core)")
    found = page.evaluate(RUN_AXE)
    if found is None:
        # Evaluated, not added as a <script>: the app's CSP refuses inline scripts.
        page.evaluate(AXE.read_text() + "\n;0")
        found = page.evaluate(RUN_AXE)
    return [v for v in found if v["impact"] in BLOCKING]


def audit(page, paths: list[str]) -> None:
    problems = []
    for path in paths:
        page.goto(path)
        wait_for_screen(page)
        problems += [(path, v) for v in axe_violations(page)]
    assert not problems, "axe found:\n" + "\n".join(
        f"- {path}: {v['impact']} {v['id']} ({v['help']})\n    " + "\n    ".join(v["nodes"])
        for path, v in problems
    )


def test_screens_for_everyone(page, server):
    case = file_case(server)
    audit(
        page,
        ["/", "/report", f"/cases/{case['id']}", "/proposals", "/login", "/register", "/account"],
    )


def test_screens_for_a_signed_in_resident(context, server):
    sign_up(context)
    page = context.new_page()
    audit(page, ["/report", "/my", "/account", "/notifications", "/proposals/new"])


def test_the_check_finds_what_it_should(page):
    """The harness itself: a page with known faults must not pass."""
    page.goto("/login")
    wait_for_screen(page)
    page.evaluate(
        """() => document.getElementById('main').insertAdjacentHTML('beforeend',
             '<img src="/icons/icon-192.png"><button type="button"></button>')"""
    )
    assert {"image-alt", "button-name"} <= {v["id"] for v in axe_violations(page)}
