"""`flask media prune`: renditions that no case or proposal shows go once they are old enough
(a request killed before its commit leaves such files); every file a row shows stays."""

from __future__ import annotations

import io
import os
import time

from backend.cases.models import Case, CasePhoto
from backend.extensions import db
from backend.media.storage import media_storage
from backend.proposals.models import ProposalPhoto
from tests import imagegen

DAY = 24 * 3600


def _post_with_photo(client, headers, path: str, fields: dict, picture: bytes = b"") -> dict:
    form = {**fields, "photos": [(io.BytesIO(picture or imagegen.jpeg()), "p.jpg")]}
    response = client.post(path, data=form, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _prune(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=["media", "prune", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_only_old_files_that_no_row_shows_are_deleted(app, client, city, token_for):
    headers = token_for(city.reporter)
    report = {"category": "pothole", "description": "Kerb", "lat": "31.2", "lon": "121.4"}
    _post_with_photo(client, headers, "/api/v1/cases", report)
    proposal = {"title": "A fountain", "body": "Dry for a year.", "lat": "31.2", "lon": "121.4"}
    _post_with_photo(client, headers, "/api/v1/proposals", proposal)
    storage = media_storage(app.config["DATA_DIR"])
    shown = {row.key for row in db.session.query(CasePhoto)} | {
        key for photo in db.session.query(ProposalPhoto) for key in (photo.key, photo.thumb_key)
    } | {photo.thumb_key for photo in db.session.query(CasePhoto)}  # fmt: skip
    assert len(shown) == 4  # two photos, each a large rendition and a thumbnail

    orphan = storage.put(b"left by a request killed before its commit", ".jpg")
    young_orphan = storage.put(b"written by a request that may still commit", ".jpg")
    leftover = storage.path(orphan).parent / ".tmp-abc.part"
    leftover.write_bytes(b"half a write")
    for key, path in storage.files():
        if key != young_orphan:
            _age(path, 2 * DAY)

    assert "would have deleted 2 files" in _prune(app, "--dry-run")
    assert storage.exists(orphan) and leftover.exists()

    assert "deleted 2 files" in _prune(app)
    assert not storage.exists(orphan) and not leftover.exists()
    remaining = {key for key, _path in storage.files()}
    assert remaining == shown | {young_orphan}
    for key in shown:
        assert client.get(f"/media/{key}").status_code == 200

    _age(storage.path(young_orphan), 2 * 3600)
    assert "deleted 1 files" in _prune(app, "--hours", "1")
    assert "kept 4" in _prune(app, "--hours", "1")
    assert not storage.exists(young_orphan)


def test_a_file_two_rows_share_stays_while_either_shows_it(app, client, city, token_for):
    headers = token_for(city.reporter)
    report = {"category": "pothole", "description": "Same photo", "lat": "31.2", "lon": "121.4"}
    picture = imagegen.jpeg()
    first = _post_with_photo(client, headers, "/api/v1/cases", report, picture)
    _post_with_photo(client, headers, "/api/v1/cases", report | {"description": "Again"}, picture)
    db.session.delete(db.session.get(Case, first["id"]))
    db.session.commit()
    storage = media_storage(app.config["DATA_DIR"])
    for _key, path in storage.files():
        _age(path, 2 * DAY)
    assert "deleted 0 files" in _prune(app)
    assert len(list(storage.files())) == 2
