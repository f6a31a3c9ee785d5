"""Uploaded photos, for every kind that takes them (cases, proposals): validated and turned
into renditions in the request, with no database transaction open, then stored.

Renditions are made while the request runs, not in a job: the 201 must carry working
photo URLs, the first photo's GPS position may be the report's location, and keys are the
hash of the rendition bytes. Several photos are processed in parallel (Pillow releases the
GIL). Nothing is written before every photo has passed validation, and the files a request
wrote are deleted again if its transaction does not commit.

:func:`prepare_photos` is what routes call: it ends the request's transaction so far (the
sign-in lookup and permission checks, which only read), decodes and renders, and writes the
files, all before the transaction that writes the rows begins. On SQLite a POST's
transaction holds the database's write lock from its first statement (``BEGIN IMMEDIATE``,
``backend/db.py``), so seconds of Pillow work inside it made everyone else's writes wait
past the busy timeout ("database is locked"); on PostgreSQL it held row locks as long.
A refused upload costs what a stored photo costs (:func:`refused_photo`), so it counts
against the sender's creation budget. The rows that point at the files are the kind's own
(``backend.cases.photos.store_photos``, ``backend.proposals.service``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from backend.errors import DomainError, ValidationFailed
from backend.media.processing import (
    MAX_BYTES,
    ImageTooLarge,
    InvalidImage,
    ProcessedImage,
    process_image,
)
from backend.media.storage import Storage, make_key

MAX_PHOTOS = 5
SUFFIX = ".jpg"
_WRITTEN = "cityloop.media.written_files"
_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cityloop-photo")
    return _executor


def check_count(count: int) -> None:
    if count > MAX_PHOTOS:
        raise ValidationFailed(
            f"At most {MAX_PHOTOS} photos.", fields={"photos": [f"At most {MAX_PHOTOS} photos."]}
        )


def process_photos(uploads: list[bytes]) -> list[ProcessedImage]:
    """Validate and render every upload; the first bad one is reported with its position."""
    check_count(len(uploads))
    if len(uploads) <= 1:
        return [_process(0, data) for data in uploads]
    futures = [_pool().submit(_process, index, data) for index, data in enumerate(uploads)]
    return [future.result() for future in futures]


def _process(index: int, data: bytes) -> ProcessedImage:
    try:
        return process_image(data, max_bytes=MAX_BYTES)
    except DomainError as exc:
        message = f"Photo {index + 1}: {exc.message}"
        raise type(exc)(message, fields={"photos": {str(index): [exc.message]}}) from exc


def prepare_photos(
    session: Session, storage: Storage, uploads: list[bytes]
) -> list[ProcessedImage]:
    """Process and store ``uploads`` outside any write transaction; see the module docstring.

    The files are tied to the transaction begun here, which the caller's writes then use: if
    it does not commit (a later 4xx, a crash of the request), they are deleted again.
    """
    check_count(len(uploads))
    if not uploads:
        return []
    end_reads(session)
    images = process_photos(uploads)
    session.begin()  # so that a rollback, even with nothing written yet, drops the files
    for image in images:
        for rendition in stored_renditions(image):
            store_file(session, storage, rendition.data)
    return images


def end_reads(session: Session) -> None:
    """End the request's transaction before slow work. Callers have only read so far (who is
    asking, may they); committing rather than rolling back keeps anything the sign-in did."""
    session.commit()


def stored_renditions(image: ProcessedImage):
    """The two renditions that are stored: the large one and its thumbnail."""
    large = image.renditions["large"]
    return large, image.renditions.get("thumb") or large


def first_position(images: list[ProcessedImage]) -> tuple[float, float] | None:
    """The GPS position of the first photo that has one."""
    return next((image.gps for image in images if image.gps is not None), None)


def store_file(session: Session, storage: Storage, data: bytes) -> str:
    """Store ``data`` (a no-op when :func:`prepare_photos` did); remember it for deletion if it
    is new and the transaction fails."""
    key = make_key(data, SUFFIX)
    if not storage.exists(key):
        storage.put(data, SUFFIX)
        session.info.setdefault(_WRITTEN, []).append((storage, key))
    return key


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released: the outer transaction may still fail
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _delete_orphans(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that wrote files ended without a commit: its files must go.

    Only files this transaction created are deleted (content-addressed files that already
    existed may belong to other cases).
    """
    if transaction.parent is not None:
        return
    for storage, key in session.info.pop(_WRITTEN, []):
        storage.delete(key)


def refused_photo(response) -> bool:
    """Whether ``response`` refuses an upload for its photos (unreadable, too large). Such a
    request costs what a stored photo costs, so it counts against the sender's budget."""
    body = response.get_json(silent=True) if response.is_json else None
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("code") in (InvalidImage.code, ImageTooLarge.code)


def read_upload(stream) -> bytes:
    """Read at most one byte over the limit, so a huge file is refused without loading it."""
    return stream.read(MAX_BYTES + 1)
