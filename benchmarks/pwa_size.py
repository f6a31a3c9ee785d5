"""First-load transfer size of the PWA's home screen, measured in a real browser.

Starts CityLoop as deployed (``python wsgi.py``, its own SQLite database in a temporary folder,
migrated, the demo city loaded: a few hundred cases around the map's centre; map tiles off),
optionally files ``--cases`` more reports through the API, then opens the home screen in Debian's
Chromium (Playwright, a phone-sized viewport, an empty cache) as a first-time visitor.

Every response the page receives is counted with its encoded (compressed) body size and its
header size, as Chromium reports them (``Request.sizes()``: what went over the wire). Photos
(``/media/``) and map tiles are left out, as the budget says; there are no tiles here anyway.

Three figures per run:
- until ``load``: what the first paint needs;
- until the network is idle: adds what the home screen loads right after (the map code, the
  API answers for the list and the pins); this is the number held against the 150 KB budget;
- the service worker's precache, fetched in the background after that (the whole build, so
  that later screens and offline use need no network); reported apart, not in the budget.

    .venv/bin/python benchmarks/pwa_size.py [--runs 3] [--cases N] [--check]
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from playwright.sync_api import sync_playwright

from benchmarks.common import cpu_model
from tests.browser.support import CENTRE, CHROMIUM, start_server

BUDGET = 150 * 1024
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-US",
}
LEFT_OUT = ("/media/", "/uploads/")


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def file_cases(server, count: int) -> None:
    """Reports spread over the default map view (about 3 x 3 km), in the seeded categories."""
    categories = ["pothole", "streetlight", "litter"]
    side = max(1, int(count**0.5))
    for n in range(count):
        server.reporter.ok(
            "POST",
            "/cases",
            expect=201,
            json={
                "category": categories[n % 3],
                "lat": round(CENTRE[0] - 0.012 + 0.024 * (n % side) / side, 6),
                "lon": round(CENTRE[1] - 0.012 + 0.024 * (n // side) / side, 6),
                "description": f"Benchmark report {n}: a problem somebody saw on the way to work",
                "address": f"{n + 1} Benchmark Road",
                **({"answers": {"size": "small"}} if n % 3 == 0 else {}),
            },
        )


def measure(browser, url: str, *, service_workers: bool) -> dict:
    """One first visit in a fresh profile; sizes in bytes, by phase and by kind."""
    context = browser.new_context(**PHONE, service_workers="allow" if service_workers else "block")
    finished = []
    context.on("requestfinished", lambda request: finished.append((time.monotonic(), request)))
    page = context.new_page()
    page.goto(url, wait_until="load")
    loaded_at = time.monotonic()
    page.wait_for_load_state("networkidle")
    page.wait_for_selector('[data-testid="case-card"]')
    idle_at = time.monotonic()
    if service_workers:
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.wait_for_load_state("networkidle")
    rows = []
    for at, request in finished:
        if any(part in request.url for part in LEFT_OUT):
            continue
        sizes = request.sizes()
        response = request.response()
        gzipped = sizes["responseBodySize"]
        if response and not response.headers.get("content-encoding") and response.status == 200:
            gzipped = len(gzip.compress(response.body(), 6))  # what gzip on the server would send
        rows.append(
            {
                "gzipped": gzipped,
                "url": request.url.removeprefix(url.rstrip("/")),
                "kind": request.resource_type,
                "worker": request.service_worker is not None,
                "body": sizes["responseBodySize"],
                "headers": sizes["responseHeadersSize"],
                "phase": "load" if at <= loaded_at else "idle" if at <= idle_at else "after",
            }
        )
    context.close()
    page_rows = [r for r in rows if not r["worker"]]
    worker_rows = [r for r in rows if r["worker"]]

    def total(selected, body_only=False):
        return sum(r["body"] + (0 if body_only else r["headers"]) for r in selected)

    return {
        "rows": rows,
        "load": total([r for r in page_rows if r["phase"] == "load"]),
        "idle": total([r for r in page_rows if r["phase"] in {"load", "idle"}]),
        "idle_bodies": total([r for r in page_rows if r["phase"] in {"load", "idle"}], True),
        "idle_gzipped": sum(
            r["gzipped"] + r["headers"] for r in page_rows if r["phase"] in {"load", "idle"}
        ),
        "precache": total(worker_rows),
        "requests": len([r for r in page_rows if r["phase"] in {"load", "idle"}]),
    }


def machine() -> str:
    cpu = cpu_model()
    chromium = subprocess.run(
        [str(CHROMIUM), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {chromium}, "
        f"load average {load:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=0, help="reports to file on top of the demo")
    parser.add_argument("--check", action="store_true", help="exit 1 over the budget")
    parser.add_argument("--verbose", action="store_true", help="list every response")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out

    with tempfile.TemporaryDirectory(prefix="cityloop-pwa-size-") as tmp:
        server = start_server(Path(tmp) / "data", f"sqlite:///{tmp}/bench.db", demo=True)
        try:
            file_cases(server, args.cases)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=ARGS
                )
                runs = [
                    measure(browser, server.url + "/", service_workers=True)
                    for _ in range(args.runs)
                ]
                browser.close()
        finally:
            server.process.stop()

    print(f"Machine: {machine()}")
    print(f"Home screen, first visit, demo city + {args.cases} cases ({args.runs} runs):")
    for key, label in [
        ("load", "until the load event"),
        ("idle", "until the network is idle (the budget's figure)"),
        ("idle_bodies", "  of which response bodies"),
        ("idle_gzipped", "  the same if the server gzipped its JSON too"),
        ("precache", "service worker precache, afterwards"),
    ]:
        values = [r[key] for r in runs]
        print(
            f"  {label:50} median {kb(statistics.median(values)):>10}  "
            f"(min {kb(min(values))}, max {kb(max(values))})"
        )
    print(f"  requests until idle: {runs[0]['requests']}")
    by_kind: dict[str, int] = {}
    for row in runs[0]["rows"]:
        if not row["worker"] and row["phase"] != "after":
            by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["body"] + row["headers"]
    print(
        "  by kind (first run, until idle): "
        + ", ".join(
            f"{kind} {kb(size)}" for kind, size in sorted(by_kind.items(), key=lambda i: -i[1])
        )
    )
    if args.verbose:
        for row in runs[0]["rows"]:
            where = "worker" if row["worker"] else row["phase"]
            print(f"    {where:6} {row['kind']:10} {kb(row['body']):>10} {row['url'][:90]}")
    median = statistics.median(r["idle"] for r in runs)
    print(f"Budget {kb(BUDGET)}: {'within' if median <= BUDGET else 'OVER'}")
    return 1 if args.check and median > BUDGET else 0


if __name__ == "__main__":
    sys.exit(main())
