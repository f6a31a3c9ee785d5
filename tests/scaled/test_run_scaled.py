"""`scripts/run-scaled` on this machine: nginx in front of two app processes, a job
worker and the sweeper, sharing PostgreSQL and Redis. What one process is asked reaches
sockets held by the other, and so does what the job worker publishes."""

import pytest
import requests

from backend import jobs
from tests.jobs import sample_jobs
from tests.live_support import WAIT
from tests.scaled.support import ScaledCity, fresh_database, require_scaled_services
from tests.services import REDIS_URL

pytestmark = [pytest.mark.scaled, pytest.mark.postgresql_only, pytest.mark.redis]

CASE = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Hole by the gate"}


@pytest.fixture(scope="module")
def scaled_db():
    require_scaled_services()
    return fresh_database("scaled")


@pytest.fixture(scope="module")
def scaled(scaled_db, tmp_path_factory):
    city = ScaledCity(scaled_db, tmp_path_factory.mktemp("scaled"))
    yield city
    city.stop()


@pytest.fixture
def app_overrides(scaled_db):
    """The test's own app works on the scaled city's database and job queue."""
    return {"SQLALCHEMY_DATABASE_URI": scaled_db, "REDIS_URL": REDIS_URL}


def test_a_case_filed_through_nginx_reaches_sockets_on_every_process(
    app, scaled, city, live_client, token_for
):
    # One desk socket on each app process directly, and one through nginx: whichever
    # process nginx gives the report to, the others hear it through Redis.
    desks = [live_client(url, city.staff) for url in [*scaled.app_urls, scaled.url]]
    for desk in desks:
        assert desk.subscribe("department:roads")["ok"]
        assert desk.subscribe("user")["ok"]
    response = requests.post(
        f"{scaled.url}/api/v1/cases", json=CASE, headers=token_for(city.reporter), timeout=WAIT
    )
    assert response.status_code == 201, response.text
    assert response.headers["Server"].startswith("nginx")
    case_id = response.json()["id"]
    for desk in desks:
        event = desk.wait_for("case.event", lambda p: p["case_id"] == case_id)
        assert event["event"]["action"] == "submit"

    # The long-running job worker of the set publishes too.
    jobs.enqueue(sample_jobs.announce, f"user:{city.staff.id}", "from the worker")
    for desk in desks:
        assert desk.wait_for("announcement", timeout=3 * WAIT) == {"message": "from the worker"}


def test_nginx_serves_the_pwa_and_metrics_sum_every_process(scaled):
    page = requests.get(scaled.url + "/", timeout=WAIT)
    assert page.status_code == 200 and "<html" in page.text.lower()
    for url in scaled.app_urls:  # one request on each process ...
        assert requests.get(url + "/api/v1/categories", timeout=WAIT).status_code == 200
    metrics = requests.get(scaled.url + "/metrics", timeout=WAIT).text
    line = next(
        line
        for line in metrics.splitlines()
        if line.startswith("cityloop_http_requests_total{")
        and 'endpoint="/api/v1/categories"' in line
        and 'method="GET"' in line
        and 'status="200"' in line
    )
    assert float(line.rsplit(" ", 1)[1]) >= len(scaled.app_urls)  # ... counted together
    assert "cityloop_job_queue_depth" in metrics


def test_sigterm_stops_the_whole_set(scaled):
    """Last in this module: it stops the shared set."""
    assert scaled.stop() == 0, scaled.log()
    assert scaled.leftovers() == [], scaled.log()
