"""One small job interface: in-process threads by default, a Redis queue when configured.

``enqueue(func, *args)`` takes a module-level function (so a queue worker can import it)
and runs it later inside an app context. With ``JOBS_EAGER`` (tests) it runs at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app

log = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cityloop-job")
    return _executor


def _run_in_context(app: Flask, func: Callable, args: tuple, kwargs: dict) -> None:
    with app.app_context():
        try:
            func(*args, **kwargs)
        except Exception:
            log.exception("job %s failed", getattr(func, "__qualname__", func))
            raise


def enqueue(func: Callable, *args, **kwargs) -> None:
    app = current_app._get_current_object()
    if app.config.get("JOBS_EAGER"):
        _run_in_context(app, func, args, kwargs)
        return
    _pool().submit(_run_in_context, app, func, args, kwargs)
