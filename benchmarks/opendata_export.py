"""Open data export at scale: 1,000,000 cases on PostgreSQL, streamed as CSV and GeoJSON.

Run from the repository root:

    .venv/bin/python benchmarks/opendata_export.py                      # 1,000,000 cases
    .venv/bin/python benchmarks/opendata_export.py --cases 100000 --pg-database h13_bench

It creates a PostgreSQL database for the run (dropped after it), builds the tables, one
department and category, then seeds the cases in the database itself (``INSERT ... SELECT``
over ``generate_series``: seconds, not minutes), ``VACUUM ANALYZE``. It starts the server as
people run it (``python wsgi.py``) and downloads each export over HTTP with ``requests``,
reading the stream in 64 KB chunks: time to the first byte, total time, rows per second.
Memory is the server process's RSS from /proc: the baseline after a small warm-up export,
then the peak (``VmHWM``) after each full export; the growth must stay under 50 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from benchmarks.common import free_port, scratch_postgres  # noqa: E402

SEED = """
INSERT INTO cases (id, reference, category_id, department_id, status, priority, lat, lon, address,
    title,
    description, answers, anonymous, due_at, escalated, supporters_count, comments_count,
    reopen_count, resolved_at, closed_at, hidden, version, source, created_at, updated_at)
SELECT 100000000 + g, 'BM-' || g, :category, :department,
    (ARRAY['submitted','accepted','assigned','in_progress','resolved','closed','closed',
           'rejected'])[1 + g % 8],
    CASE WHEN g % 50 = 0 THEN 'urgent' ELSE 'normal' END,
    31.10 + (g % 997) * 0.0003, 121.30 + (g % 1009) * 0.0003,
    'No. ' || (g % 900) || ' Nanjing Road',
    'Case ' || g,
    'A deep pothole by the bus stop, reported as case ' || g || '. Cars swerve around it.',
    '{}', g % 7 = 0,
    now() - make_interval(secs => g * 50) + interval '2 days', g % 13 = 0,
    g % 5, 0, g % 11 / 10,
    CASE WHEN g % 8 IN (4, 5, 6) THEN now() - make_interval(secs => g * 50) + interval '1 day' END,
    CASE WHEN g % 8 IN (5, 6) THEN now() - make_interval(secs => g * 50) + interval '3 days' END,
    g % 1000 = 0, 1, 'app',
    now() - make_interval(secs => g * 50), now() - make_interval(secs => g * 40)
FROM generate_series(1, :count) AS g
"""


def build(url: str, count: int, data_dir: Path) -> float:
    from backend import create_app
    from backend.auth.permissions import OPERATOR
    from backend.config import Config
    from backend.departments import service as department_service
    from backend.extensions import db

    app = create_app(Config(), SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir)
    with app.app_context():
        db.create_all()
        department = department_service.create_department(
            db.session, OPERATOR, {"code": "roads", "name": "Roads"}
        )
        category = department_service.create_category(
            db.session,
            OPERATOR,
            {"code": "pothole", "name": "Pothole", "department": "roads", "sla_hours": 48},
        )
        db.session.commit()
        started = time.perf_counter()
        params = {"category": category.id, "department": department.id, "count": count}
        db.session.execute(text(SEED), params)
        db.session.commit()
        seconds = time.perf_counter() - started
        db.engine.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE cases"))
    engine.dispose()
    return seconds


def memory(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


def download(url: str) -> dict:
    started = time.perf_counter()
    first = None
    size = newlines = 0
    with requests.get(url, stream=True, timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_content(65536):
            if first is None:
                first = time.perf_counter() - started
            size += len(chunk)
            newlines += chunk.count(b"\n")
    return {
        "first": first,
        "total": time.perf_counter() - started,
        "bytes": size,
        "lines": newlines,
    }


def start_server(url: str, data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYLOOP_", "REDIS_"))}
    env.update(
        DATABASE_URL=url,
        CITYLOOP_DATA_DIR=str(data_dir),
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="WARNING",
        RATELIMIT_ENABLED="0",
    )
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=1).ok:
                return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError((data_dir / "server.log").read_text())


def run(url: str, count: int, data_dir: Path) -> None:
    seconds = build(url, count, data_dir)
    print(f"seeded {count:,} cases in {seconds:.1f} s")
    process, base = start_server(url, data_dir)
    try:
        download(f"{base}/api/v1/opendata/cases.csv?category=pothole&q=warmup")  # warm-up
        for kind in ("csv", "geojson"):
            before = memory(process.pid)
            result = download(f"{base}/api/v1/opendata/cases.{kind}")
            after = memory(process.pid)
            growth = (after["VmHWM"] - before["VmRSS"]) / 2**20
            rows = count - count // 1000  # the hidden ones (every 1000th) are left out
            print(
                f"{kind}: first byte {result['first'] * 1000:.0f} ms, "
                f"total {result['total']:.1f} s, "
                f"{rows / result['total']:,.0f} rows/s, {result['bytes'] / 2**20:.0f} MB, "
                f"lines {result['lines']:,}, RSS before {before['VmRSS'] / 2**20:.0f} MB, "
                f"peak growth {growth:.1f} MB"
            )
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--pg-database", default=None)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    with scratch_postgres(args.pg_database) as url, tempfile.TemporaryDirectory() as folder:
        run(url, args.cases, Path(folder))
    print(f"load at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
