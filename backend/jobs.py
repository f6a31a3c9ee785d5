"""One small job interface: in-process threads by default, a Redis queue when configured.

``enqueue(func, *args)`` takes a module-level function (so a queue worker can import it)
and runs it later inside an app context:

- ``JOBS_EAGER`` (tests): at once, in the caller's thread;
- ``REDIS_URL`` set: on the RQ queue ``cityloop``, run by ``flask --app wsgi worker``
  (:func:`run_worker`), which builds the app and so emits Socket.IO events through the
  same Redis message queue as the web processes;
- otherwise: on a small thread pool inside the web process.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import Flask, current_app

from backend.metrics import record_job

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

log = logging.getLogger(__name__)

QUEUE_NAME = "cityloop"
RESULT_TTL = 300  # seconds a finished job's record is kept
FAILURE_TTL = 7 * 24 * 3600  # failed jobs stay inspectable for a week
JOB_TIMEOUT = 300
# A worker killed mid-job (SIGKILL, out of memory, power) leaves the job in RQ's started
# registry. RQ 2.x finds it there once its entry expires (JOB_TIMEOUT + 60 s after it began:
# a SimpleWorker sends no heartbeat during a job) at a worker's next maintenance pass, and
# moves it to the failed registry unless it has retries left, when it is queued again
# (``StartedJobRegistry.cleanup``). So every job is enqueued with a Retry, and jobs are
# written to be run twice (push keeps a per-device send record). The first retry is queued
# at once (not through the scheduler, whose lock a killed worker's scheduler may hold for
# another minute); the same Retry re-runs a job that raised: at once, after a minute, then
# after 10 minutes.
RETRY_INTERVALS = (0, 60, 600)
MAINTENANCE_SECONDS = 60  # how often a worker looks for abandoned jobs (RQ's default: 10 min)

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_redis_clients: dict[str, Redis] = {}


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cityloop-job")
        return _executor


def _run_in_context(app: Flask, func: Callable, args: tuple, kwargs: dict) -> None:
    with app.app_context():
        try:
            func(*args, **kwargs)
        except Exception:
            record_job(func, "failed")
            log.exception("job %s failed", getattr(func, "__qualname__", func))
            raise
        record_job(func, "ok")


def redis_connection(url: str) -> Redis:
    """One client (and so one connection pool) per Redis URL and process."""
    client = _redis_clients.get(url)
    if client is None:
        from redis import Redis

        client = _redis_clients.setdefault(url, Redis.from_url(url))
    return client


def _rq_options() -> dict:
    from rq import Retry

    retry = Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS))
    return {"result_ttl": RESULT_TTL, "failure_ttl": FAILURE_TTL, "job_timeout": JOB_TIMEOUT,
            "retry": retry}  # fmt: skip


def job_queue(app: Flask) -> Queue:
    """The RQ queue of ``app`` (only meaningful when ``REDIS_URL`` is set)."""
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis_connection(app.config["REDIS_URL"]))


def enqueue(func: Callable, *args, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` later, inside an app context, outside the request."""
    app = current_app._get_current_object()
    if app.config["JOBS_EAGER"]:
        _run_in_context(app, func, args, kwargs)
        return
    if app.config["REDIS_URL"]:
        job_queue(app).enqueue(func, args=args, kwargs=kwargs, **_rq_options())
        return
    _pool().submit(_run_in_context, app, func, args, kwargs)


def enqueue_in(delay: float, func: Callable, *args, **kwargs) -> None:
    """Run ``func(*args, **kwargs)`` after ``delay`` seconds (retries with back-off).

    With Redis this is RQ's scheduled registry (the worker runs its scheduler); otherwise
    a timer thread hands the job to the pool, so a restart forgets it (``flask mail retry``
    sends what is due)."""
    app = current_app._get_current_object()
    if app.config["REDIS_URL"] and not app.config["JOBS_EAGER"]:
        when = timedelta(seconds=delay)
        job_queue(app).enqueue_in(when, func, args=args, kwargs=kwargs, **_rq_options())
        return
    timer = threading.Timer(delay, _pool().submit, (_run_in_context, app, func, args, kwargs))
    timer.daemon = True
    timer.start()


def _worker_class():
    from rq import SimpleWorker

    class AppWorker(SimpleWorker):
        """Runs each job in the worker's process (no fork: the app, its engine and its
        Socket.IO message queue stay valid) inside a fresh app context."""

        def __init__(self, *args, app: Flask, **kwargs):
            super().__init__(*args, **kwargs)
            self.flask_app = app

        def execute_job(self, job, queue):
            with self.flask_app.app_context():
                return super().execute_job(job, queue)

        def handle_job_success(self, job, *args, **kwargs):
            record_job(job.func, "ok")
            return super().handle_job_success(job, *args, **kwargs)

        def handle_job_failure(self, job, *args, **kwargs):
            record_job(job.func, "failed")
            return super().handle_job_failure(job, *args, **kwargs)

    return AppWorker


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _children_die_with_the_worker() -> None:
    """RQ forks its scheduler from the worker. Killed outright (SIGKILL, out of memory), the
    worker could not stop it, and it ran on alone holding the scheduler's Redis lock; on
    Linux each forked child now gets SIGTERM when the worker dies, which stops a scheduler
    the way a worker's stop does (giving the lock back)."""
    if not sys.platform.startswith("linux"):
        return
    worker = os.getpid()

    def in_child() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != worker:  # it died before the line above
            os._exit(0)

    os.register_at_fork(after_in_child=in_child)


def run_worker(app: Flask, *, burst: bool = False) -> bool:
    """Work the queue until stopped (or, with ``burst``, until it is empty)."""
    if not app.config["REDIS_URL"]:
        raise RuntimeError("REDIS_URL is not set: jobs run inside the web process.")
    _children_die_with_the_worker()
    worker = _worker_class()(
        [job_queue(app)],
        connection=redis_connection(app.config["REDIS_URL"]),
        app=app,
        maintenance_interval=MAINTENANCE_SECONDS,
    )
    return worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
