"""What one ``subscribe`` to ``case:<id>`` costs the server: SQL statements and time.

Run from the repository root:

    .venv/bin/python benchmarks/live_subscribe.py            # 2,000 subscribes per viewer
    .venv/bin/python benchmarks/live_subscribe.py --repeat 5000

It builds a throwaway city (SQLite in a temporary folder) with one case carrying five photo
rows and a co-handling task, then asks the room registry (``backend.live.rooms.resolve``,
what the socket handler calls) to let a resident, the lead department's staff and a
co-handling department's staff join ``case:<id>``, each time in a fresh app context (as
every socket event gets), without ``since``. Network and Socket.IO framing are left out:
this is the access check alone.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from sqlalchemy import event  # noqa: E402

PASSWORD = "bench-pass-phrase-1"


def build(data_dir: Path):
    from backend import create_app
    from backend.auth import service as auth_service
    from backend.cases import service as case_service
    from backend.cases.models import CasePhoto, CaseTask
    from backend.config import Config
    from backend.departments import service as department_service
    from backend.extensions import db

    url = f"sqlite:///{data_dir / 'bench.db'}"
    app = create_app(Config(), SQLALCHEMY_DATABASE_URI=url, DATA_DIR=data_dir)
    with app.app_context():
        db.create_all()

        def person(role: str, departments: tuple[str, ...] = ()):
            return auth_service.create_user(
                db.session,
                email=f"{role}{len(departments)}{departments}@bench.example".replace(" ", ""),
                password=PASSWORD,
                display_name=role.title(),
                role=role,
                departments=list(departments),
            )

        admin = person("admin")
        departments = {}
        for code in ("roads", "water"):
            departments[code] = department_service.create_department(
                db.session, admin, {"code": code, "name": code.title()}
            )
        category = {"code": "pothole", "name": "Pothole", "department": "roads", "sla_hours": 48}
        department_service.create_category(db.session, admin, {**category, "attributes": []})
        people = {
            "resident": person("resident"),
            "lead staff": person("staff", ("roads",)),
            "co-handling staff": person("staff", ("water",)),
        }
        data = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Bench"}
        case = case_service.create_case(db.session, people["resident"], data)
        for i in range(5):
            db.session.add(CasePhoto(case_id=case.id, key=f"p{i}.webp", thumb_key=f"t{i}.webp",
                                     width=1600, height=1200))  # fmt: skip
        db.session.add(CaseTask(case_id=case.id, department_id=departments["water"].id,
                                requested_by_id=admin.id))  # fmt: skip
        db.session.commit()
        return app, case.id, {role: user.id for role, user in people.items()}


def measure(app, case_id: int, user_id: int, repeat: int) -> tuple[float, float, list[str]]:
    from backend.auth.models import User
    from backend.extensions import db
    from backend.live import rooms

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    timings = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(repeat):
            with app.app_context():  # what every socket event gets: fresh g and session
                user = db.session.get(User, user_id)  # the socket's account, loaded apart
                statements.clear()
                started = time.perf_counter()
                subscription = rooms.resolve(user, f"case:{case_id}", None)
                timings.append(time.perf_counter() - started)
                db.session.remove()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert subscription.room == f"case:{case_id}"
    return (
        statistics.median(timings) * 1e6,
        statistics.quantiles(timings, n=100)[98] * 1e6,
        (statements),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cityloop-subscribe-") as folder:
        app, case_id, people = build(Path(folder))
        for role, user_id in people.items():
            p50, p99, statements = measure(app, case_id, user_id, args.repeat)
            print(f"{role:>18}: p50 {p50:6.0f} µs  p99 {p99:6.0f} µs  "
                  f"{len(statements)} statements")  # fmt: skip
            for statement in statements:
                print(f"{'':>20}{statement[:150]}")


if __name__ == "__main__":
    main()
