"""Prometheus metrics at ``/metrics``: requests, websockets, jobs and SLA sweeps.

With several processes (``scripts/run-scaled``) every process, job worker and sweeper
writes its figures into ``PROMETHEUS_MULTIPROC_DIR`` and whichever app process answers a
scrape sums them all. Job queue depth and failed jobs are read from Redis at scrape time.
Only loopback and private networks may scrape, or a client with ``CITYLOOP_METRICS_TOKEN``.
"""

from __future__ import annotations

import hmac
import ipaddress
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from backend.errors import Forbidden

bp = Blueprint("metrics", __name__)

REQUESTS = Counter(
    "cityloop_http_requests",
    "HTTP requests answered, by route rule (not raw path), method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "cityloop_http_request_duration_seconds",
    "Time to answer an HTTP request, by route rule and method.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SOCKETS = Gauge(
    "cityloop_websocket_connections",
    "Socket.IO connections open now.",
    multiprocess_mode="livesum",
)
JOBS = Counter("cityloop_jobs", "Jobs run, by function and outcome.", ["job", "outcome"])
SWEEP_RUNS = Counter("cityloop_sla_sweeps", "SLA sweep passes, by outcome.", ["outcome"])
SWEEP_CASES = Counter(
    "cityloop_sla_swept_cases", "Cases the SLA sweep escalated or closed.", ["action"]
)


def endpoint_label() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def record_request(response) -> None:
    started = g.get("started")
    seconds = None if started is None else time.perf_counter() - started
    record_answer(endpoint_label(), request.method, response.status_code, seconds)


def record_answer(endpoint: str, method: str, status: int, seconds: float | None) -> None:
    REQUESTS.labels(endpoint, method, str(status)).inc()
    if seconds is not None:
        LATENCY.labels(endpoint, method).observe(seconds)


def record_job(func, outcome: str) -> None:
    name = getattr(func, "__qualname__", None) or str(func)
    JOBS.labels(f"{getattr(func, '__module__', '')}.{name}".lstrip("."), outcome).inc()


def record_sweep(result) -> None:
    """``result`` is a :class:`backend.cases.sla.SweepResult`, or None when it failed."""
    if result is None:
        SWEEP_RUNS.labels("failed").inc()
        return
    SWEEP_RUNS.labels("ok").inc()
    SWEEP_CASES.labels("escalated").inc(len(result.escalated))
    SWEEP_CASES.labels("closed").inc(len(result.closed))


class _QueueCollector:
    """Job queue depth and failed jobs, read from Redis when a scrape asks."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        up = GaugeMetricFamily("cityloop_redis_up", "1 when Redis answered this scrape.")
        url = self.app.config.get("REDIS_URL")
        if not url:
            return
        from rq.registry import FailedJobRegistry

        from backend.jobs import job_queue

        try:
            queue = job_queue(self.app)
            depth, failed = queue.count, FailedJobRegistry(queue=queue).count
        except Exception:  # Redis down: say so, never fail the scrape
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("cityloop_job_queue_depth", "Jobs waiting.", value=depth)
        yield GaugeMetricFamily(
            "cityloop_job_queue_failed", "Failed jobs kept for inspection.", value=failed
        )


class _Default:
    def collect(self):
        return REGISTRY.collect()


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return address.is_loopback or address.is_private


@bp.get("/metrics")
def metrics():
    if not _allowed():
        raise Forbidden("Metrics are for the local network or a metrics token.")
    registry = CollectorRegistry()
    if current_app.config["PROMETHEUS_MULTIPROC_DIR"]:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Default())
    registry.register(_QueueCollector(current_app._get_current_object()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
