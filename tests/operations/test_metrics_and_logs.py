"""/metrics shows the requests just made (by route rule), only to the local network or a
token holder; every answer carries a request id, which errors and JSON log lines repeat."""

import io
import json
import logging
import re

import pytest

from backend.logs import JsonFormatter
from tests.helpers import ROOT, error_of


def _sample(text: str, name: str, **labels) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_the_request_just_made_by_its_route_rule(client, make_case):
    case = make_case()
    labels = {"endpoint": "/api/v1/cases/<int:case_id>", "method": "GET", "status": "200"}
    before = _sample(
        client.get("/metrics").get_data(as_text=True), "cityloop_http_requests_total", **labels
    )
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 200
    scrape = client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.mimetype == "text/plain"
    text = scrape.get_data(as_text=True)
    assert _sample(text, "cityloop_http_requests_total", **labels) == before + 1
    assert f"/api/v1/cases/{case.id}" not in text  # rules, never raw paths
    assert _sample(text, "cityloop_http_request_duration_seconds_count",
                   endpoint="/api/v1/cases/<int:case_id>", method="GET") >= 1  # fmt: skip
    assert "cityloop_websocket_connections" in text


@pytest.mark.parametrize(
    ("address", "token", "status"),
    [
        ("127.0.0.1", None, 200),
        ("10.1.2.3", None, 200),
        ("93.184.216.34", None, 403),
        ("93.184.216.34", "wrong", 403),
        ("93.184.216.34", "s3cret-metrics", 200),
    ],
)
def test_metrics_are_for_the_local_network_or_a_token(app, client, address, token, status):
    app.config["METRICS_TOKEN"] = "s3cret-metrics"
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": address})
    finally:
        app.config["METRICS_TOKEN"] = None
    assert response.status_code == status
    if status == 403:
        assert error_of(response)["code"] == "forbidden"


def test_an_error_answer_names_its_request_id(client):
    response = client.get("/api/v1/cases/987654321")
    assert response.status_code == 404
    assert error_of(response)["request_id"] == response.headers["X-Request-Id"]


def test_a_well_formed_incoming_request_id_is_kept_and_a_bad_one_replaced(client):
    assert (
        client.get("/healthz", headers={"X-Request-Id": "nginx-abc12345"}).headers["X-Request-Id"]
        == "nginx-abc12345"
    )
    replaced = client.get("/healthz", headers={"X-Request-Id": "bad id <script>"}).headers[
        "X-Request-Id"
    ]
    assert replaced != "bad id <script>" and len(replaced) == 32


def test_json_log_lines_carry_the_request_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("cityloop.request")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        response = client.get("/api/v1/cases/987654321")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    line = next(entry for entry in lines if entry.get("path") == "/api/v1/cases/987654321")
    assert line["request_id"] == error_of(response)["request_id"]
    assert line["status"] == 404 and line["method"] == "GET" and line["level"] == "INFO"


def _family(name: str) -> str:
    return re.sub(r"_(total|bucket|count|sum|created)$", "", name)


def test_the_grafana_dashboard_and_the_alerts_name_metrics_that_exist(client):
    exposed = {
        _family(line.split()[2])
        for line in client.get("/metrics").get_data(as_text=True).splitlines()
        if line.startswith("# TYPE cityloop_")
    }
    exposed |= {"cityloop_job_queue_depth", "cityloop_job_queue_failed", "cityloop_redis_up"}
    docs = [ROOT / "docs/grafana-dashboard.json", ROOT / "docs/operations.md"]
    named = {_family(n) for doc in docs for n in re.findall(r"cityloop_\w+", doc.read_text())}
    named.discard("cityloop_backup")  # the cron file's name
    assert named - exposed == set()
    assert {"cityloop_http_requests", "cityloop_websocket_connections"} <= named
