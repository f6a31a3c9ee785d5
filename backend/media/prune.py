"""Files in the media folder that nothing shows any more.

A request deletes the renditions it wrote when its transaction does not commit
(:mod:`backend.media.uploads`), but a process killed mid-request (SIGKILL, a lost
machine) never runs that hook, and a report that is never sent again leaves its files
behind. :func:`prune` deletes such files once they are old enough that no request still
running can be about to commit a row that shows them (``older_than``, a day by default),
together with temporary files an interrupted write left. A file is in use while some
kind's photos hold its key (:func:`backend.content.photo_keys_in_use`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from sqlalchemy.orm import Session

from backend import content
from backend.media.storage import LocalStorage

BATCH = 1000


@dataclass
class Pruned:
    deleted: int = 0
    bytes: int = 0
    kept: int = 0

    def __str__(self) -> str:
        return f"deleted {self.deleted} files ({self.bytes:,} bytes), kept {self.kept}"


def prune(
    session: Session, storage: LocalStorage, *, older_than: timedelta, dry_run: bool = False
) -> Pruned:
    """Delete the files older than ``older_than`` that no row shows; ``dry_run``: only count."""
    cutoff = time.time() - older_than.total_seconds()
    result = Pruned()
    old = ((key, path) for key, path in storage.files() if _modified(path) < cutoff)
    while batch := list(islice(old, BATCH)):
        in_use = content.photo_keys_in_use(session, [key for key, _ in batch if key])
        for key, path in batch:
            if key in in_use:
                result.kept += 1
                continue
            result.deleted += 1
            result.bytes += _size(path)
            if not dry_run:
                path.unlink(missing_ok=True)
    return result


def _modified(path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # deleted meanwhile
        return float("inf")


def _size(path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
