"""/api/docs renders the API in a real browser with nothing fetched from elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_render_from_cityloop_alone(page, server):
    origins = set()
    page.on("request", lambda r: origins.add(urlsplit(r.url).netloc))
    page.goto("/api/docs")
    page.locator(".swagger-ui .info .title", has_text="CityLoop API").wait_for()
    page.locator(".opblock-summary-path", has_text="/api/v1/opendata/cases.csv").first.wait_for()
    assert origins == {urlsplit(server.url).netloc}
