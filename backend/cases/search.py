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

Matches are ranked by tier (every word in the title or reference; else in those and the
address; else anywhere), newest first within a tier (docs/cases.md, "Text search"): each
tier is a query of its own that stops after a page, so a word in a sixth of all cases
costs no more than a rare one.

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
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Select,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    event,
    exists,
    func,
    inspect,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from backend.cases import derived, references, totals
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
# SQLite's rowid is the filing time and the case id in one number, ``filed * 2**31 + id``
# (ids are 32-bit): FTS5 walks its matches in rowid order, so "newest first" is its own
# order and a page stops after its rows, without reading any content (migration 0021).
KEY_SHIFT = 2**31
fts_table = Table(
    "case_search_newest",
    _metadata,
    Column("rowid", Integer, primary_key=True),
    *(Column(name, Text) for name in (*TEXT_COLUMNS, "reference")),
)
# The relevance tiers (docs/cases.md, "Text search"): every word of the query in the title
# or reference (and id); else in those and the address; else anywhere (the description).
# SQLite asks them with FTS5 column filters; PostgreSQL through a GIN index on the part of
# the tsvector of those weights (title and reference A, address B, description C), so both
# databases put a case in the same tier.
TIER_COLUMNS = (("title", "reference"), ("title", "reference", "address"))
TIER_WEIGHTS = ("{a}", "{a,b}")
# The tables (and SQLite's shadow tables) that Alembic's comparison leaves alone; the FTS5
# table keyed by case id (0017, replaced by 0021, dropped by 0022) is there below 0022.
_FTS_TABLES = ("case_search_fts", "case_search_newest")
_SHADOWS = ("data", "idx", "content", "docsize", "config")
TABLES = frozenset(
    {"case_search", *_FTS_TABLES} | {f"{t}_{part}" for t in _FTS_TABLES for part in _SHADOWS}
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
    filed = int(_aware(created_at).timestamp())
    return {
        "id": case_id,
        "key": filed * KEY_SHIFT + case_id,
        "title": tokens(title),
        "description": tokens(description),
        "address": tokens(address),
        "reference": f"{tokens(reference)} {case_id}",
        "filed": filed,
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


def fts_query_text(terms: Sequence[Term], columns: Sequence[str] = ()) -> str:
    """The terms in FTS5 query syntax: each a quoted phrase, prefixed with ``*``;
    ``columns``: only in those."""
    query = " AND ".join(
        '"' + " ".join(term.tokens) + '"' + ("*" if term.prefix else "") for term in terms
    )
    return "{" + " ".join(columns) + "} : (" + query + ")" if columns else query


def fts_tier_queries(terms: Sequence[Term]) -> list[str]:
    """The FTS5 queries of the tiers: the matches in each one's columns, then anywhere."""
    return [*(fts_query_text(terms, columns) for columns in TIER_COLUMNS), fts_query_text(terms)]


# --- querying ---------------------------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _fts_case_id() -> ColumnElement:
    return (fts_table.c.rowid % KEY_SHIFT).label("case_id")


def _pg_match(terms: Sequence[Term], vector: ColumnElement | None = None) -> ColumnElement:
    query = func.to_tsquery(CONFIG, tsquery_text(terms))
    return (pg_table.c.document if vector is None else vector).op("@@", is_comparison=True)(query)


def _fts_match(query: str) -> ColumnElement:
    return literal_column(fts_table.name).op("MATCH")(query)


def hits(q: str, dialect: str | None = None):
    """A subquery of the ``case_id`` of the matching cases, or None when the query holds
    nothing searchable ("!!!")."""
    ids = matching_ids(q, dialect)
    return None if ids is None else ids.subquery("hits")


def matching_ids(q: str, dialect: str | None = None) -> Select | None:
    """The ids of the cases matching ``q`` (no ranking), or None: nothing searchable."""
    terms = parse(q)
    if not terms:
        return None
    if (dialect or _dialect()) == "postgresql":
        return select(pg_table.c.case_id).where(_pg_match(terms))
    return select(_fts_case_id()).where(_fts_match(fts_query_text(terms)))


def condition(q: str) -> ColumnElement:
    """``cases.id`` among the matches of ``q`` (false when it holds nothing searchable)."""
    ids = matching_ids(q)
    if ids is None:
        return Case.id.is_(None)  # the key is never NULL: no case
    return Case.id.in_(ids)


def _narrowed(stmt: Select, case_id: ColumnElement, conditions: list, hidden) -> Select:
    """Only the cases the viewer may see (``hidden``: the few ids they may not) that the
    other filters (``conditions`` on cases, which then join them) let through."""
    if conditions:
        stmt = stmt.join(Case, Case.id == case_id).where(*conditions)
    if hidden is not None:
        stmt = stmt.where(case_id.not_in(hidden))
    return stmt


def pg_tier_vector(weights: str) -> ColumnElement:
    """The part of a ``tsvector`` of these weights ("{a}"): each tier's GIN index is on it."""
    return func.ts_filter(pg_table.c.document, literal_column(f"'{weights}'"))


def relevant_page(session: Session, q: str, conditions: list, hidden, limit: int, offset: int):
    """A page of the matches of ``q`` by relevance: their ids (by tier, ``TIER_COLUMNS``,
    newest first within one, then by id), the total, and whether that is an estimate; read
    from the index alone, but for other filters (``conditions`` on cases; ``hidden``: the
    few ids the viewer may not see). None: nothing searchable."""
    terms = parse(q)
    if not terms:
        return None
    if session.get_bind().dialect.name == "postgresql":
        return _pg_page(session, terms, conditions, hidden, limit, offset)
    keys = (fts_table.c.rowid.label("key"),)  # FTS5's own order: no sort
    tiers = [(_fts_match(query), keys) for query in fts_tier_queries(terms)]
    case_id = fts_table.c.rowid % KEY_SHIFT
    ranked, order = _in_turn(tiers, keys, case_id, limit + offset, conditions, hidden)
    stmt = select((ranked.c.key % KEY_SHIFT).label("case_id")).order_by(*order)
    ids = list(session.scalars(stmt.limit(limit).offset(offset)))
    if offset == 0 and len(ids) < limit:  # the page holds every match
        return ids, len(ids), False
    counted = select(func.count()).select_from(fts_table)
    counted = counted.where(_fts_match(fts_query_text(terms)))
    return ids, session.scalar(_narrowed(counted, case_id, conditions, hidden)), False


# Past ``totals.EXACT_UP_TO`` matches PostgreSQL's total is its planner's estimate (flagged
# so; :mod:`backend.cases.totals`). That is also where the newest-first index starts to pay:
# a word in more cases than this is found by walking it (about 100 rows a match at 1%),
# fewer by their GIN index and a sort.


def _pg_page(session: Session, terms, conditions: list, hidden, limit: int, offset: int):
    """The total first (counted up to ``totals.EXACT_UP_TO``), as it tells how to read the
    page: a common word's last tier walks the newest-first index, stopping after the page;
    the other tiers, and all of a rarer query, read their GIN index and sort what they found
    (never a walk through every case for a word the planner thought common). (Folding the
    count into the page's statement was measured slower: docs/performance.md.)"""
    counted = totals.count_up_to(session, _pg_visible(terms, conditions, hidden))
    if not counted:
        return [], 0, False
    estimated = counted > totals.EXACT_UP_TO
    page = _pg_ranked(terms, conditions, hidden, limit, offset, walk=estimated)
    ids = list(session.scalars(page.with_only_columns(page.selected_columns.case_id)))
    if offset == 0 and len(ids) < limit:  # the page holds every match
        return ids, len(ids), False
    if not estimated:
        return ids, counted, False
    return ids, _pg_estimate(session, terms, conditions, counted), True


def _pg_visible(terms, conditions: list, hidden) -> Select:
    """The ids of the matches the viewer may see that the other filters let through."""
    matches = select(pg_table.c.case_id).where(_pg_match(terms))
    return _narrowed(matches, pg_table.c.case_id, conditions, hidden)


def _pg_ranked(terms, conditions: list, hidden, limit: int, offset: int, *, walk: bool):
    """The page by relevance (``tier``, ``filed``, ``case_id``); ``walk``: the last tier
    by walking the newest-first index, else like the others by GIN and a sort."""
    keys = (pg_table.c.filed, pg_table.c.case_id)
    sorted_found = (pg_table.c.filed + 0, pg_table.c.case_id)  # no index has this order
    vectors = [*(pg_tier_vector(weights) for weights in TIER_WEIGHTS), None]
    tiers = [(_pg_match(terms, vector), sorted_found) for vector in vectors]
    if walk:
        tiers[-1] = (tiers[-1][0], keys)
    ranked, order = _in_turn(tiers, keys, keys[1], limit + offset, conditions, hidden)
    stmt = select(ranked.c.tier, ranked.c.filed, ranked.c.case_id).order_by(*order)
    return stmt.limit(limit).offset(offset)


def _in_turn(tiers: list, keys: tuple, case_id, enough: int, conditions: list, hidden):
    """The first ``enough`` matches of each tier (``(condition, order)``: its fields'
    matches, newest, the highest ``keys``, first), each case at its best tier; and the
    order of the whole, by tier, then by ``keys`` descending.

    That is the page's order without a tier leaving out the ones before it: if tier n's
    fields match fewer than ``enough`` cases of the tiers before, the first ``enough`` of
    its matches hold all the page needs of it, in order; if not, the page is all theirs,
    and a case met only past its own tier's first ``enough`` sorts after it."""
    selects = []
    for n, (matched, order) in enumerate(tiers, 1):
        stmt = select(literal(n).label("tier"), *keys).where(matched)
        stmt = _narrowed(stmt, case_id, conditions, hidden)
        stmt = stmt.order_by(*(key.desc() for key in order)).limit(enough)
        selects.append(select(stmt.subquery()))
    met = union_all(*selects).subquery("met")
    columns = [met.c[key.key] for key in keys]
    best = select(func.min(met.c.tier).label("tier"), *columns).group_by(*columns)
    ranked = best.subquery("ranked")
    return ranked, (ranked.c.tier, *(ranked.c[key.key].desc() for key in keys))


def _pg_estimate(session: Session, terms, conditions: list, counted: int) -> int:
    """The planner's estimate of the matches (never less than ``counted``); not with the
    hidden ones left out: they are few, and the planner would guess half."""
    return totals.estimate(session, _pg_visible(terms, conditions, None), counted)


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
PG_WRITE_WITH = PG_WRITE.columns()  # the same, as it can go in another statement's WITH


def write(connection: Connection, rows: list[dict], *, new: bool = False) -> None:
    """Store the index rows (from :func:`documents`); ``new``: of cases not indexed yet."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(PG_WRITE, {name: [row[name] for row in rows] for name in FIELDS})
        return
    if not new:
        keys = [row["key"] for row in rows]
        connection.execute(delete(fts_table).where(fts_table.c.rowid.in_(keys)))
    stmt = fts_table.insert().values(
        rowid=bindparam("key"), **{name: bindparam(name) for name in FIELDS[1:-1]}
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
    return exists().where(fts_table.c.rowid == fts_key(Case.created_at, Case.id))


def fts_key(created_at, case_id) -> ColumnElement:
    """The FTS5 rowid of a case in SQL (as :func:`documents` computes it): whole seconds
    since 1970 of the filing (stored as UTC; cut before SQLite reads it, as
    ``_WHOLE_SECONDS`` says why), shifted, plus the id."""
    return cast(func.strftime("%s", func.substr(created_at, 1, 19)), Integer) * KEY_SHIFT + case_id


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


# What the index copies of a case: its text, and when it was filed (newest first), which a
# correction by hand may change.
COPIED = (*TEXT_COLUMNS, "reference", "created_at")


def _changed_text(case: Case) -> bool:
    state = inspect(case)
    return any(state.attrs[name].history.has_changes() for name in COPIED)


def _touched(session: Session) -> set[int]:
    """New cases, and cases whose text or filing time changed."""
    return {
        obj.id
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Case) and (obj in session.new or _changed_text(obj))
    }


_SOURCE_NAMES = frozenset(_SOURCE_KEYS)


def _held_rows(session: Session, case_ids: set[int]) -> tuple[list[dict], list[int]]:
    """Index rows of the cases the session holds as they are, and the ids of the others
    (changed by a bulk UPDATE, or undone by a savepoint, so expired)."""
    rows, unheld = [], []
    for case_id in case_ids:
        case = derived.held_case(session, case_id)
        if case is None or _SOURCE_NAMES & inspect(case).unloaded:
            unheld.append(case_id)
        else:
            rows.append(documents(*(getattr(case, name) for name in _SOURCE_KEYS)))
    return rows, unheld


def _refresh(session: Session, case_ids: set[int], born: set[int]) -> None:
    """Index rows from the cases the session holds; the others read from the database.
    Cases all ``born`` in this transaction have no row to replace yet."""
    rows, unheld = _held_rows(session, case_ids)
    connection = session.connection()
    write(connection, rows, new=born.issuperset(row["id"] for row in rows))
    reindex(connection, unheld)


def _born_insert(session: Session, case_ids: set[int]):
    """PostgreSQL's write of these new cases' rows, to go with the summary's (see
    :mod:`.derived`); None if a case is not held as filed."""
    rows, unheld = _held_rows(session, case_ids)
    if unheld:
        return None
    return PG_WRITE_WITH, {name: [row[name] for row in rows] for name in FIELDS}


derived.register(
    derived.Derivation(
        name="case_search",
        columns=frozenset(COPIED),
        touched=_touched,
        refresh=_refresh,
        follows_deletes=False,  # the rows leave by ON DELETE CASCADE or a trigger
        born_insert=_born_insert,
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
# Migration 0021: each relevance tier's GIN index, and newest first for a common word's tier
# (the planner walks it, checking each row, when a word is in many cases).
PG_TIER_INDEXES = (
    "CREATE INDEX {how} ix_case_search_head ON case_search"
    " USING gin (ts_filter(document, '{{a}}'))",
    "CREATE INDEX {how} ix_case_search_near ON case_search"
    " USING gin (ts_filter(document, '{{a,b}}'))",
    "CREATE INDEX {how} ix_case_search_newest ON case_search (filed DESC, case_id DESC)",
)


# The stored text cut to whole seconds before SQLite reads it: SQLite rounds a time to the
# millisecond, so "09:00:00.9996" would count as 09:00:01, where Python's floor says 09:00:00.
_WHOLE_SECONDS = "substr({row}.created_at, 1, 19)"


def _sqlite_key(row: str) -> str:
    """:func:`fts_key` in SQLite's SQL, of ``old`` or ``new`` in a trigger."""
    seconds = f"CAST(strftime('%s', {_WHOLE_SECONDS.format(row=row)}) AS INTEGER)"
    return f"{seconds} * {KEY_SHIFT} + {row}.id"


_COLUMNS = "title, description, address, reference"
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE case_search_newest USING fts5(title, description, address,"
    " reference, tokenize = 'porter unicode61 remove_diacritics 2')",
    # a deleted case leaves the index with it (FTS5 tables have no foreign keys)
    "CREATE TRIGGER case_search_newest_delete AFTER DELETE ON cases BEGIN"
    f" DELETE FROM case_search_newest WHERE rowid = {_sqlite_key('old')}; END",
    # a filing time corrected by hand moves the row to its new key (else it would be left
    # behind, unreachable by the delete above)
    "CREATE TRIGGER case_search_newest_refiled AFTER UPDATE OF created_at ON cases"
    f" WHEN {_sqlite_key('old')} IS NOT {_sqlite_key('new')} BEGIN"
    f" INSERT INTO case_search_newest (rowid, {_COLUMNS}) SELECT {_sqlite_key('new')},"
    f" {_COLUMNS} FROM case_search_newest WHERE rowid = {_sqlite_key('old')};"
    f" DELETE FROM case_search_newest WHERE rowid = {_sqlite_key('old')}; END",
)


def create_statements(dialect: str) -> tuple[str, ...]:
    if dialect == "postgresql":
        return PG_CREATE, *(index.format(how="") for index in (PG_INDEX, *PG_TIER_INDEXES))
    return SQLITE_CREATE


def drop_statements(dialect: str) -> tuple[str, ...]:
    if dialect == "postgresql":
        return ("DROP TABLE IF EXISTS case_search",)
    return (
        "DROP TRIGGER IF EXISTS case_search_newest_delete",
        "DROP TRIGGER IF EXISTS case_search_newest_refiled",
        "DROP TABLE IF EXISTS case_search_newest",
    )


@event.listens_for(db.metadata, "after_create")
def _create(_metadata, connection: Connection, **_kwargs) -> None:
    """``db.create_all()`` (tests, a fresh demo) builds what migrations 0017 and 0021 build.
    (Sent as they are: ``DDL`` would read the ``%s`` of SQLite's ``strftime`` as a format.)"""
    for statement in create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


@event.listens_for(db.metadata, "before_drop")
def _drop(_metadata, connection: Connection, **_kwargs) -> None:
    for statement in drop_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def indexed_text(connection: Connection) -> dict[int, str]:
    """Every index row as text, by case id (what the index holds, for checks and tests)."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(sql_text("SELECT case_id, document::text FROM case_search"))
        return dict(rows.all())
    columns = ", ".join(FIELDS[1:-1])  # not when it was filed
    rows = connection.execute(
        sql_text(f"SELECT rowid % {KEY_SHIFT}, {columns} FROM case_search_newest")
    )
    return {row[0]: " ".join(filter(None, row[1:])) for row in rows}
