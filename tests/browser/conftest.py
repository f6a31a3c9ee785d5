"""Browser fixtures: one real server per session, Debian's Chromium driven by Playwright.

- ``server`` (session): ``python wsgi.py`` on a free loopback port with its own database,
  migrated and seeded (see ``support.py``); stopped at the end;
- ``browser`` (session): headless Chromium from ``/usr/bin/chromium``;
- ``make_context(persistent=False, **options)`` / ``context`` / ``page`` (per test): a phone
  (390x844, touch, 2x pixels), English, UTC, geolocation granted at a fixed point, service
  workers allowed.

Outside CI the tests skip with a reason when Chromium, Playwright or the built PWA is missing;
in CI (``CI=true``) that is a failure. When a test fails, its page is saved as a PNG and the
server log tail and the browser console are printed.
"""

from __future__ import annotations

import contextlib

import pytest

from tests.browser.support import (
    CHROMIUM,
    missing_prerequisites,
    scratch_postgres,
    skip_or_fail,
    start_server,
)
from tests.services import POSTGRES_URL, TEST_DB, require_service

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
# A phone: the size of a common 6.1" handset, touch, high-density screen.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# Where the device says it is: ~1 km from the photos' GPS, so a test can tell the two apart.
DEVICE_POSITION = {"latitude": 31.2400, "longitude": 121.4800, "accuracy": 20}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def _prerequisites() -> None:
    if missing := missing_prerequisites():
        skip_or_fail("browser tests need: " + "; ".join(missing))


@pytest.fixture(scope="session")
def server(_prerequisites, tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-server")
    with contextlib.ExitStack() as stack:
        if TEST_DB == "postgresql":
            require_service("PostgreSQL", POSTGRES_URL.replace("+psycopg", ""))
            database_url = stack.enter_context(scratch_postgres(POSTGRES_URL))
        else:
            database_url = f"sqlite:///{root / 'browser.db'}"
        running = start_server(root / "data", database_url)
        stack.callback(running.process.stop)
        yield running


@pytest.fixture(scope="session")
def browser(_prerequisites):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(items):
    """A browser test that fails is run once more, and the summary lists it as a rerun: a
    real Chromium, server and socket on a shared 2-core machine can miss a wait. A test that
    fails twice fails the run. Read the reruns: the one seen so far was a real race (the case
    desk closed a form opened while its previous action was still refreshing; fixed)."""
    for item in items:
        if item.get_closest_marker("browser") or "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.flaky(reruns=1))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_failed = report.failed
    return report


@pytest.fixture
def make_context(browser, server, request, tmp_path):
    """Open a fresh browser context (a new profile: no cookies, caches or workers)."""
    opened = []

    def factory(*, persistent: bool = False, **options):
        """``persistent=True``: a browser with a profile on disk, not an incognito context
        (Chromium refuses to install apps from incognito)."""
        settings = {
            **PHONE,
            "locale": "en-US",
            "timezone_id": "UTC",
            "geolocation": DEVICE_POSITION,
            "permissions": ["geolocation"],
            "service_workers": "allow",
            "base_url": server.url,
        } | options
        if persistent:
            context = browser.browser_type.launch_persistent_context(
                tmp_path / f"profile-{len(opened)}",
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                **settings,
            )
        else:
            context = browser.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        context.console = []  # what the pages logged, printed when the test fails
        context.page_errors = []  # uncaught exceptions and CSP refusals: each fails the test
        context.on("console", lambda m: _log_console(context, m))
        context.on("weberror", lambda e: context.page_errors.append(str(e.error)))
        opened.append(context)
        return context

    yield factory

    failed = getattr(request.node, "browser_failed", False)
    errors = []
    for n, context in enumerate(opened):
        if failed:
            for m, page in enumerate(context.pages):
                with contextlib.suppress(Exception):
                    shot = tmp_path / f"failure-{n}-{m}.png"
                    page.screenshot(path=shot, full_page=True)
                    print(f"page {page.url} saved to {shot}")
            print("browser console:\n  " + "\n  ".join(context.console[-40:]))
        errors += context.page_errors
        context.close()
    if failed:
        print(f"server log (tail):\n{server.process.log()}")
    if errors and not failed:
        pytest.fail("uncaught errors in the page: " + "; ".join(errors))


def _log_console(context, message) -> None:
    text = f"{message.type}: {message.text}"
    context.console.append(text)
    if message.type == "error" and "Content Security Policy" in message.text:
        # The production CSP refused something the PWA relies on (an inline style, say):
        # the page works in development and breaks for residents.
        context.page_errors.append(text)


@pytest.fixture
def context(make_context):
    return make_context()


@pytest.fixture
def page(context):
    return context.new_page()
