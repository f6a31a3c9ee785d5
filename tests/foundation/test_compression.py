"""JSON answers are gzipped for clients that take gzip, when they are big enough to gain."""

import gzip
import io
import json

import pytest
from flask import Response, jsonify, request, send_file

from backend.errors import ValidationFailed
from tests.helpers import error_of

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
BIG = {"items": [{"id": n, "title": "A deep pothole by the bus stop"} for n in range(100)]}


@pytest.fixture
def app_overrides():
    return {"MAX_CONTENT_LENGTH": 64 * 1024}  # a dedicated app, so test routes can be added


@pytest.fixture
def app(app):
    if "big" not in app.view_functions:
        app.add_url_rule("/api/v1/_test/big", "big", lambda: jsonify(BIG))
        app.add_url_rule("/api/v1/_test/small", "small", lambda: jsonify({"ok": True}))
        app.add_url_rule("/api/v1/_test/tagged", "tagged", _tagged)
        app.add_url_rule("/api/v1/_test/stream", "stream", _streamed)
        app.add_url_rule("/api/v1/_test/file", "file", _file)
        app.add_url_rule("/api/v1/_test/encoded", "encoded", _already_encoded)
        app.add_url_rule("/api/v1/_test/invalid", "invalid", _invalid)
        app.add_url_rule("/api/v1/_test/text", "text", lambda: "x" * 5000)
    return app


def _tagged():
    response = jsonify(BIG)
    response.add_etag()
    return response.make_conditional(request)


def _streamed():
    chunks = (json.dumps(item) + "\n" for item in BIG["items"])
    return Response(chunks, mimetype="application/json")


def _file():
    return send_file(io.BytesIO(json.dumps(BIG).encode()), mimetype="application/json")


def _already_encoded():
    body = gzip.compress(json.dumps(BIG).encode())
    return Response(body, mimetype="application/json", headers={"Content-Encoding": "gzip"})


def _invalid():
    raise ValidationFailed(
        "Check the fields.", fields={f"f{n}": ["Too long." * 20] for n in range(20)}
    )


def _json_of(response) -> dict:
    return json.loads(gzip.decompress(response.data))


def test_big_json_is_gzipped_when_asked(client):
    response = client.get("/api/v1/_test/big", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert len(response.data) < len(json.dumps(BIG)) / 5
    assert _json_of(response) == BIG
    assert response.headers["Cache-Control"] == "no-store"  # the API's other headers stay


def test_not_gzipped_when_not_asked_or_refused(client):
    for headers in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "gzip;q=0, br"}):
        response = client.get("/api/v1/_test/big", headers=headers)
        assert "Content-Encoding" not in response.headers, headers
        assert response.get_json() == BIG
        assert "Accept-Encoding" in response.headers["Vary"]


def test_small_json_is_sent_as_is(client):
    response = client.get("/api/v1/_test/small", headers=GZIP)
    assert "Content-Encoding" not in response.headers
    assert response.get_json() == {"ok": True}


def test_streams_files_already_encoded_and_non_json_are_left_alone(client):
    streamed = client.get("/api/v1/_test/stream", headers=GZIP)
    assert "Content-Encoding" not in streamed.headers
    assert len(streamed.data.splitlines()) == 100
    sent = client.get("/api/v1/_test/file", headers=GZIP)
    assert "Content-Encoding" not in sent.headers and json.loads(sent.data) == BIG
    encoded = client.get("/api/v1/_test/encoded", headers=GZIP)
    assert _json_of(encoded) == BIG  # compressed once, not twice
    text = client.get("/api/v1/_test/text", headers=GZIP)
    assert "Content-Encoding" not in text.headers


def test_etag_becomes_weak_and_still_answers_304(client):
    plain = client.get("/api/v1/_test/tagged")
    packed = client.get("/api/v1/_test/tagged", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["ETag"] == f"W/{plain.headers['ETag']}"
    again = client.get(
        "/api/v1/_test/tagged", headers={**GZIP, "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    assert "Content-Encoding" not in again.headers


def test_head_has_the_get_headers_and_no_body(client):
    get = client.get("/api/v1/_test/big", headers=GZIP)
    head = client.head("/api/v1/_test/big", headers=GZIP)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Encoding"] == "gzip"
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_error_bodies_keep_their_shape(client):
    small = client.get("/api/v1/cases/999999", headers=GZIP)
    assert small.status_code == 404 and "Content-Encoding" not in small.headers
    assert error_of(small)["code"] == "not_found"
    big = client.get("/api/v1/_test/invalid", headers=GZIP)
    assert big.status_code == 422 and big.headers["Content-Encoding"] == "gzip"
    body = _json_of(big)
    assert body["error"]["code"] == "validation_error" and len(body["error"]["fields"]) == 20


def test_the_case_list_is_gzipped(client, make_case):
    for _ in range(10):
        make_case()
    plain = client.get("/api/v1/cases?per_page=100")
    packed = client.get("/api/v1/cases?per_page=100", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert _json_of(packed) == plain.get_json()
    assert len(packed.data) < len(plain.data) / 3
