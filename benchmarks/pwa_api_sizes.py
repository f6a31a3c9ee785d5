"""Bytes of the API answers the PWA's home screen asks for, plain and gzipped, on the demo city.

Loads the demo (``flask demo``'s data) into a fresh SQLite database in a temporary folder and
asks, through the app's test client, for what the home screen asks on a first visit with the
"open" filter and the default map view on a 390 x 844 phone: the list (20 cases) and the pins
(up to 100), each from ``GET /cases`` and ``GET /cases/pins``.

    .venv/bin/python benchmarks/pwa_api_sizes.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from backend import create_app
from backend.config import TestingConfig
from backend.demo import load_demo
from backend.extensions import db

# The map's area on the home screen at the demo's centre and zoom (390 x 844 phone).
AREA = "bbox=121.45832,31.21860,121.48905,31.24216&status=submitted,accepted,assigned,in_progress"
ASKED = [
    ("list", "/api/v1/cases", 20),
    ("pins, as full cases (before)", "/api/v1/cases", 100),
    ("pins", "/api/v1/cases/pins", 100),
]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cityloop-api-sizes-") as tmp:
        app = create_app(
            TestingConfig(),
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/demo.db",
            DATA_DIR=Path(tmp),
            LOG_LEVEL="WARNING",
        )
        with app.app_context():
            db.create_all()
            load_demo(db.session)
            db.session.commit()
        client = app.test_client()
        print("| answer | items | JSON | gzipped |")
        print("|---|---:|---:|---:|")
        for label, path, per_page in ASKED:
            url = f"{path}?{AREA}&per_page={per_page}"
            plain = client.get(url)
            packed = client.get(url, headers={"Accept-Encoding": "gzip"})
            items = len(plain.get_json()["items"])
            print(
                f"| {label} (`{path}`, per_page {per_page}) | {items} | "
                f"{len(plain.data) / 1024:.1f} KB | {len(packed.data) / 1024:.1f} KB |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
