"""Ids past the 32-bit bound: every route with an id in its path answers 404 (never a 500),
and every id filter in a query answers 422 (issue 10: admin routes overflowed at 2**63)."""

import re

import pytest
from werkzeug.routing import IntegerConverter

from backend.ids import ID_MAX, IdConverter

HUGE = [2**31, 2**63]
SKIPPED = {"HEAD", "OPTIONS"}


def _id_arguments(rule) -> list[str]:
    """The rule's integer segments, and string segments that carry an id (Open311's)."""
    return [
        name
        for name, converter in rule._converters.items()
        if isinstance(converter, IntegerConverter) or name == "request_id" or name.endswith("_id")
    ]


def _routes_with_ids(app):
    for rule in app.url_map.iter_rules():
        names = _id_arguments(rule)
        if names:
            for method in sorted(rule.methods - SKIPPED):
                yield rule, method, names


def _url(rule, names, number: int) -> str:
    values = {name: "json" if name == "fmt" else "x" for name in rule.arguments}
    values.update(dict.fromkeys(names, str(number)))
    return re.sub(r"<(?:[^<>]*:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)


def test_every_int_segment_uses_the_id_converter(app):
    converters = [type(c) for rule in app.url_map.iter_rules() for c in rule._converters.values()]
    assert IntegerConverter in {c.__mro__[1] for c in converters if c is IdConverter}
    assert all(c is IdConverter for c in converters if issubclass(c, IntegerConverter))


@pytest.mark.parametrize("number", HUGE)
def test_ids_past_the_bound_are_not_found(app, client, as_role, number):
    headers = as_role("admin")
    walked = 0
    for rule, method, names in _routes_with_ids(app):
        url = _url(rule, names, number)
        response = client.open(url, method=method, json={}, headers=headers)
        assert response.status_code < 500, (method, url, response.status_code)
        if url.startswith("/api/"):
            assert response.status_code == 404, (method, url, response.get_json())
        walked += 1
    assert walked > 30  # the walk really found the id routes


def test_the_bound_itself_is_a_lookup(client, as_role):
    """ID_MAX is a valid id that names nothing: a plain 404, the same as past it."""
    response = client.get(f"/api/v1/admin/users/{ID_MAX}", headers=as_role("admin"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def _query_id_parameters(spec):
    for path, operations in spec["paths"].items():
        if "{" in path:
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter["in"] == "query" and schema.get("maximum") == ID_MAX:
                    yield method, path, parameter["name"]


@pytest.mark.parametrize("number", HUGE)
def test_id_filters_past_the_bound_are_422(client, as_role, number):
    spec = client.get("/api/v1/openapi.json").get_json()
    headers = as_role("admin")
    found = list(_query_id_parameters(spec))
    assert found, "no query takes an id"
    for method, path, name in found:
        response = client.open(f"{path}?{name}={number}", method=method, headers=headers)
        assert response.status_code == 422, (path, name, response.get_json())
        assert name in response.get_json()["error"]["fields"]
