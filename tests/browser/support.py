"""A real CityLoop server for the browser tests and the PWA benchmarks.

The server runs as deployed (``python wsgi.py`` on a free loopback port) against its own
database: an SQLite file, or a scratch PostgreSQL database created beside the test one (the
in-process tests empty their tables after every test, so sharing theirs would wipe our seed).
The schema comes from ``flask db upgrade``; departments, categories and accounts come from the
CLI and the admin API. No map tiles are fetched (``CITYLOOP_TILE_URL=""``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
import requests

from tests.helpers import PASSWORD, ROOT
from tests.live_support import ServerProcess, server_env
from tests.services import IN_CI

STATIC = ROOT / "static"
CHROMIUM = Path(os.environ.get("CITYLOOP_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CENTRE = (31.2304, 121.4737)  # the default map centre (People's Square, Shanghai)

ADMIN_EMAIL = "admin@browser.test"
STAFF_EMAIL = "staff@browser.test"
REPORTER_EMAIL = "reporter@browser.test"

DEPARTMENTS = [
    {"code": "roads", "name": "Roads and Pavements", "names": {"zh-CN": "道路与人行道"}},
    {"code": "lighting", "name": "Street Lighting", "names": {"zh-CN": "路灯照明"}},
    {"code": "sanitation", "name": "Sanitation and Waste", "names": {"zh-CN": "环境卫生"}},
]
CATEGORIES = [
    {
        "code": "pothole",
        "name": "Pothole",
        "names": {"zh-CN": "路面坑洼"},
        "department": "roads",
        "sla_hours": 72,
        "keywords": "hole road crack",
        "attributes": [
            {
                "code": "size",
                "datatype": "singlevaluelist",
                "required": False,
                "description": "How big is it?",
                "order": 1,
                "values": [
                    {"key": "small", "name": "Smaller than a shoe"},
                    {"key": "large", "name": "Larger than a car wheel"},
                ],
            }
        ],
    },
    {
        "code": "streetlight",
        "name": "Street light out",
        "names": {"zh-CN": "路灯不亮"},
        "department": "lighting",
        "sla_hours": 48,
        "keywords": "lamp dark",
    },
    {
        "code": "litter",
        "name": "Litter",
        "names": {"zh-CN": "垃圾散落"},
        "department": "sanitation",
        "sla_hours": 24,
        "keywords": "rubbish trash",
    },
]


def missing_prerequisites() -> list[str]:
    missing = []
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright Python package is not installed")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    if not (STATIC / "index.html").exists() or not (STATIC / "sw.js").exists():
        missing.append("the PWA is not built into static/ (bash scripts/build-pwa)")
    return missing


def skip_or_fail(reason: str) -> None:
    """Skip outside CI; fail inside CI, where every browser test must run."""
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def flask_cli(env: dict, *args: str, timeout: float = 120) -> str:
    """Run ``flask --app wsgi ARGS`` as an operator would; its output, or an error with it."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


_scratch_numbers = itertools.count()


@contextlib.contextmanager
def scratch_postgres(test_url: str) -> Iterator[str]:
    """A fresh database next to the PostgreSQL test database, dropped afterwards. The name is
    unique per call: a module's own server must not drop the session server's database."""
    import psycopg

    parsed = urlparse(test_url)
    name = f"{parsed.path.lstrip('/') or 'test'}_browser_{os.getpid()}_{next(_scratch_numbers)}"
    admin_url = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))

    def run(sql: str) -> None:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    try:
        yield urlunparse(parsed._replace(path=f"/{name}"))
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Api:
    """``requests`` against the server, with a bearer token when given."""

    url: str
    token: str | None = None
    http: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.http.request(
            method, f"{self.url}/api/v1{path}", headers=headers, timeout=30, **kwargs
        )

    def ok(self, method: str, path: str, expect: int = 200, **kwargs):
        response = self.call(method, path, **kwargs)
        assert response.status_code == expect, (
            f"{method} /api/v1{path}: expected {expect}, got {response.status_code}: "
            f"{response.text[:500]}"
        )
        return response.json() if response.content else None

    def login(self, email: str, password: str = PASSWORD) -> Api:
        body = self.ok("POST", "/auth/token", json={"email": email, "password": password})
        return Api(self.url, body["access_token"])


@dataclass
class Server:
    url: str
    process: ServerProcess
    env: dict
    admin: Api
    staff: Api
    reporter: Api

    @property
    def public(self) -> Api:
        return Api(self.url)

    def cases_described(self, description: str) -> list[dict]:
        """Every case, in any status, whose description is exactly ``description``."""
        found, page = [], 1
        while True:
            body = self.public.ok("GET", "/cases", params={"page": page, "per_page": 100})
            found += [c for c in body["items"] if c.get("description") == description]
            if page * body["per_page"] >= body["total"] or not body["items"]:
                return found
            page += 1


def wait_ready(url: str, timeout: float = 30.0) -> None:
    """Poll /readyz (database reachable) until it answers 200."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = requests.get(f"{url}/readyz", timeout=2)
            if last.status_code == 200:
                return
        except requests.ConnectionError as exc:
            last = exc
        time.sleep(0.1)  # polling a readiness endpoint: nothing to await
    raise RuntimeError(f"{url}/readyz not ready after {timeout}s: {last!r}")


def start_server(data_dir: Path, database_url: str, *, demo: bool = False, **extra: str) -> Server:
    """Migrate and create the admin (while the server starts: each CLI run imports the app, a few
    seconds), start ``wsgi.py``, wait for /readyz, then seed through the admin API."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(database_url, data_dir, CITYLOOP_TILE_URL="", **extra)

    def prepare_database() -> None:
        flask_cli(env, "db", "upgrade")
        if demo:
            flask_cli(env, "demo", timeout=600)
        flask_cli(
            env,
            "users",
            "create",
            "--email",
            ADMIN_EMAIL,
            "--password",
            PASSWORD,
            "--role",
            "admin",
        )

    with ThreadPoolExecutor(1) as pool:
        prepared = pool.submit(prepare_database)
        try:
            process = ServerProcess(env, data_dir / "server.log")
        except BaseException:
            prepared.result()  # the server may have failed for the same reason: say that first
            raise
        try:
            prepared.result()
            wait_ready(process.url)
            return _seed(process, env)
        except BaseException:
            process.stop()
            raise


def _seed(process: ServerProcess, env: dict) -> Server:
    url = process.url
    admin = Api(url).login(ADMIN_EMAIL)
    existing = {d["code"] for d in admin.ok("GET", "/departments")["items"]}
    for department in DEPARTMENTS:
        if department["code"] not in existing:
            admin.ok("POST", "/departments", expect=201, json=department)
    existing = {c["code"] for c in admin.ok("GET", "/categories")["items"]}
    for category in CATEGORIES:
        if category["code"] not in existing:
            admin.ok("POST", "/categories", expect=201, json=category)
    admin.ok(
        "POST",
        "/admin/users",
        expect=201,
        json={
            "email": STAFF_EMAIL,
            "password": PASSWORD,
            "display_name": "Sam Staff",
            "role": "staff",
            "departments": [d["code"] for d in DEPARTMENTS],
            "head_of": ["roads"],
        },
    )
    admin.ok(
        "POST",
        "/admin/users",
        expect=201,
        json={"email": REPORTER_EMAIL, "password": PASSWORD, "display_name": "Rita Reporter"},
    )
    return Server(
        url=url,
        process=process,
        env=env,
        admin=admin,
        staff=Api(url).login(STAFF_EMAIL),
        reporter=Api(url).login(REPORTER_EMAIL),
    )
