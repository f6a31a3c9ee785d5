"""Content-addressed local storage."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from backend.media.storage import InvalidKey, LocalStorage, Storage, check_key, make_key

DATA = b"\xff\xd8\xff not really a jpeg, storage does not care \x00\x01"
DIGEST = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "media")


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_local_storage_is_a_storage(storage) -> None:
    assert isinstance(storage, Storage)


def test_round_trip(storage) -> None:
    key = storage.put(DATA, ".jpg")

    assert key == DIGEST + ".jpg"
    assert storage.exists(key)
    assert storage.get(key) == DATA


def test_files_fan_out_in_two_levels(storage) -> None:
    key = storage.put(DATA, ".jpg")

    expected = storage.root / DIGEST[:2] / DIGEST[2:4] / key
    assert storage.path(key) == expected
    assert files_under(storage.root) == [expected]
    assert expected.read_bytes() == DATA


def test_folders_are_created_only_when_needed(storage) -> None:
    assert not storage.root.exists()
    assert not storage.exists(DIGEST + ".jpg")
    storage.delete(DIGEST + ".jpg")
    assert not storage.root.exists()

    storage.put(DATA, ".jpg")

    assert storage.root.is_dir()


def test_put_is_idempotent_and_does_not_rewrite(storage) -> None:
    key = storage.put(DATA, ".jpg")
    before = os.stat(storage.path(key))

    assert storage.put(DATA, ".jpg") == key
    after = os.stat(storage.path(key))

    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert files_under(storage.root) == [storage.path(key)]


def test_same_bytes_with_another_suffix_is_another_key(storage) -> None:
    assert storage.put(DATA, ".jpg") != storage.put(DATA, ".webp")
    assert storage.put(DATA, "") == DIGEST
    assert len(files_under(storage.root)) == 3


def test_different_bytes_are_different_keys(storage) -> None:
    assert storage.put(b"a", ".jpg") != storage.put(b"b", ".jpg")


def test_empty_file_round_trips(storage) -> None:
    key = storage.put(b"", ".jpg")
    assert storage.get(key) == b""


def test_written_files_are_readable_by_the_web_server(storage) -> None:
    key = storage.put(DATA, ".jpg")
    assert storage.path(key).stat().st_mode & 0o444 == 0o444


def test_missing_key_is_a_key_error(storage) -> None:
    with pytest.raises(KeyError):
        storage.get(DIGEST + ".jpg")
    assert not storage.exists(DIGEST + ".jpg")


def test_delete_removes_and_is_idempotent(storage) -> None:
    key = storage.put(DATA, ".jpg")

    storage.delete(key)
    storage.delete(key)

    assert not storage.exists(key)
    with pytest.raises(KeyError):
        storage.get(key)


TRAVERSAL_KEYS = [
    "../../etc/passwd",
    "/etc/passwd",
    "..",
    "",
    DIGEST[:2] + "/../" + DIGEST,
    "../" + DIGEST + ".jpg",
    DIGEST + "/../../x.jpg",
    DIGEST + ".jpg/..",
    DIGEST.upper() + ".jpg",
    DIGEST[:63] + ".jpg",
    DIGEST + "0.jpg",
    DIGEST + ".jpg\x00.png",
    DIGEST + ".jpg\n",
    DIGEST + "..jpg",
    DIGEST + ".j/g",
    DIGEST + ".waytoolongsuffix",
    "C:\\" + DIGEST,
    "ab/cd/" + DIGEST + ".jpg",
]


@pytest.mark.parametrize("key", TRAVERSAL_KEYS)
@pytest.mark.parametrize("method", ["get", "exists", "delete", "path"])
def test_malformed_and_traversal_keys_are_refused(storage, tmp_path, key, method) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")

    with pytest.raises(InvalidKey):
        getattr(storage, method)(key)

    assert victim.read_text() == "keep me"


@pytest.mark.parametrize("key", [None, 42, b"abc"])
def test_non_string_keys_are_refused(key) -> None:
    with pytest.raises(InvalidKey):
        check_key(key)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "suffix", ["jpg", "/../x", ".JPG", ". jpg", ".jp/g", "../", ".a.b", "." + "x" * 11]
)
def test_malformed_suffixes_are_refused(storage, suffix) -> None:
    with pytest.raises(InvalidKey):
        storage.put(DATA, suffix)
    assert not storage.root.exists()


def test_make_key_matches_put(storage) -> None:
    assert storage.put(DATA, ".jpg") == make_key(DATA, ".jpg") == check_key(DIGEST + ".jpg")


def test_failed_write_leaves_nothing_behind(storage, monkeypatch) -> None:
    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)

    with pytest.raises(OSError, match="disk full"):
        storage.put(DATA, ".jpg")

    assert files_under(storage.root) == []
    assert not storage.exists(DIGEST + ".jpg")


def test_concurrent_puts_of_the_same_bytes_make_one_file(storage) -> None:
    payload = os.urandom(256 * 1024)

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: storage.put(payload, ".jpg"), range(32)))

    (key,) = keys
    assert files_under(storage.root) == [storage.path(key)]
    assert storage.get(key) == payload
