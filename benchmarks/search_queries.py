"""Latency of ``GET /api/v1/cases?q=...`` with 100,000 cases, on SQLite and PostgreSQL: the
tiered full-text search (migration 0021) against the ranking of migration 0017 and the
ILIKE scan before it, in the same run, interleaved.

Run from the repository root:

    .venv/bin/python benchmarks/search_queries.py [--cases 100000] [--runs 60] [--db both]

The cases are seeded as in ``benchmarks/list_queries.py`` (a scratch SQLite file and a
scratch PostgreSQL database on ``BENCH_POSTGRES_URL``), with descriptions a city would get:
two in three in English, one in three in Chinese, the problems' words roughly Zipf-
distributed (so "pothole" is common and "hydrant" rare). The index is then built with the
migration's batched backfill (timed); on SQLite 0017's table too, for its ranking. Each
query is asked ``--runs`` times through the Flask test client as an anonymous visitor, in
turn the tiered way (the default order with ``q``: relevance), 0017's way (``ts_rank`` or
``bm25``, then newest first, over every match, with the total in the same statement: the
code before 0021, patched in) and the ILIKE way (the code before 0017: a ``%q%`` ILIKE over
title, description, address and reference, newest first), so all meet the same machine
load. Each figure includes routing, the SQL (page and count) and the JSON dump of a 20-item
page; the public cache is off, so that every request is answered from the database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
sys.path.insert(0, str(Path(__file__).resolve().parent))

import importlib.util

import list_queries as base
from sqlalchemy import column, func, literal_column, or_, select, table, text, true

from backend import create_app
from backend.cases import queries, search, totals
from backend.cases.models import Case
from backend.config import TestingConfig
from backend.extensions import db
from benchmarks.common import load_average, machine

# A noun's weight falls with its rank (Zipf): the first is about a fifth of the reports.
NOUNS = [
    "pothole", "streetlight", "bin", "drain", "pavement", "tree", "graffiti", "sign",
    "bench", "kerb", "traffic light", "bus stop", "manhole cover", "fence", "railing",
    "puddle", "crossing", "bollard", "playground", "fountain", "cycle lane", "wall",
    "noise", "parking", "smell", "leak", "flooding", "litter", "hedge", "hydrant",
]  # fmt: skip
STATES = ["broken", "blocked", "missing", "damaged", "overflowing", "flooded", "dark",
          "leaning", "loose", "cracked", "dangerous", "dirty"]  # fmt: skip
PLACES = ["near the school", "outside the station", "on the main road", "by the market",
          "at the corner", "behind the library", "next to the park", "in front of my house",
          "on Nanjing Road", "by the bridge"]  # fmt: skip
FILLER = ["It has been like this for a week.", "Cars swerve around it.", "Please fix it soon.",
          "Children walk here every day.", "It gets worse when it rains.", ""]  # fmt: skip
ZH_THINGS = ["路灯", "井盖", "垃圾桶", "下水道", "红绿灯", "人行道", "树木", "公交站牌",
             "护栏", "消防栓", "座椅", "路面"]  # fmt: skip
ZH_STATES = ["不亮", "丢失", "堵塞", "破损", "倒了", "漏水", "满了", "松动", "坏了"]
ZH_PLACES = ["学校门口", "人民路上", "小区东门", "地铁站出口", "公园旁边", "菜市场附近",
             "十字路口", "医院对面"]  # fmt: skip
ZH_FILLER = ["已经好几天了。", "晚上很危险。", "请尽快处理。", "老人和孩子经常经过这里。", ""]
NOUN_WEIGHTS = [1 / (rank + 1) for rank in range(len(NOUNS))]
ZH_WEIGHTS = [1 / (rank + 1) for rank in range(len(ZH_THINGS))]


def english(rng: random.Random) -> str:
    noun = rng.choices(NOUNS, NOUN_WEIGHTS)[0]
    plural = "s" if rng.random() < 0.3 and not noun.endswith("s") else ""
    return (
        f"{rng.choice(STATES).capitalize()} {noun}{plural} {rng.choice(PLACES)}. "
        f"{rng.choice(FILLER)} {rng.choice(FILLER)}"
    ).strip()


def chinese(rng: random.Random) -> str:
    thing = rng.choices(ZH_THINGS, ZH_WEIGHTS)[0]
    return (
        f"{rng.choice(ZH_PLACES)}的{thing}{rng.choice(ZH_STATES)}，"
        f"{rng.choice(ZH_FILLER)}{rng.choice(ZH_FILLER)}"
    )


_plain_row = base._case_row


def _case_row(rng, case_id, status, reporter, category) -> dict:
    row = _plain_row(rng, case_id, status, reporter, category)
    row["description"] = english(rng) if rng.random() < 2 / 3 else chinese(rng)
    return row


QUERIES = [
    ("English, common: pothole", "pothole"),
    ("English, rare: hydrant", "hydrant"),
    ("English, two words: broken streetlight", "broken streetlight"),
    ("Chinese, common: 路灯", "路灯"),
    ("Chinese, rare: 消防栓", "消防栓"),
    ("Chinese, four characters: 井盖丢失", "井盖丢失"),
    ("mixed: 路灯 school", "路灯 school"),
]


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _ilike_condition(q: str):
    """The search before migration 0017 (backend/cases/queries.py's ``_search``)."""
    pattern = _like(q.strip())
    columns = (Case.title, Case.description, Case.address, Case.reference)
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


# --- the ranking of migration 0017 (the code before 0021) ---------------------------------------

_MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


def _migration_0017():
    spec = importlib.util.spec_from_file_location("m0017", _MIGRATIONS / "0017_case_search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_0017_table(engine) -> None:
    """SQLite: 0017's FTS5 table (rowid = case id, ``filed`` in its content), backfilled."""
    if engine.dialect.name != "sqlite":
        return
    m0017 = _migration_0017()
    with engine.begin() as connection:
        connection.exec_driver_sql(m0017.SQLITE_TABLE)
    m0017.backfill(engine)


FTS_0017 = table("case_search_fts", column("rowid"), column("filed"))


def _ranked_0017(q: str, conditions, hidden, limit: int, offset: int):
    """0017's ``search.ranked_page``: every match ranked, the total beside each row."""
    terms = search.parse(q)
    if db.session.get_bind().dialect.name == "postgresql":
        table = search.pg_table
        query = func.to_tsquery(search.CONFIG, search.tsquery_text(terms))
        rank, case_id, filed = func.ts_rank(table.c.document, query), table.c.case_id, table.c.filed
        matched = table.c.document.op("@@")(query)
    else:
        fts = literal_column("case_search_fts")
        rank = -func.bm25(fts, 4.0, 1.0, 2.0, 4.0)
        case_id, filed = FTS_0017.c.rowid, FTS_0017.c.filed
        matched = fts.op("MATCH")(search.fts_query_text(terms))
    columns = (case_id.label("case_id"), rank.label("rank"), filed.label("filed"))
    hits = select(*columns).where(matched).subquery("hits")
    stmt = select(hits.c.case_id, func.count().over().label("total"))
    if hidden is not None:
        stmt = stmt.where(hits.c.case_id.not_in(hidden))
    order = (hits.c.rank.desc(), hits.c.filed.desc(), hits.c.case_id.desc())
    return stmt.order_by(*order).limit(limit).offset(offset)


def _page_0017(session, viewer, args):
    """0017's ``queries._page_by_relevance``: the page's ids and total in one statement."""
    page, per_page = args["page"], args["per_page"]
    hidden = (
        None if queries.sees_hidden(viewer) else select(Case.id).where(queries._hidden_from(viewer))
    )
    top = session.execute(
        _ranked_0017(args["q"], [], hidden, per_page, (page - 1) * per_page)
    ).all()
    if not top:
        return [], 0, False
    return [case_id for case_id, _total in top], top[0].total, False


@contextmanager
def ranking_0017():
    tiered = queries._page_by_relevance
    queries._page_by_relevance = _page_0017
    try:
        yield
    finally:
        queries._page_by_relevance = tiered


@contextmanager
def ilike_search():
    """Lists search with ILIKE meanwhile (and are asked newest first, the old default)."""
    indexed = search.condition
    search.condition = _ilike_condition
    try:
        yield
    finally:
        search.condition = indexed


def _pg_page_folded(session, terms, conditions, hidden, limit: int, offset: int):
    """The count folded into the page's statement (evaluated, not taken): a query of at
    most ``EXACT_UP_TO`` matches is one statement, a CTE of the capped count that gates
    the page (each tier by GIN and a sort); past that, the page walks as the code does."""
    most = totals.EXACT_UP_TO
    capped = search._pg_visible(terms, conditions, hidden).limit(most + 1).subquery("capped")
    counted = select(func.count().label("n")).select_from(capped).cte("counted")
    within = select(counted.c.n).scalar_subquery() <= most
    page = search._pg_ranked(terms, conditions, hidden, limit, offset, walk=False).where(within)
    page = page.subquery("page")
    stmt = select(counted.c.n, page.c.case_id).select_from(counted.outerjoin(page, true()))
    order = (page.c.tier, page.c.filed.desc(), page.c.case_id.desc())
    rows = session.execute(stmt.order_by(*order)).all()
    total = rows[0].n
    if total <= most:
        return [row.case_id for row in rows if row.case_id is not None], total, False
    walked = search._pg_ranked(terms, conditions, hidden, limit, offset, walk=True)
    ids = list(session.scalars(walked.with_only_columns(walked.selected_columns.case_id)))
    if offset == 0 and len(ids) < limit:  # the page holds every match
        return ids, len(ids), False
    return ids, search._pg_estimate(session, terms, conditions, total), True


@contextmanager
def count_folded():
    """The tiered search with the count folded into the page (PostgreSQL; on SQLite the
    same code as the tiered way: a control there)."""
    apart = search._pg_page
    search._pg_page = _pg_page_folded
    try:
        yield
    finally:
        search._pg_page = apart


@contextmanager
def _nothing():
    yield


WAYS = {"index": _nothing, "folded": count_folded, "0017": ranking_0017, "ilike": ilike_search}
TITLES = {"index": "tiered", "folded": "count folded", "0017": "0017", "ilike": "ILIKE"}


def measure_ways(client, q: str, runs: int, ways) -> dict:
    """The answers for ``q`` of each way (tiered, count folded, 0017's, ILIKE), one after the
    other, ``runs`` times each; with each way's total (and whether the tiered one is an
    estimate)."""
    every = {way: f"/api/v1/cases?q={quote(q)}" for way in WAYS}
    every["ilike"] += "&sort=-created_at"
    paths = {way: every[way] for way in ways}
    times: dict = {way: [] for way in paths}
    totals, estimated = {}, False
    for way, path in paths.items():  # warm up, and note how many cases match
        with WAYS[way]():
            response = client.get(path)
            assert response.status_code == 200, response.get_json()
            totals[way] = response.get_json()["total"]
            estimated = estimated or response.get_json().get("total_estimated", False)
    for _ in range(runs):
        for way, path in paths.items():
            with WAYS[way]():
                start = time.perf_counter()
                response = client.get(path)
                times[way].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
    return {"times": times, "totals": totals, "estimated": estimated}


def run(url: str, label: str, count: int, runs: int, data_dir: Path) -> list[str]:
    ways = CHOSEN_WAYS
    # no public cache: every request is answered from the database (what a new query costs)
    settings = {"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": data_dir, "PUBLIC_CACHE_BYTES": 0}
    app = create_app(TestingConfig(), **settings)
    app.config["RATELIMIT_ENABLED"] = False
    base._case_row = _case_row
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        base.seed(db.session, count)
        seeded = time.perf_counter() - started
        db.session.remove()
        started = time.perf_counter()
        indexed = search.backfill(db.engine)
        backfill = time.perf_counter() - started
        build_0017_table(db.engine)
        _analyze()
    print(
        f"{label}: seeded {count:,} cases in {seeded:.1f} s, indexed {indexed:,} in "
        f"{backfill:.1f} s (batched backfill); load average {load_average()}",
        flush=True,
    )
    client = app.test_client()
    lines = []
    for name, q in QUERIES:
        result = measure_ways(client, q, runs, ways)
        totals, estimate = result["totals"], " (estimate)" if result["estimated"] else ""
        figures = " | ".join(
            f"{statistics.median(times):.1f} | {base.percentile(times, 0.99):.1f}"
            for times in result["times"].values()
        )
        counts = " | ".join(f"{totals[way]:,}" for way in ways if way != "index")
        lines.append(f"| {label} | {name} | {totals['index']:,}{estimate} | {counts} | {figures} |")
        print(lines[-1], flush=True)
    with app.app_context():
        for name, q in QUERIES:
            times = measure_statements(q, runs, ways)
            figures = " | ".join(
                f"{statistics.median(way):.1f} | {base.percentile(way, 0.99):.1f}"
                for way in times.values()
            )
            STATEMENT_LINES.append(f"| {label} | {name} | {figures} |")
            print(STATEMENT_LINES[-1], flush=True)
        db.engine.dispose()
    return lines


STATEMENT_LINES: list[str] = []  # the second table: the search's statements alone
CHOSEN_WAYS = list(WAYS)  # --ways


def measure_statements(q: str, runs: int, chosen) -> dict:
    """The search alone, as for an anonymous visitor's first page (its ids and total, no
    cases loaded, no HTTP): the tiered way, with the count folded and 0017's, in turn,
    ``runs`` times each."""
    hidden = select(Case.id).where(Case.hidden == True)  # noqa: E712

    def tiered():
        search.relevant_page(db.session, q, [], hidden, 20, 0)

    def folded():
        with count_folded():
            tiered()

    every = {
        "index": tiered,
        "folded": folded,
        "0017": lambda: db.session.execute(_ranked_0017(q, [], hidden, 20, 0)).all(),
    }
    ways = {way: every[way] for way in chosen if way in every}
    times: dict = {way: [] for way in ways}
    for ask in ways.values():  # warm up
        ask()
        db.session.rollback()
    for _ in range(runs):
        for way, ask in ways.items():
            start = time.perf_counter()
            ask()
            times[way].append((time.perf_counter() - start) * 1000)
            db.session.rollback()
    return times


def _analyze() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60, help="timed requests per query and way")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--pg-database", help="name of the scratch PostgreSQL database (must not exist)"
    )
    parser.add_argument(
        "--ways",
        default=",".join(WAYS),
        help=f"comma list of the ways to time, of {','.join(WAYS)} (index always)",
    )
    args = parser.parse_args()
    global CHOSEN_WAYS
    CHOSEN_WAYS = ["index", *(w for w in WAYS if w != "index" and w in args.ways.split(","))]
    base.run = run  # with_postgres() calls run(): this module's
    print(f"machine: {machine()}")
    print(f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_average()}")
    lines = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if args.db in ("sqlite", "both"):
            url = f"sqlite:///{folder / 'bench.db'}"
            lines += run(url, "SQLite", args.cases, args.runs, folder / "sqlite")
        if args.db in ("postgresql", "both"):
            lines += base.with_postgres(
                args.cases, args.runs, folder / "postgresql", args.pg_database
            )
    print(f"finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_average()}")
    print()
    others = [TITLES[way] for way in CHOSEN_WAYS[1:]]
    times = " | ".join(f"{TITLES[way]} p50 ms | p99 ms" for way in CHOSEN_WAYS)
    print(
        f"| database | query | matches | {' | '.join(f'{o} matches' for o in others)} | {times} |"
    )
    print("|---|---|" + "---:|" * (len(CHOSEN_WAYS) * 3))
    print("\n".join(lines))
    print()
    sql_ways = [way for way in CHOSEN_WAYS if way != "ilike"]
    print(
        "| database | query | "
        + " | ".join(f"{TITLES[way]} SQL p50 ms | p99 ms" for way in sql_ways)
        + " |"
    )
    print("|---|---|" + "---:|" * (len(sql_ways) * 2))
    print("\n".join(STATEMENT_LINES))


if __name__ == "__main__":
    main()
