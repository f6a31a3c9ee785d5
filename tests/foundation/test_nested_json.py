"""Deeply nested JSON is a 400 on every endpoint, never a 500 (recursion in later steps)."""

import re

import pytest

from backend.input_guard import MAX_JSON_DEPTH

NESTED_900 = "[" * 900 + "]" * 900  # 1.8 KB
NESTED_50K = '{"a":' * 50_000 + "1" + "}" * 50_000  # deeper than the decoder can go


def _unsafe_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            yield method, re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)


@pytest.mark.parametrize("body", [NESTED_900, NESTED_50K], ids=["900-levels", "50000-levels"])
def test_every_unsafe_endpoint_refuses_deep_json(app, client, body):
    routes = list(_unsafe_routes(app))
    assert len(routes) > 40
    for method, path in routes:
        response = client.open(path, method=method, data=body, content_type="application/json")
        assert response.status_code == 400, (method, path, response.status_code)
        if not path.startswith("/open311/"):
            assert response.get_json()["error"]["code"] == "bad_request"


def test_reasonable_nesting_still_passes_the_guard(client):
    body = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 422  # the schema's answer, not the guard's
