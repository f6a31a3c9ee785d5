"""The job interface: eager in tests, a thread pool by default, RQ when REDIS_URL is set."""

import threading

import pytest

from backend import jobs
from tests.jobs import sample_jobs
from tests.live_support import run_worker_burst, server_env
from tests.services import REDIS_URL, require_service


@pytest.fixture(autouse=True)
def _forget():
    sample_jobs.ran.clear()


@pytest.fixture
def redis_queue(app):
    require_service("Redis", REDIS_URL)
    queue = jobs.job_queue(app)
    queue.empty()
    yield queue
    queue.empty()


def test_eager_jobs_run_at_once_in_an_app_context(app):
    app.config["JOBS_EAGER"] = True
    try:
        jobs.enqueue(sample_jobs.record, "now")
    finally:
        app.config["JOBS_EAGER"] = False
    assert sample_jobs.ran == [("now", app.name)]


def test_by_default_jobs_run_on_a_background_thread(app):
    done = threading.Event()
    threads = []

    def job(label):
        sample_jobs.record(label)
        threads.append(threading.current_thread().name)
        done.set()

    jobs.enqueue(job, "later")
    assert done.wait(5)
    assert sample_jobs.ran == [("later", app.name)]
    assert threads[0].startswith("cityloop-job") and threads[0] != threading.current_thread().name


def test_a_failing_background_job_is_logged_not_raised(app, caplog):
    future = jobs._pool().submit(jobs._run_in_context, app, sample_jobs.fail, (), {})
    with pytest.raises(RuntimeError):
        future.result(timeout=5)
    assert "job fail failed" in caplog.text


@pytest.mark.redis
@pytest.mark.parametrize("app_overrides", [{"REDIS_URL": REDIS_URL}])
def test_with_redis_jobs_wait_in_the_queue_for_a_worker(app, redis_queue):
    jobs.enqueue(sample_jobs.record, "queued")
    assert sample_jobs.ran == []  # nothing runs in the web process
    [job] = redis_queue.get_jobs()
    assert job.func_name == "tests.jobs.sample_jobs.record" and job.args == ("queued",)
    jobs.run_worker(app, burst=True)
    assert sample_jobs.ran == [("queued", app.name)]
    assert redis_queue.count == 0


@pytest.mark.redis
@pytest.mark.parametrize("app_overrides", [{"REDIS_URL": REDIS_URL}])
def test_the_worker_command_runs_jobs_in_its_own_app(app, redis_queue, database_url, tmp_path):
    target = tmp_path / "ran.txt"
    jobs.enqueue(sample_jobs.write_file, str(target), "hello")
    data_dir = tmp_path / "worker-data"
    result = run_worker_burst(server_env(database_url, data_dir, REDIS_URL=REDIS_URL))
    assert result.returncode == 0, result.stderr
    assert target.read_text() == f"hello {data_dir.resolve()}"


def test_the_worker_command_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output
