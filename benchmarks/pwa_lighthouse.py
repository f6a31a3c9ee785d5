"""Lighthouse 12 (mobile) on the PWA's main screens, with Debian's Chromium.

Starts CityLoop as deployed (``python wsgi.py``, its own SQLite database in a temporary folder,
migrated, the demo city loaded, map tiles off; ``--cases N`` files more reports through the
API), then runs, for each screen:

    CHROME_PATH=/usr/bin/chromium npx --yes lighthouse@12 URL \\
      --only-categories=performance,accessibility,best-practices --form-factor=mobile \\
      --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \\
                      --disable-background-networking" --output=json

Lighthouse's default mobile settings apply (Moto G Power-sized screen, simulated slow 4G and a
4x CPU slowdown). Prints each category's score and, for any score under 90, the audits that
cost points. ``--keep DIR`` keeps the JSON reports.

    .venv/bin/python benchmarks/pwa_lighthouse.py [--runs 1] [--screens home,report,case,proposals]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.pwa_size import file_cases, machine
from tests.browser.support import CHROMIUM, start_server

CATEGORIES = ["performance", "accessibility", "best-practices"]
FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
FLAGS += " --disable-background-networking"
LIGHTHOUSE = os.environ.get("LIGHTHOUSE", "lighthouse@12")
METRICS = [
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
    ("speed-index", "SI"),
]


def lighthouse(url: str, out: Path, cpu_slowdown: float | None = None) -> dict:
    command = [
        "npx",
        "--yes",
        LIGHTHOUSE,
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--form-factor=mobile",
        f"--chrome-flags={FLAGS}",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
    ]
    if cpu_slowdown is not None:
        command.append(f"--throttling.cpuSlowdownMultiplier={cpu_slowdown:g}")
    env = os.environ | {"CHROME_PATH": str(CHROMIUM)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(out.read_text())


def costly_audits(report: dict, category: str) -> list[str]:
    """The audits of a category that scored under 1, heaviest first."""
    refs = report["categories"][category]["auditRefs"]
    lines = []
    for ref in sorted(refs, key=lambda r: -r["weight"]):
        audit = report["audits"][ref["id"]]
        if (
            audit["score"] is None
            or audit["score"] >= 1
            or audit["scoreDisplayMode"]
            in {
                "notApplicable",
                "informative",
                "manual",
            }
        ):
            continue
        shown = audit.get("displayValue", "")
        lines.append(f"{ref['id']} (weight {ref['weight']}, score {audit['score']}) {shown}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per screen (median shown)")
    parser.add_argument("--cases", type=int, default=0, help="reports to file on top of the demo")
    parser.add_argument("--screens", default="home,report,case,proposals")
    parser.add_argument("--keep", type=Path, help="folder to keep the JSON reports in")
    parser.add_argument(
        "--cpu-slowdown",
        type=float,
        help="CPU slowdown (Lighthouse default 4); lower on a slow host (see benchmarkIndex)",
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out

    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="cityloop-lighthouse-") as tmp:
        server = start_server(Path(tmp) / "data", f"sqlite:///{tmp}/bench.db", demo=True)
        try:
            file_cases(server, args.cases)
            case = server.public.ok("GET", "/cases", params={"per_page": 1})["items"][0]
            paths = {
                "home": "/",
                "report": "/report",
                "case": f"/cases/{case['id']}",
                "proposals": "/proposals",
            }
            for screen in args.screens.split(","):
                for run in range(args.runs):
                    out = (args.keep or Path(tmp)) / f"{screen}-{run}.json"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    results.setdefault(screen, []).append(
                        lighthouse(server.url + paths[screen], out, args.cpu_slowdown)
                    )
        finally:
            server.process.stop()

    first = next(iter(results.values()))[0]
    print(f"Machine: {machine()}")
    print(f"Lighthouse {first['lighthouseVersion']}, {first['environment']['hostUserAgent']}")
    settings = first["configSettings"]
    indexes = [r["environment"]["benchmarkIndex"] for rs in results.values() for r in rs]
    print(
        f"Settings: {settings['formFactor']}, {settings['throttlingMethod']} throttling, "
        f"CPU slowdown {settings['throttling']['cpuSlowdownMultiplier']}x, "
        f"host benchmarkIndex {min(indexes):.0f}-{max(indexes):.0f}"
    )
    print("| screen | " + " | ".join(CATEGORIES) + " | " + " | ".join(m for _, m in METRICS) + " |")
    print("|---|" + "---:|" * (len(CATEGORIES) + len(METRICS)))
    below = []
    for screen, reports in results.items():
        scores = [
            round(statistics.median(r["categories"][c]["score"] * 100 for r in reports))
            for c in CATEGORIES
        ]
        metrics = [
            f"{statistics.median(r['audits'][key]['numericValue'] for r in reports):.0f}"
            if key != "cumulative-layout-shift"
            else f"{statistics.median(r['audits'][key]['numericValue'] for r in reports):.3f}"
            for key, _ in METRICS
        ]
        print(f"| {screen} | " + " | ".join(map(str, scores)) + " | " + " | ".join(metrics) + " |")
        for category, score in zip(CATEGORIES, scores, strict=True):
            if score < 90:
                below.append((screen, category, costly_audits(reports[0], category)))
    print("(times in ms; scores are medians of the runs)")
    for screen, category, audits in below:
        print(f"{screen} {category} under 90:\n  " + "\n  ".join(audits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
