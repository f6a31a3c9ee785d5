"""CityLoop's hot requests against the bare-Flask ceiling, served alike, timed with wrk in turn.

Run from the repository root (PostgreSQL on ``BENCH_POSTGRES_URL``; wrk from Debian, installed
when missing):

    .venv/bin/python benchmarks/http_ceiling.py [--cases 100000] [--duration 20] [--rounds 2]
        [--variants cached,cached+redis,uncached] [--no-writes] [--processes 2]

It seeds a scratch PostgreSQL database with ``--cases`` cases (benchmarks/list_queries.py's
seeder), starts CityLoop with ``scripts/serve-production`` (one gevent process, production
settings, rate limits off) and ``benchmarks/ceiling_app.py`` with the same gunicorn flags, saves
CityLoop's answer to each request so the ceiling sends the very same bytes, then runs wrk on
the ceiling and on CityLoop in turn (A B A B ...; with several ``--variants``, each CityLoop
server after the ceiling: its public answer cache in-process, its version in Redis on
``BENCH_REDIS_URL``, or off) for each request, and prints requests per
second, p50 and p99, timeouts and the ratio CityLoop / ceiling with the load average. For
``POST /api/v1/cases`` the ceiling validates a JSON body and inserts one row with SQLAlchemy.

With ``--processes N`` (N > 1) each side runs N gunicorn processes behind its own nginx, with
the config ``deploy/nginx/render.py`` makes for ``scripts/run-scaled``: CityLoop as
``serve-production`` runs N processes (so with its version in Redis, ``BENCH_REDIS_URL``, for
every variant), the ceiling as N copies of itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import list_queries  # noqa: E402  (the seeder of the sibling benchmark)

from backend import create_app  # noqa: E402
from backend.cases.models import Case  # noqa: E402
from backend.config import TestingConfig  # noqa: E402
from backend.demo import CENTRE  # noqa: E402
from backend.extensions import db  # noqa: E402
from benchmarks.common import Server, free_port, load_average, scratch_postgres  # noqa: E402

# scripts/serve-production's gunicorn flags; checked against the script at start.
GUNICORN_FLAGS = [
    "--worker-class",
    "gevent",
    "--workers",
    "1",
    "--worker-connections",
    "10000",
    "--no-control-socket",
    "--graceful-timeout",
    "30",
    "--timeout",
    "60",
    "--forwarded-allow-ips",
    "127.0.0.1",
    "--access-logfile",
    "-",
    "--error-logfile",
    "-",
]
POST_BODY = {
    "title": "Pothole by the bus stop",
    "description": "About 30 cm wide, deep enough to trip a cyclist.",
    "category": "pothole",
    "lat": CENTRE[0] + 0.001,
    "lon": CENTRE[1] + 0.001,
    "answers": {"size": "medium"},  # the demo's pothole asks it (the ceiling ignores it)
}


def check_flags() -> None:
    script = (ROOT / "scripts/serve-production").read_text()
    missing = [flag for flag in GUNICORN_FLAGS if flag.startswith("--") and flag not in script]
    if missing:
        sys.exit(f"scripts/serve-production no longer passes {missing}: update GUNICORN_FLAGS")


def _lib(step: str) -> None:
    """A step of scripts/lib.sh (which installs Debian's packages where it can)."""
    subprocess.run(["bash", "-c", f"source scripts/lib.sh && {step}"], cwd=ROOT, check=True)


def ensure_wrk() -> str:
    if not shutil.which("wrk"):
        _lib("debian_install 'wrk for benchmarks' wrk")
    return shutil.which("wrk") or sys.exit("wrk is not installed")


# --- the database -----------------------------------------------------------------------------


def seed_database(url: str, count: int, data_dir: Path) -> dict:
    """Tables, demo city and ``count`` cases; returns a resident's token and a case id."""
    app = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        seeded = list_queries.seed(db.session, count)
        print(f"seeded {count:,} cases in {time.perf_counter() - started:.0f} s", flush=True)
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
        token = list_queries._headers(seeded)["resident"]["Authorization"]
        case_id = db.session.scalar(select(Case.id).order_by(Case.created_at.desc()).limit(1))
        db.session.remove()
        db.engine.dispose()
    return {"authorization": token, "case_id": case_id}


def requests_to_time(seeded: dict) -> list[tuple[str, str]]:
    """(name, path) of the reads a phone sends most."""
    lat, lon = CENTRE
    bbox = f"{lon - 0.01:.5f},{lat - 0.009:.5f},{lon + 0.01:.5f},{lat + 0.009:.5f}"
    open_statuses = "submitted,accepted,assigned,in_progress,resolved"
    return [
        ("list", "/api/v1/cases?per_page=20"),
        ("case", f"/api/v1/cases/{seeded['case_id']}"),
        ("home-list", f"/api/v1/cases?bbox={bbox}&status={open_statuses}&per_page=20"),
        ("pins", f"/api/v1/cases/pins?bbox={bbox}&status={open_statuses}"),
    ]


# --- the servers ------------------------------------------------------------------------------


def _base_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith(("CITYLOOP_", "REDIS_"))}


# CityLoop as served, with its copies of anonymous answers (in-process, or the version in
# Redis), and without them (every read made from the database).
VARIANTS = {
    "cached": {},
    "cached+redis": {"REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")},
    "uncached": {"CITYLOOP_PUBLIC_CACHE_BYTES": "0"},
}


def start_cityloop(url: str, folder: Path, variant: str, ports: list[int]) -> Server:
    several = {"REDIS_URL": VARIANTS["cached+redis"]["REDIS_URL"]} if len(ports) > 1 else {}
    env = (
        _base_env()
        | VARIANTS[variant]
        | several
        | {
            "DATABASE_URL": url,
            "CITYLOOP_PORTS": " ".join(map(str, ports)),
            "CITYLOOP_MIGRATE": "0",
            "CITYLOOP_DATA_DIR": str(folder / "data"),
            "SECRET_KEY": secrets.token_hex(32),
            "CITYLOOP_PUBLIC_URL": "https://bench.example",
            "CITYLOOP_ALLOWED_ORIGINS": "https://bench.example",
            "RATELIMIT_ENABLED": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    log = folder / f"cityloop-{variant}.log"
    return Server(f"CityLoop ({variant})", ["scripts/serve-production"], env, ports[0], log)


def start_ceiling(url: str, folder: Path, port: int) -> Server:
    env = _base_env() | {"DATABASE_URL": url, "CEILING_BODIES": str(folder / "bodies")}
    command = [str(ROOT / ".venv/bin/gunicorn"), *GUNICORN_FLAGS]
    command += ["--bind", f"127.0.0.1:{port}", "benchmarks.ceiling_app:app"]
    return Server("ceiling", command, env, port, folder / f"ceiling-{port}.log")


def start_nginx(name: str, ports: list[int], folder: Path) -> Server:
    """nginx in front of ``ports``, configured as ``scripts/run-scaled`` configures it."""
    run_dir = folder / f"nginx-{name}"
    run_dir.mkdir()
    listen = free_port()
    config = subprocess.run(
        [sys.executable, "deploy/nginx/render.py", "--listen", str(listen),
         "--ports", ",".join(map(str, ports)), "--run-dir", str(run_dir)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    (run_dir / "nginx.conf").write_text(config)
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    command = [binary, "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", "nginx.conf"]
    return Server(f"nginx ({name})", command, os.environ.copy(), listen, run_dir / "nginx.log")


class Servers:
    """The processes started for the run, stopped in reverse order."""

    def __init__(self, args: argparse.Namespace, url: str, folder: Path) -> None:
        self.args, self.url, self.folder = args, url, folder
        self.started: list[Server] = []

    def _start(self, server: Server) -> Server:
        self.started.append(server)
        return server

    def _fronted(self, name: str, ports: list[int]) -> Server:
        if self.args.processes == 1:
            return self.started[-1]
        return self._start(start_nginx(name, ports, self.folder))

    def cityloop(self, variant: str) -> Server:
        ports = [free_port() for _ in range(self.args.processes)]
        self._start(start_cityloop(self.url, self.folder, variant, ports))
        return self._fronted(variant, ports)

    def ceiling(self) -> Server:
        ports = [free_port() for _ in range(self.args.processes)]
        for port in ports:
            self._start(start_ceiling(self.url, self.folder, port))
        return self._fronted("ceiling", ports)

    def stop(self) -> None:
        for server in reversed(self.started):
            server.stop()


def save_bodies(cityloop: Server, reads: list, folder: Path) -> dict:
    """CityLoop's answer to each read, for the ceiling to send; their sizes."""
    (folder / "bodies").mkdir()
    sizes = {}
    for name, path in reads:
        answer = requests.get(cityloop.url + path, timeout=30)
        answer.raise_for_status()
        (folder / "bodies" / f"{name}.json").write_bytes(answer.content)
        sizes[name] = len(answer.content)
    return sizes


# --- wrk --------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNITS[unit]


def wrk(binary: str, url: str, args: argparse.Namespace, connections: int, script=None) -> dict:
    command = [binary, "-t", "2", "-c", str(connections), "-d", f"{args.duration}s", "--latency"]
    command += ["--timeout", "5s"] + (["-s", str(script)] if script else []) + [url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s*(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    if len(latency) != 2:
        sys.exit(f"wrk answered no latency for {url}:\n{output}")
    timeouts = re.search(r"timeout (\d+)", output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
        "errors": int(bad.group(1)) if bad else 0,
    }


def lua_script(folder: Path, name: str, method: str, body: dict | None, headers: dict) -> Path:
    lines = [f'wrk.method = "{method}"']
    for key, value in headers.items():
        lines.append(f"wrk.headers[{json.dumps(key)}] = {json.dumps(value)}")
    if body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f"wrk.body = {json.dumps(json.dumps(body))}")
    path = folder / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def compare(binary, name, ceiling_url, targets: dict, args, connections, scripts) -> list[str]:
    """For each round: the ceiling, then each CityLoop variant (``targets``: name -> URL)."""
    lines = []
    for round_ in range(1, args.rounds + 1):
        bare = wrk(binary, ceiling_url, args, connections, scripts[0])
        for variant, cityloop_url in targets.items():
            ours = wrk(binary, cityloop_url, args, connections, scripts[1])
            ratio = ours["rps"] / bare["rps"] if bare["rps"] else 0.0
            lines.append(
                f"| {name}, {variant} | {round_} | {bare['rps']:,.0f} "
                f"| {bare['p50']:.1f} / {bare['p99']:.1f} "
                f"| {ours['rps']:,.0f} | {ours['p50']:.1f} / {ours['p99']:.1f} "
                f"| {ours['timeouts']} / {ours['errors']} | {ratio:.3f} | {load_average()} |"
            )
            print(lines[-1], flush=True)
    return lines


def run(args: argparse.Namespace, url: str, folder: Path) -> list[str]:
    binary = ensure_wrk()
    seeded = seed_database(url, args.cases, folder / "seed")
    reads = requests_to_time(seeded)
    started = Servers(args, url, folder)
    try:
        servers = {variant: started.cityloop(variant) for variant in args.variants}
        first = servers[args.variants[0]]
        headers = {"Authorization": seeded["authorization"]}
        sizes = save_bodies(first, reads, folder)
        ceiling = started.ceiling()
        print(f"bodies: {sizes}; load average {load_average()}", flush=True)
        lines = []
        for name, path in reads:
            targets = {variant: servers[variant].url + path for variant in args.variants}
            lines += compare(
                binary, f"GET {name} ({sizes[name]:,} B)", f"{ceiling.url}/page/{name}",
                targets, args, args.connections, (None, None),
            )  # fmt: skip
        if args.writes:
            scripts = (
                lua_script(folder, "bare-post", "POST", POST_BODY, {}),
                lua_script(folder, "post", "POST", POST_BODY, headers),
            )
            lines += compare(
                binary, "POST /api/v1/cases (JSON)", f"{ceiling.url}/insert",
                {args.variants[0]: f"{first.url}/api/v1/cases"}, args, args.write_connections,
                scripts,
            )  # fmt: skip
        return lines
    finally:
        started.stop()


def with_database(args: argparse.Namespace) -> list[str]:
    scratch_db = scratch_postgres(args.pg_database, prefix="cityloop_ceiling")
    with scratch_db as url, tempfile.TemporaryDirectory() as scratch:
        return run(args, url, Path(scratch))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="A B pairs per request")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--write-connections", type=int, default=10)
    parser.add_argument("--pg-database", help="name of the scratch database (must not exist)")
    parser.add_argument(
        "--variants",
        type=lambda value: value.split(","),
        default=list(VARIANTS),
        help=f"CityLoop servers to time, comma-separated, of {', '.join(VARIANTS)}",
    )
    parser.add_argument("--no-writes", dest="writes", action="store_false", help="reads only")
    parser.add_argument(
        "--processes", type=int, default=1, help="gunicorn processes per side (>1: behind nginx)"
    )
    args = parser.parse_args()
    if args.processes > 1:
        _lib("ensure_nginx")
    check_flags()
    print(f"machine: {list_queries.machine()}; load average {load_average()}", flush=True)
    lines = with_database(args)
    print()
    print(
        "| request | round | ceiling req/s | ceiling p50 / p99 ms | CityLoop req/s "
        "| CityLoop p50 / p99 ms | timeouts / non-2xx | ratio | load average |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
