"""Content-addressed file storage: a file's key is the SHA-256 of its bytes plus a suffix.

Because a key names its content, ``put`` is idempotent, files never change once written, and
they can be cached forever by whoever serves them.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

_KEY = re.compile(r"[0-9a-f]{64}(\.[a-z0-9]{1,10})?")
_SUFFIX = re.compile(r"(\.[a-z0-9]{1,10})?")


class InvalidKey(ValueError):
    """A key or suffix that this storage could never have produced."""


@runtime_checkable
class Storage(Protocol):
    """Where renditions live. Backends on local disk also offer ``path(key) -> Path``."""

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data``; return its key, ``sha256(data).hexdigest() + suffix``. Idempotent."""

    def get(self, key: str) -> bytes:
        """The stored bytes; ``KeyError`` when there are none."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the file; deleting a missing key is not an error."""


def make_key(data: bytes, suffix: str) -> str:
    """The key of ``data``; ``suffix`` is empty or a dot and 1-10 lowercase letters or digits."""
    if not _SUFFIX.fullmatch(suffix):
        raise InvalidKey(f"invalid suffix {suffix!r}")
    return hashlib.sha256(data).hexdigest() + suffix


def check_key(key: str) -> str:
    """Return ``key`` if it is a well-formed key; a key can never name a path outside the store."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidKey(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    """Files under ``root`` in two levels of fan-out folders: ``ab/cd/abcd...jpg``.

    Writes go to a temporary file in the target folder, then ``os.replace`` it into place, so a
    reader never sees half a file. Folders are created when first needed.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes, suffix: str) -> str:
        key = make_key(data, suffix)
        target = self.path(key)
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, data)
        return key

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def files(self) -> Iterator[tuple[str | None, Path]]:
        """Every file in the store: (key, path), or (None, path) for a temporary file a
        write left behind."""
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if _KEY.fullmatch(path.name) and path.name.startswith(path.parent.parent.name):
                yield path.name, path
            elif path.name.startswith(".tmp-") and path.name.endswith(".part"):
                yield None, path


def _write_atomically(target: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; served files must be readable
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def media_storage(data_dir: Path | str) -> LocalStorage:
    """Where renditions live: ``<data dir>/media``, served at ``/media/<key>``."""
    return LocalStorage(Path(data_dir) / "media")
