"""Two server processes and a job worker sharing Redis: rooms span processes.

Socket.IO's Redis message queue carries every emit to every process, so a client
connected to process A hears what a request to process B (or a queued job) published.
"""

import pytest
import requests

from backend import jobs
from tests.jobs import sample_jobs
from tests.live_support import WAIT, ServerProcess, run_worker_burst, server_env
from tests.services import REDIS_URL, require_service

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def redis_env(_schema, database_url, tmp_path_factory):
    require_service("Redis", REDIS_URL)
    data_dir = tmp_path_factory.mktemp("redis-data")  # one secret key for all processes
    return server_env(database_url, data_dir, REDIS_URL=REDIS_URL)


@pytest.fixture(scope="module")
def servers(redis_env, tmp_path_factory):
    logs = tmp_path_factory.mktemp("redis-logs")
    a = ServerProcess(redis_env, logs / "a.log")  # started one after the other: the first
    try:  # creates the secret key the second then reads
        b = ServerProcess(redis_env, logs / "b.log")
    except Exception:
        a.stop()
        raise
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
def app_overrides():
    return {"REDIS_URL": REDIS_URL}


def test_a_request_to_b_reaches_a_client_on_a(servers, live_client, city, make_case, token_for):
    a, b = servers
    case = make_case()
    watcher = live_client(a.url)
    assert watcher.subscribe(f"case:{case.id}")["ok"]
    response = requests.post(f"{b.url}/api/v1/cases/{case.id}/transitions",
                             json={"action": "accept"}, headers=token_for(city.staff),
                             timeout=WAIT)  # fmt: skip
    assert response.status_code == 200, response.text
    event = watcher.wait_for("case.event", lambda p: p["case_id"] == case.id)
    assert event["event"]["action"] == "accept"


def test_an_event_published_by_a_job_worker_reaches_a_client(app, servers, redis_env,
                                                             live_client, make_user):  # fmt: skip
    a, _ = servers
    alice = make_user()
    inbox = live_client(a.url, alice)
    assert inbox.subscribe("user")["ok"]
    jobs.job_queue(app).empty()
    jobs.enqueue(sample_jobs.announce, f"user:{alice.id}", "from the worker")
    result = run_worker_burst(redis_env)
    assert result.returncode == 0, result.stderr
    assert inbox.wait_for("announcement") == {"message": "from the worker"}


def test_signing_out_on_b_closes_the_socket_on_a(servers, live_client, make_user, token_for):
    a, b = servers
    alice = make_user()
    headers = token_for(alice)
    phone = live_client(a.url, token=headers["Authorization"].split()[1])
    bystander = live_client(a.url, make_user())
    assert phone.subscribe("user")["ok"]
    assert requests.post(f"{b.url}/api/v1/auth/logout", headers=headers,
                         timeout=WAIT).status_code == 204  # fmt: skip
    phone.wait_for("disconnected")
    assert bystander.sio.connected


def test_deactivating_on_b_closes_the_socket_on_a(servers, live_client, make_user, token_for):
    a, b = servers
    alice = make_user("staff")
    phone = live_client(a.url, alice)
    assert phone.subscribe("user")["ok"]
    response = requests.patch(f"{b.url}/api/v1/admin/users/{alice.id}", json={"active": False},
                              headers=token_for(make_user("admin")), timeout=WAIT)  # fmt: skip
    assert response.status_code == 200, response.text
    phone.wait_for("disconnected")
