"""A job worker is killed (SIGKILL) mid-job: the job runs again, and does not repeat what
it had done. Here a push to two devices: the first was sent when the worker died, the
second was waiting on its push service. The re-run pushes the second only."""

import time

import pytest
from rq.exceptions import NoSuchJobError
from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy import func, select

from backend import jobs
from backend.extensions import db
from backend.notify import service
from backend.notify.models import PushDelivery
from tests.live_support import server_env
from tests.operations.faults import JobWorker
from tests.push_service import BrowserKeys
from tests.services import REDIS_URL, require_service

pytestmark = [pytest.mark.redis, pytest.mark.slow]

PUSH = {"PUSH_ENDPOINT_HOSTS": ["127.0.0.1"], "PUSH_ALLOW_HTTP": True}


@pytest.fixture
def app_overrides():
    require_service("Redis", REDIS_URL)
    return {"REDIS_URL": REDIS_URL, **PUSH}


@pytest.fixture
def queue(app):
    queue = jobs.job_queue(app)
    _forget_jobs(queue)
    yield queue
    _forget_jobs(queue)


def _forget_jobs(queue) -> None:
    queue.empty()
    for registry in (queue.started_job_registry, queue.failed_job_registry,
                     queue.scheduled_job_registry, queue.finished_job_registry):  # fmt: skip
        for job_id in registry.get_job_ids(cleanup=False):
            try:
                registry.remove(job_id, delete_job=True)
            except NoSuchJobError:  # its hash already gone (expired, or emptied above)
                registry.remove(job_id)


@pytest.fixture
def workers(database_url, tmp_path):
    env = server_env(database_url, tmp_path / "worker-data", REDIS_URL=REDIS_URL, LOG_LEVEL="INFO")
    started = []

    def start() -> JobWorker:
        started.append(JobWorker(env, tmp_path / f"worker-{len(started)}.log"))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def _token(subscription: dict) -> str:
    return subscription["endpoint"].rsplit("/", 1)[1]


def _deliveries() -> int:
    """Counted in a transaction of its own, ended at once: on SQLite an open one would hold
    the write lock the worker needs."""
    db.session.rollback()
    count = db.session.scalar(select(func.count()).select_from(PushDelivery))
    db.session.rollback()
    return count


def _age_out_abandoned(queue) -> None:
    """Backdate the dead worker's started-registry entry to what it is JOB_TIMEOUT + 60 s
    after the job began, so a worker's maintenance finds it now instead of in 6 minutes."""
    registry = StartedJobRegistry(queue.name, connection=queue.connection)
    entries = queue.connection.zrange(registry.key, 0, -1)
    assert len(entries) == 1, entries
    queue.connection.zadd(registry.key, {entries[0]: 1})


def test_a_push_job_killed_mid_job_runs_again_without_a_double_push(
    client, make_user, token_for, push_service, queue, workers
):
    alice = make_user()
    phone = push_service.subscription(BrowserKeys())
    tablet = push_service.subscription(BrowserKeys())
    for device in (phone, tablet):
        response = client.post("/api/v1/push/subscriptions", json=device, headers=token_for(alice))
        assert response.status_code == 201
    push_service.hold(tablet["endpoint"])
    service.set_preferences(db.session, alice, {"case_update": "push"})
    service.notify(db.session, [alice.id], kind="case_update", target_type="case",
                   target_id=4, text="Case #4 is in progress")  # fmt: skip
    db.session.commit()  # queues the push job
    assert queue.count == 1

    first = workers()
    assert push_service.wait(timeout=30).token == _token(phone), first.log()
    push_service.wait_held(tablet["endpoint"])
    assert _deliveries() == 1  # the phone's send was recorded before the tablet's began
    assert len(first.session_pids()) == 2  # the worker and the scheduler it forked
    first.kill()
    push_service.release(tablet["endpoint"])
    deadline = time.monotonic() + 5
    while push_service.dropped != [_token(tablet)] and time.monotonic() < deadline:
        time.sleep(0.05)  # the push service's handler thread notices the dead sender
    assert push_service.dropped == [_token(tablet)]
    deadline = time.monotonic() + 10
    while first.session_pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.session_pids() == set(), "the scheduler outlived its worker"
    [job_id] = StartedJobRegistry(queue.name, connection=queue.connection).get_job_ids(
        cleanup=False
    )

    _age_out_abandoned(queue)
    second = workers()  # its first maintenance pass requeues the job (RQ's Retry)
    assert push_service.wait(timeout=30).token == _token(tablet), second.log()
    deadline = time.monotonic() + 10
    while queue.fetch_job(job_id).get_status() != "finished" and time.monotonic() < deadline:
        time.sleep(0.1)  # the job records its end after the push service answered
    assert queue.fetch_job(job_id).get_status() == "finished", second.log()
    assert push_service.deliveries.empty()  # the phone was not pushed again
    assert push_service.errors == []
    assert _deliveries() == 2
    assert FailedJobRegistry(queue.name, connection=queue.connection).count == 0
