"""The PWA runs under its Content-Security-Policy: no screen trips a violation."""

from __future__ import annotations

import pytest

from tests.browser.flows import file_case, make_account, sign_in, sign_up, wait_for_screen

pytestmark = pytest.mark.browser

RECORD = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI} ${where}`);
});
"""


def _visit(page, path: str) -> list[str]:
    page.goto(path)
    wait_for_screen(page)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations")


def _refusals(context) -> list[str]:
    return [line for line in context.console if "Content Security Policy" in line]


def test_the_app_runs_with_the_policy_on(make_context, server):
    case = file_case(server)
    context = make_context()
    context.add_init_script(RECORD)
    page = context.new_page()
    response = page.goto("/")
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy

    violations = _visit(page, "/")
    page.locator(".leaflet-container").first.wait_for()
    violations += _visit(page, f"/cases/{case['id']}")
    violations += _visit(page, "/dashboard")
    page.get_by_test_id("dash-scoreboard").wait_for()
    sign_up(context)
    for path in ("/report", "/my", "/account", "/proposals"):
        violations += _visit(page, path)
    assert violations == []
    assert _refusals(context) == []


def test_the_staff_desks_run_with_the_policy_on(make_context, server):
    email = make_account(server, "staff", ("roads",))
    context = make_context()
    context.add_init_script(RECORD)
    sign_in(context, email)
    page = context.new_page()
    violations = []
    for path in ("/staff", "/staff/proposals"):
        violations += _visit(page, path)
    assert violations == []
    assert _refusals(context) == []
