"""Full-text search of cases (``q=``): a PostgreSQL ``tsvector`` with a GIN index, or an
SQLite FTS5 table, over a case's title, description, address, reference and id.

Chinese has no spaces between words, and neither database's own tokenizer splits it (both
would index a whole sentence as one word). So the text is split here, in Python, the same
way for both databases: folded (NFKC, case-folded, accents dropped outside Chinese and
Japanese), cut into runs of letters and digits, and each run of Chinese or Japanese
characters into overlapping bigrams ("路灯坏了" -> 路灯 灯坏 坏了, and the last character
alone, 了, so that a one-character query can match as a prefix of some token). A query's
run of two or more such characters is the phrase of its bigrams (adjacent), so "路灯"
finds "大路灯坏了" and "灯坏了" does not find "灯很坏". Bigrams need no dictionary, never
miss a word a segmenter would cut differently, and cost about one token per character.

The space-separated tokens then go to each database's English tokenizer, which stems the
Latin words ("potholes" and "pothole" both become "pothol"): PostgreSQL's ``english``
configuration (Snowball) and FTS5's ``porter unicode61``. Bigrams pass through both as
they are. Every query term is AND-ed; a word typed with a trailing ``*`` matches as a
prefix ("poth*" finds "Potholes"; ``*`` anywhere else means nothing). A reference typed
in any spelling ("rd 2412 42") is matched through its canonical form. What a query can
hold is only these tokens, quoted by this module: no user text ever reaches either
database's query syntax.

The index rows are written with the cases, when the transaction that filed a case or
changed its title, description or address (by the ORM or a bulk ``UPDATE cases``)
commits (:mod:`backend.cases.derived`), and leave with them (PostgreSQL: ``ON DELETE
CASCADE``; SQLite: a trigger). Hiding needs nothing: the list's visibility rules read
``cases.hidden``. Rows written past the ORM (another program, or the version before
migration 0017 while it ran) are caught up by :func:`index_missing`, which the periodic sweep runs
(``backend.cases.registrations``).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    DDL,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    bindparam,
    delete,
    event,
    exists,
    func,
    inspect,
    literal_column,
    select,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from backend.cases import derived, references
from backend.cases.models import Case
from backend.db import utcnow
from backend.extensions import db

log = logging.getLogger(__name__)

# Han (with extension A, compatibility and the supplementary planes), hiragana, katakana.
_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUNS = re.compile(rf"([{_CJK}]+)|((?:(?![{_CJK}])[^\W_])+)")
_NOT_CJK = re.compile(rf"[^{_CJK}]+")
_ALL_CJK = re.compile(rf"[{_CJK}]+")
MAX_TOKENS = 64  # of a query; the rest is ignored (a 2,000-character query still works)
MAX_TOKEN_CHARS = 100  # longer ones are cut (they match nothing then, as no word is so long)
PREFIX_MIN = 2  # "a*" would match as the start of nearly every word: it matches whole

TEXT_COLUMNS = ("title", "description", "address")  # and the reference, which never changes
CONFIG = literal_column("'english'")  # the PostgreSQL text search configuration

# Neither table is in the models' metadata: SQLite's is a virtual table, PostgreSQL's has a
# type SQLite lacks. They are created with the models (``_create``) and by migration 0017.
_metadata = MetaData()
pg_table = Table(
    "case_search",
    _metadata,
    Column("case_id", Integer, primary_key=True),
    Column("document", TSVECTOR, nullable=False),
    Column("filed", Integer, nullable=False),
)
fts_table = Table(
    "case_search_fts",
    _metadata,
    Column("rowid", Integer, primary_key=True),
    *(Column(name, Text) for name in (*TEXT_COLUMNS, "reference")),
    Column("filed", Integer),
)
# bm25 weights of title, description, address and reference+id on SQLite; on PostgreSQL the
# same order of importance: setweight A, C, B, A (ts_rank's 1.0, 0.2, 0.4, 1.0).
FTS_WEIGHTS = (4.0, 1.0, 2.0, 4.0)
# The tables (and SQLite's shadow tables) that Alembic's comparison leaves alone.
TABLES = frozenset(
    {"case_search", "case_search_fts"}
    | {f"case_search_fts_{part}" for part in ("data", "idx", "content", "docsize", "config")}
)


def not_search_table(name, type_, _parent_names) -> bool:
    """Alembic ``include_name``: compare everything but these tables."""
    return not (type_ == "table" and name in TABLES)


# --- text -------------------------------------------------------------------------------------


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept)


def fold(text: str) -> str:
    """NFKC, case-folded, accents dropped outside Chinese and Japanese (whose marks, as the
    voicing of が, are part of the letter)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    if text.isascii():
        return text
    return _NOT_CJK.sub(lambda m: _strip_accents(m.group()), text)


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text: str | None) -> str:
    """The text as the space-separated tokens the databases index."""
    out: list[str] = []
    for cjk, word in _RUNS.findall(fold(text or "")):
        if word:
            out.append(word)
        else:
            out.extend(_bigrams(cjk))
            out.append(cjk[-1])
    return " ".join(out)


def documents(case_id: int, title, description, address, reference, created_at) -> dict:
    """The four indexed fields of a case, tokenized (the id goes with the reference), and
    when it was filed (seconds since 1970: equal matches list newest first)."""
    return {
        "id": case_id,
        "title": tokens(title),
        "description": tokens(description),
        "address": tokens(address),
        "reference": f"{tokens(reference)} {case_id}",
        "filed": int(_aware(created_at).timestamp()),
    }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Term:
    """Tokens that must follow each other; ``prefix``: the last one may be a word's start."""

    tokens: tuple[str, ...]
    prefix: bool = False


def _chunk_terms(chunk: str, *, starts: bool = False) -> list[Term]:
    """The terms of a word as typed; ``starts``: it ended with ``*``, so its last Latin part
    matches as the start of a word ("poth*")."""
    terms: list[Term] = []
    latin: list[str] = []  # letters and digits split only by punctuation: "wi-fi", a reference
    for cjk, word in _RUNS.findall(chunk):
        if word:
            latin.append(word)
            continue
        if latin:
            terms.append(Term(tuple(latin)))
            latin = []
        terms.append(Term((cjk,), prefix=True) if len(cjk) == 1 else Term(tuple(_bigrams(cjk))))
    if latin:
        prefix = starts and len(latin[-1]) >= PREFIX_MIN and not latin[-1].isdigit()
        terms.append(Term(tuple(latin), prefix=prefix))
    return terms


def parse(q: str) -> list[Term]:
    """What a query asks for: terms that must all match (at most ``MAX_TOKENS`` tokens)."""
    reference = references.normalise(q)
    if reference is not None:  # as read over the phone: "rd 2412 42"
        q = reference
    terms, used = [], 0
    for chunk in fold(q).split():
        for term in _chunk_terms(chunk, starts=chunk.endswith("*")):
            room = MAX_TOKENS - used
            if room <= 0:
                return terms
            cut = tuple(token[:MAX_TOKEN_CHARS] for token in term.tokens[:room])
            term = Term(cut, term.prefix and len(term.tokens) <= room)
            terms.append(term)
            used += len(term.tokens)
    return terms


def tsquery_text(terms: Sequence[Term]) -> str:
    """The terms in ``to_tsquery`` syntax; every token is letters and digits only."""

    def phrase(term: Term) -> str:
        quoted = [f"'{token}'" for token in term.tokens]
        if term.prefix:
            quoted[-1] += ":*"
        return "(" + " <-> ".join(quoted) + ")"

    return " & ".join(phrase(term) for term in terms)


def fts_query_text(terms: Sequence[Term]) -> str:
    """The terms in FTS5 query syntax: each a quoted phrase, prefixed with ``*``."""
    return " AND ".join(
        '"' + " ".join(term.tokens) + '"' + ("*" if term.prefix else "") for term in terms
    )


# --- querying ---------------------------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def hits(q: str, dialect: str | None = None):
    """A subquery of the matching cases: ``case_id``, ``rank`` (higher is better) and
    ``filed``, or None when the query holds nothing searchable ("!!!")."""
    terms = parse(q)
    if not terms:
        return None
    if (dialect or _dialect()) == "postgresql":
        query = func.to_tsquery(CONFIG, tsquery_text(terms))
        document = pg_table.c.document
        rank = func.ts_rank(document, query)
        columns = (pg_table.c.case_id, rank.label("rank"), pg_table.c.filed)
        return select(*columns).where(document.op("@@")(query)).subquery("hits")
    fts = literal_column(fts_table.name)
    rank = -func.bm25(fts, *FTS_WEIGHTS)
    columns = (fts_table.c.rowid.label("case_id"), rank.label("rank"), fts_table.c.filed)
    return select(*columns).where(fts.op("MATCH")(fts_query_text(terms))).subquery("hits")


def matching_ids(q: str, dialect: str | None = None) -> Select | None:
    """The ids of the cases matching ``q`` (no ranking), or None: nothing searchable."""
    terms = parse(q)
    if not terms:
        return None
    if (dialect or _dialect()) == "postgresql":
        query = func.to_tsquery(CONFIG, tsquery_text(terms))
        return select(pg_table.c.case_id).where(pg_table.c.document.op("@@")(query))
    fts = literal_column(fts_table.name)
    return select(fts_table.c.rowid).where(fts.op("MATCH")(fts_query_text(terms)))


def condition(q: str) -> ColumnElement:
    """``cases.id`` among the matches of ``q`` (false when it holds nothing searchable)."""
    ids = matching_ids(q)
    if ids is None:
        return Case.id.is_(None)  # the key is never NULL: no case
    return Case.id.in_(ids)


def ranked_page(q: str, conditions: list, hidden: Select | None, limit: int, offset: int):
    """One statement for a page by relevance: the matches' ``case_id`` best first (then
    newest), each row with the ``total`` of matches. The matches are read from the index
    alone, with ``hidden`` (the ids the viewer may not see: few) left out; only other
    filters (``conditions`` on cases) join the cases. None: nothing searchable."""
    matched = hits(q)
    if matched is None:
        return None
    total = func.count().over().label("total")
    stmt = select(matched.c.case_id, total)
    if conditions:
        stmt = stmt.join(Case, Case.id == matched.c.case_id).where(*conditions)
    if hidden is not None:
        stmt = stmt.where(matched.c.case_id.not_in(hidden))
    order = (matched.c.rank.desc(), matched.c.filed.desc(), matched.c.case_id.desc())
    return stmt.order_by(*order).limit(limit).offset(offset)


# --- writing ----------------------------------------------------------------------------------


# One statement a batch, however many rows: the tokens travel as arrays.
PG_WRITE = sql_text(
    "INSERT INTO case_search (case_id, filed, document)"
    " SELECT t.id, t.filed, setweight(to_tsvector('english', t.title), 'A')"
    " || setweight(to_tsvector('english', t.description), 'C')"
    " || setweight(to_tsvector('english', t.address), 'B')"
    " || setweight(to_tsvector('english', t.reference), 'A')"
    " FROM unnest(CAST(:id AS integer[]), CAST(:title AS text[]),"
    " CAST(:description AS text[]), CAST(:address AS text[]), CAST(:reference AS text[]),"
    " CAST(:filed AS bigint[])) AS t (id, title, description, address, reference, filed)"
    " ON CONFLICT (case_id) DO UPDATE SET document = EXCLUDED.document, filed = EXCLUDED.filed"
)
FIELDS = ("id", *TEXT_COLUMNS, "reference", "filed")


def write(connection: Connection, rows: list[dict], *, new: bool = False) -> None:
    """Store the index rows (from :func:`documents`); ``new``: of cases not indexed yet."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(PG_WRITE, {name: [row[name] for row in rows] for name in FIELDS})
        return
    if not new:
        connection.execute(delete(fts_table).where(fts_table.c.rowid.in_([r["id"] for r in rows])))
    stmt = fts_table.insert().values(
        rowid=bindparam("id"), **{name: bindparam(name) for name in FIELDS[1:]}
    )
    connection.execute(stmt, rows)


_SOURCE = (Case.id, Case.title, Case.description, Case.address, Case.reference, Case.created_at)
_SOURCE_KEYS = tuple(column.key for column in _SOURCE)


def reindex(connection: Connection, case_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these cases from what is stored."""
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found = connection.execute(select(*_SOURCE).where(Case.id.in_(chunk))).all()
        write(connection, [documents(*row) for row in found])


BATCH = 2000


def _indexed(dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        return exists().where(pg_table.c.case_id == Case.id)
    return exists().where(fts_table.c.rowid == Case.id)


def index_missing(connection: Connection, since: datetime | None = None, batch=BATCH) -> int:
    """Index the cases (filed since ``since``, or any) that have no index row; answers how
    many. Each batch is one statement pair: run it in autocommit or commit per call."""
    done = 0
    while True:
        stmt = select(*_SOURCE).where(~_indexed(connection.dialect.name)).limit(batch)
        if since is not None:
            stmt = stmt.where(Case.created_at >= since)
        rows = connection.execute(stmt).all()
        if not rows:
            return done
        write(connection, [documents(*row) for row in rows], new=True)
        done += len(rows)


def backfill(engine, batch: int = BATCH) -> int:
    """Index every case, ``batch`` at a time in id order, each batch its own transaction
    (migration 0017; the cases table is only read). Answers how many."""
    done, last = 0, 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                select(*_SOURCE).where(Case.id > last).order_by(Case.id).limit(batch)
            ).all()
            if not rows:
                return done
            write(connection, [documents(*row) for row in rows])
        done, last = done + len(rows), rows[-1][0]


# --- keeping in step --------------------------------------------------------------------------


def _changed_text(case: Case) -> bool:
    state = inspect(case)
    return any(state.attrs[name].history.has_changes() for name in (*TEXT_COLUMNS, "reference"))


def _touched(session: Session) -> set[int]:
    """New cases, and cases whose text changed."""
    return {
        obj.id
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Case) and (obj in session.new or _changed_text(obj))
    }


_SOURCE_NAMES = frozenset(_SOURCE_KEYS)


def _refresh(session: Session, case_ids: set[int], born: set[int]) -> None:
    """Index rows from the cases the session holds as they are; the others (changed by a
    bulk UPDATE, or undone by a savepoint, so expired) read from the database. Cases all
    ``born`` in this transaction have no row to replace yet."""
    rows, unheld = [], []
    for case_id in case_ids:
        case = derived.held_case(session, case_id)
        if case is None or _SOURCE_NAMES & inspect(case).unloaded:
            unheld.append(case_id)
        else:
            rows.append(documents(*(getattr(case, name) for name in _SOURCE_KEYS)))
    connection = session.connection()
    write(connection, rows, new=born.issuperset(row["id"] for row in rows))
    reindex(connection, unheld)


derived.register(
    derived.Derivation(
        name="case_search",
        columns=frozenset((*TEXT_COLUMNS, "reference")),
        touched=_touched,
        refresh=_refresh,
        follows_deletes=False,  # the rows leave by ON DELETE CASCADE or a trigger
    )
)


CATCH_UP = timedelta(days=2)  # how far back the sweep looks for cases filed past the ORM


def catch_up(app, now: datetime | None = None) -> int | None:
    """Index the cases filed lately that have no index row (by the version before 0017,
    while it still served), in its own transaction; failures are logged, never raised."""
    with app.app_context():
        since = (now or utcnow()) - CATCH_UP
        try:
            with db.engine.begin() as connection:
                done = index_missing(connection, since)
        except Exception:
            log.exception("Indexing cases for search failed")
            return None
        if done:
            log.info("Indexed %d cases for search that had no index row", done)
        return done


# --- schema -----------------------------------------------------------------------------------

PG_CREATE = (
    "CREATE TABLE case_search (case_id INTEGER NOT NULL, filed BIGINT NOT NULL,"
    " document TSVECTOR NOT NULL,"
    " CONSTRAINT pk_case_search PRIMARY KEY (case_id),"
    " CONSTRAINT fk_case_search_case_id_cases FOREIGN KEY (case_id)"
    " REFERENCES cases (id) ON DELETE CASCADE)"
)
PG_INDEX = "CREATE INDEX {how} ix_case_search_document ON case_search USING gin (document)"
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE case_search_fts USING fts5(title, description, address, reference,"
    " filed UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')",
    # a deleted case leaves the index with it (FTS5 tables have no foreign keys)
    "CREATE TRIGGER case_search_fts_delete AFTER DELETE ON cases BEGIN"
    " DELETE FROM case_search_fts WHERE rowid = old.id; END",
)


def create_statements(dialect: str) -> tuple[str, ...]:
    if dialect == "postgresql":
        return PG_CREATE, PG_INDEX.format(how="")
    return SQLITE_CREATE


def drop_statements(dialect: str) -> tuple[str, ...]:
    if dialect == "postgresql":
        return ("DROP TABLE IF EXISTS case_search",)
    return ("DROP TRIGGER IF EXISTS case_search_fts_delete", "DROP TABLE IF EXISTS case_search_fts")


@event.listens_for(db.metadata, "after_create")
def _create(_metadata, connection: Connection, **_kwargs) -> None:
    """``db.create_all()`` (tests, a fresh demo) builds what migration 0017 builds."""
    for statement in create_statements(connection.dialect.name):
        connection.execute(DDL(statement))


@event.listens_for(db.metadata, "before_drop")
def _drop(_metadata, connection: Connection, **_kwargs) -> None:
    for statement in drop_statements(connection.dialect.name):
        connection.execute(DDL(statement))


def indexed_text(connection: Connection) -> dict[int, str]:
    """Every index row as text, by case id (what the index holds, for checks and tests)."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(sql_text("SELECT case_id, document::text FROM case_search"))
        return dict(rows.all())
    columns = ", ".join(FIELDS[1:-1])  # not when it was filed
    rows = connection.execute(sql_text(f"SELECT rowid, {columns} FROM case_search_fts"))
    return {row[0]: " ".join(filter(None, row[1:])) for row in rows}
