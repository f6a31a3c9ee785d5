"""The backup of docs/operations.md restores: ``pg_dump --format=custom`` of a migrated demo
city, ``pg_restore`` into a fresh database, and the app serves the same city from it (cases,
their photos from the copied data folder, sign-in)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from urllib.parse import urlparse, urlunparse

import pytest
from sqlalchemy import create_engine, text

from backend import config, create_app
from backend.demo import DEMO_PASSWORD
from backend.extensions import db
from tests.services import POSTGRES_URL

pytestmark = [pytest.mark.postgres, pytest.mark.postgresql_only]


def _libpq(url: str) -> str:
    return url.replace("+psycopg", "")


@pytest.fixture
def scratch_databases():
    """Two empty databases beside the test database: the city and its restore."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    names = [f"cityloop_backup_{uuid.uuid4().hex[:8]}_{n}" for n in ("live", "restored")]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    parsed = urlparse(POSTGRES_URL)
    yield [urlunparse(parsed._replace(path=f"/{name}")) for name in names]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _app(database_url, data_dir):
    return create_app(
        config.TestingConfig(), SQLALCHEMY_DATABASE_URI=database_url, DATA_DIR=data_dir
    )


def _city_seen_by_the_public(application) -> dict:
    client = application.test_client()
    cases = client.get("/api/v1/cases?per_page=100").get_json()
    photos = [photo for case in cases["items"] for photo in case.get("photos", [])]
    first_photo = client.get(urlparse(photos[0]["url"]).path) if photos else None
    return {
        "total": cases["total"],
        "ids": sorted(case["id"] for case in cases["items"]),
        "proposals": client.get("/api/v1/proposals").get_json()["total"],
        "stats": client.get("/api/v1/stats/overview").get_json(),
        "photo": (first_photo.status_code, first_photo.data) if first_photo else None,
    }


def test_a_dump_restores_into_a_fresh_database_and_serves_the_city(scratch_databases, tmp_path):
    live_url, restored_url = scratch_databases
    live = _app(live_url, tmp_path / "live-data")
    with live.app_context():
        runner = live.test_cli_runner()
        for args in (["db", "upgrade"], ["demo"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
    # Requests outside the test's app context, each in its own, as a server runs them.
    before = _city_seen_by_the_public(live)
    with live.app_context():
        db.engine.dispose()
    assert before["total"] > 0 and before["photo"] and before["photo"][0] == 200

    dump = tmp_path / "cityloop.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", _libpq(live_url)], check=True, timeout=120
    )
    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={_libpq(restored_url)}", str(dump)],
        check=True,
        timeout=120,
    )
    # The photos are copied as docs/operations.md says (an rsync of the media folder).
    shutil.copytree(tmp_path / "live-data" / "media", tmp_path / "restored-data" / "media")

    restored = _app(restored_url, tmp_path / "restored-data")
    assert _city_seen_by_the_public(restored) == before
    _a_resident_reports(restored, known=set(before["ids"]))
    with restored.app_context():
        upgrade = restored.test_cli_runner().invoke(args=["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output  # already at head: nothing to do
        db.engine.dispose()


def _a_resident_reports(application, *, known: set[int]) -> None:
    """Sign-in works and a new report is filed and read back beside the restored ones."""
    client = application.test_client()
    signed_in = client.post(
        "/api/v1/auth/token", json={"email": "resident@cityloop.example", "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.get_json()
    headers = {"Authorization": f"Bearer {signed_in.get_json()['access_token']}"}
    report = {"category": "litter", "lat": 31.23, "lon": 121.47, "description": "After restore"}
    created = client.post("/api/v1/cases", json=report, headers=headers)
    assert created.status_code == 201, created.get_json()
    new_id = created.get_json()["id"]
    assert new_id not in known
    assert client.get(f"/api/v1/cases/{new_id}").get_json()["description"] == "After restore"
