"""Full-text search of cases (``q=``) on both databases: English (stemmed, the last word as
a prefix), Chinese (bigrams), references and ids, mixed queries, ranking, hostile input,
and an index that follows every write (new cases, edits, bulk updates, hides, deletions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, update

from backend.cases import search, service, totals
from backend.cases.models import Case
from backend.extensions import db
from tests.helpers import error_of, hide, query_plan


@pytest.fixture
def found(client):
    """The ids a search lists, in order (``path``: the list or the pins)."""

    def run(q: str, headers=None, path="/api/v1/cases", **params) -> list[int]:
        response = client.get(path, query_string={"q": q, **params}, headers=headers or {})
        assert response.status_code == 200, (q, response.get_json())
        body = response.get_json()
        items = [item["id"] for item in body["items"]]
        assert body["total"] == len(items), (q, body["total"], items)
        return items

    return run


@pytest.fixture
def corpus(make_case):
    def file(title=None, description="Something is broken.", address=None):
        return make_case(title=title, description=description, address=address)

    return {
        "pothole": file("Potholes on the ring road", "Two deep holes, cars swerve."),
        "lamp": file("Street lamp out", "The lamp by the school has been dark for a week."),
        "路灯": file("大路灯坏了", "学校门口的路灯一直不亮，晚上很危险。", "人民大道200号"),
        "井盖": file("井盖丢失", "人行道上的井盖不见了 manhole cover missing"),
        "café": file("Litter outside the Café", "Bins overflowing again."),
    }


def test_english_words_match_stemmed_and_as_a_prefix(corpus, found):
    pothole = corpus["pothole"].id
    assert found("pothole") == [pothole]  # the title says "Potholes"
    assert found("POTHOLES") == [pothole]
    assert found("poth*") == [pothole]  # a trailing * : the start of a word
    assert found("poth") == []
    assert found("deep hole") == [pothole]  # "holes": stemmed
    assert found("swerving cars") == [pothole]
    assert found("pothole lamp") == []  # every word must match
    assert set(found("broken")) == set()  # the corpus overrides the default description
    assert found("cafe") == found("CAFÉ") == [corpus["café"].id]  # accents folded


def test_chinese_words_of_two_or_more_characters(corpus, found):
    lamp, cover = corpus["路灯"].id, corpus["井盖"].id
    assert found("路灯") == [lamp]
    assert found("路灯坏了") == [lamp]
    assert found("不亮") == [lamp]
    assert found("人民大道") == [lamp]  # the address
    assert found("井盖") == [cover]
    assert found("灯坏了很") == []  # the characters must follow each other
    assert found("大道路灯") == []
    assert found("灯") == [lamp]  # one character: as the start of a pair, or the last one
    assert found("\uff23\uff2f\uff36\uff25\uff32") == [cover]  # full-width Latin folds to ASCII


def test_mixed_queries(corpus, found):
    cover = corpus["井盖"].id
    assert found("井盖 manhole") == [cover]
    assert found("manhole 井盖") == [cover]
    assert found("井盖manhole") == [cover]
    assert found("井盖 lamp") == []


def test_references_and_ids(corpus, found):
    case = corpus["lamp"]
    reference = case.reference  # e.g. RD-2612-0002
    prefix, period, number = reference.split("-")
    assert found(reference) == [case.id]
    assert found(reference.lower()) == [case.id]
    assert found(f"{prefix} {period} {int(number)}") == [case.id]  # as read over the phone
    assert found(f"{prefix}{period}{number}") == [case.id]
    assert found(str(case.id)) == [case.id]
    assert found(f"{prefix}-{period}-9999") == []


def _at(minute: int) -> datetime:
    return datetime(2026, 12, 1, 9, minute, tzinfo=UTC)


def test_relevance_is_by_field_then_newest_first(make_case, found, client):
    """The tiers: every word in the title or reference, then in those and the address, then
    anywhere; newest first within a tier, and the higher id first in the same second."""
    title_old = make_case(title="Flooded road", description="Water.", now=_at(1))
    in_description = make_case(description="A flooded underpass.", now=_at(9))
    in_address = make_case(description="Blocked drain.", address="Flooded Lane 3", now=_at(5))
    title_new = make_case(title="Flooded", description="Flooded.", address="Flood St", now=_at(2))
    twins = [make_case(title="Flooded again", now=_at(3)) for _ in range(2)]
    high, low = sorted(twins, key=lambda case: case.id, reverse=True)
    expected = [high.id, low.id, title_new.id, title_old.id, in_address.id, in_description.id]
    assert found("flooded") == expected
    assert found("flooded", sort="relevance") == expected
    assert found("flood*") == expected  # a prefix ranks the same way
    newest_first = [in_description, in_address, *sorted(twins, key=lambda c: -c.id)]
    assert found("flooded", sort="-created_at")[:4] == [case.id for case in newest_first]
    response = client.get("/api/v1/cases?sort=relevance")
    assert response.status_code == 422 and "sort" in error_of(response)["fields"]


def test_a_query_of_several_words_ranks_by_where_all_of_them_are(make_case, found):
    title_and_address = make_case(title="Flooded", address="Elm Lane", now=_at(1))
    title_and_description = make_case(title="Flooded", description="Elm trees", now=_at(2))
    in_description = make_case(description="The flooded elm, again", now=_at(3))
    ranked = [title_and_address.id, in_description.id, title_and_description.id]
    assert found("flooded elm") == ranked  # the last two: a word in the description, newest first
    assert found(f"{title_and_description.reference} flooded") == [title_and_description.id]


def test_chinese_ranks_by_field_then_newest_first(make_case, found):
    in_title = make_case(title="路灯不亮", description="晚上很黑。", now=_at(1))
    in_address = make_case(description="晚上很黑。", address="路灯大道1号", now=_at(4))
    in_description = make_case(description="学校门口的路灯坏了", now=_at(8))
    in_title_newer = make_case(title="大路灯坏了", description="危险", now=_at(2))
    expected = [in_title_newer.id, in_title.id, in_address.id, in_description.id]
    assert found("路灯") == expected
    assert found("灯") == expected  # one character: as a prefix, ranked the same way
    assert found("路灯 晚上") == [in_address.id, in_title.id]  # 晚上: the description only


def test_pages_by_relevance_follow_each_other(make_case, client):
    cases = [make_case(title="Cracked kerb", now=_at(n)) for n in range(3)]
    cases += [make_case(description="A cracked kerb", now=_at(10 + n)) for n in range(3)]
    pages = []
    for page in (1, 2, 3, 4):
        query = {"q": "cracked", "per_page": 2, "page": page}
        body = client.get("/api/v1/cases", query_string=query).get_json()
        assert (body["total"], body["total_estimated"]) == (6, False)
        pages.append([item["id"] for item in body["items"]])
    newest_first = [case.id for case in reversed(cases)]
    assert pages == [newest_first[3:5], [newest_first[5], newest_first[0]], newest_first[1:3], []]


def test_a_large_total_is_estimated_on_postgresql_and_says_so(make_case, client, monkeypatch):
    monkeypatch.setattr(totals, "EXACT_UP_TO", 2)
    for n in range(4):
        make_case(description="Overflowing bin", now=_at(n))
    body = client.get("/api/v1/cases", query_string={"q": "bin", "per_page": 1}).get_json()
    if db.engine.dialect.name == "postgresql":
        assert body["total_estimated"] is True and body["total"] >= 3  # counted 3, then planned
    else:
        assert (body["total"], body["total_estimated"]) == (4, False)  # FTS5 counts all
    small = client.get("/api/v1/cases", query_string={"q": "bin"}).get_json()
    assert (small["total"], small["total_estimated"]) == (4, False)  # the page holds them all
    for path in ("/api/v1/cases", "/api/v1/cases/pins"):  # no text search: exact
        assert client.get(path).get_json()["total_estimated"] is False


def test_the_api_documents_the_estimate_flag(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("CaseSearchPage", "CasePinSearchPage"):
        flag = schemas[name]["properties"]["total_estimated"]
        assert flag["type"] == "boolean" and "estimate" in flag["description"]
        assert "total_estimated" in schemas[name]["required"]


def test_pins_search_the_same_way(corpus, found):
    assert found("路灯", path="/api/v1/cases/pins") == [corpus["路灯"].id]
    assert found("pothole", path="/api/v1/cases/pins") == [corpus["pothole"].id]


HOSTILE = [
    "' OR 1=1 --",
    '"',
    "'",
    '"unclosed phrase',
    "a & b | !c",
    "(((",
    "foo:*",
    "*",
    "**pothole**",
    "pothole*",
    "NEAR(pothole lamp)",
    "title:pothole",
    "pothole AND OR NOT",
    "- + ^ ~ < > <-> <2>",
    "\\",
    "%_%",
    "🕳️🚧",
    "\u200b\u200d",
    "x" * 2000,
    "路" * 2000,
    "pothole " * 250,
    "Ω" + "é" * 500,
]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_any_string_is_a_valid_query(corpus, client, q):
    for path in ("/api/v1/cases", "/api/v1/cases/pins"):
        response = client.get(path, query_string={"q": q})
        assert response.status_code == 200, (q, response.get_data(as_text=True)[:300])
    export = client.get("/api/v1/opendata/cases.csv", query_string={"q": q}, buffered=True)
    assert export.status_code == 200


def test_hostile_strings_match_only_their_words(corpus, found):
    assert found("**pothole**") == found("pothole*") == [corpus["pothole"].id]
    assert found("' OR 1=1 --") == []
    assert found("*") == [] and found("%_%") == []  # nothing searchable: no case
    assert found("pothole " * 250) == [corpus["pothole"].id]


def test_a_longer_query_is_refused(client):
    response = client.get("/api/v1/cases", query_string={"q": "x" * 2001})
    assert response.status_code == 422 and "q" in error_of(response)["fields"]


def test_edits_and_bulk_updates_are_searchable_at_once(corpus, found):
    lamp = corpus["lamp"]
    lamp.description = "Now a fallen tree blocks the path."
    db.session.commit()
    assert found("fallen tree") == [lamp.id]
    assert found("school") == []
    db.session.execute(
        update(Case)
        .where(Case.id == lamp.id)
        .values(title="倒下的大树", description="树枝挡路")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    assert found("大树") == [lamp.id]
    assert found("树枝") == [lamp.id]
    assert found("fallen") == [] and found("street lamp") == []


def test_a_rolled_back_filing_leaves_no_index_row(city):
    data = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Rolled back"}
    service.create_case(db.session, city.reporter, data)
    db.session.flush()
    db.session.rollback()
    assert search.indexed_text(db.session.connection()) == {}
    case = service.create_case(db.session, city.reporter, data)
    db.session.commit()
    assert list(search.indexed_text(db.session.connection())) == [case.id]


def test_hidden_cases_leave_public_searches_at_once(client, corpus, found, city, token_for):
    lamp = corpus["路灯"]
    hide(client, token_for(city.admin), "case", lamp.id)
    assert found("路灯") == []
    assert found("路灯", headers=token_for(city.staff)) == [lamp.id]
    assert found("路灯", headers=token_for(city.reporter)) == [lamp.id]  # their own
    assert found("路灯", headers=token_for(city.resident)) == []


def test_a_deleted_case_leaves_the_index(corpus, found):
    pothole = corpus["pothole"]
    pothole_id = pothole.id
    db.session.delete(pothole)
    db.session.commit()
    assert pothole_id not in search.indexed_text(db.session.connection())
    assert found("pothole") == []
    assert len(search.indexed_text(db.session.connection())) == len(corpus) - 1


def test_a_corrected_filing_time_leaves_no_row_behind(make_case, found):
    """SQLite keys a case's row by its filing time: a trigger moves it when that changes,
    so the case is still found once, and its row still leaves with it."""
    case = make_case(description="Broken bench", now=_at(1))
    db.session.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(created_at=_at(30))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    assert found("bench") == [case.id]
    assert list(search.indexed_text(db.session.connection())) == [case.id]
    db.session.delete(db.session.get(Case, case.id))
    db.session.commit()
    assert search.indexed_text(db.session.connection()) == {}


@pytest.mark.parametrize("how", ["bulk", "orm"])
def test_a_corrected_filing_time_reorders_the_matches(make_case, found, how):
    """The index keeps when a case was filed (newest first): a correction, by a bulk UPDATE
    or through the ORM, moves the case to its new place on both databases."""
    corrected = make_case(description="Broken bench", now=_at(1))
    other = make_case(description="Broken bench", now=_at(10))
    assert found("bench") == [other.id, corrected.id]
    if how == "bulk":
        db.session.execute(
            update(Case)
            .where(Case.id == corrected.id)
            .values(created_at=_at(30))
            .execution_options(synchronize_session=False)
        )
    else:
        db.session.get(Case, corrected.id).created_at = _at(30)
    db.session.commit()
    assert found("bench") == [corrected.id, other.id]
    assert sorted(search.indexed_text(db.session.connection())) == sorted([corrected.id, other.id])


def test_a_filing_at_the_end_of_a_second_leaves_with_its_case(make_case, found):
    """SQLite would read "09:00:00.9998" as 09:00:01: the key is of the whole seconds."""
    case = make_case(description="Broken bench", now=datetime(2026, 12, 1, 9, 0, 0, 999800, UTC))
    assert search.index_missing(db.session.connection()) == 0  # found as indexed
    assert found("bench") == [case.id]
    db.session.delete(db.session.get(Case, case.id))
    db.session.commit()
    assert search.indexed_text(db.session.connection()) == {}


def test_the_index_holds_no_contact_of_a_report(city, found):
    """A report filed for someone without an account keeps their contact for staff: the
    index holds the case's own text only (erasure: tests/auth/test_personal_data.py)."""
    data = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Cracked kerb"}
    contact = {"name": "Wilhelmina Qorvath", "email": "wq@example.org", "phone": "+8613700001"}
    case = service.create_external_case(db.session, data, source="open311", contact=contact)
    db.session.commit()
    text = " ".join(search.indexed_text(db.session.connection()).values())
    assert "kerb" in text or "cracked" in text
    assert not {"wilhelmina", "qorvath", "wq", "8613700001"} & set(text.replace("'", " ").split())
    assert found("Qorvath") == [] and found("kerb") == [case.id]


def test_cases_written_past_the_orm_are_caught_up(app, make_case, found):
    case_id = make_case(description="Graffiti on the bridge").id
    db.session.rollback()  # the test's own transaction would hold SQLite's write lock
    with db.engine.begin() as connection:
        for statement in search.drop_statements(connection.dialect.name):
            connection.exec_driver_sql(statement)
        for statement in search.create_statements(connection.dialect.name):
            connection.exec_driver_sql(statement)
    assert found("graffiti") == []
    assert search.catch_up(app) == 1
    assert found("graffiti") == [case_id]
    assert search.catch_up(app) == 0


def test_a_sweep_from_cron_catches_up_too(app, make_case, found):
    """`flask sla sweep` (one pass, from cron) runs what rides on the scheduler's beat."""
    case_id = make_case(description="Graffiti on the bridge").id
    db.session.rollback()
    with db.engine.begin() as connection:
        for statement in (*search.drop_statements(connection.dialect.name),
                          *search.create_statements(connection.dialect.name)):  # fmt: skip
            connection.exec_driver_sql(statement)
    result = app.test_cli_runner().invoke(args=["sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert found("graffiti") == [case_id]


@pytest.fixture
def sent_with_parameters(app):
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    yield seen
    event.remove(db.engine, "before_cursor_execute", capture)


@pytest.mark.parametrize("q", ["lamp", "路灯", "井盖 manhole"])
def test_the_list_reads_the_text_index_not_every_case(client, corpus, sent_with_parameters, q):
    """Through the index on both databases: FTS5's on SQLite, the GIN indexes on PostgreSQL
    (asked with sequential scans off: the test table is tiny); the page's cases by id."""
    sent_with_parameters.clear()
    assert client.get("/api/v1/cases", query_string={"q": q}).status_code == 200
    sent = [(s, p) for s, p in sent_with_parameters if s.lstrip().startswith("SELECT")]
    searches = [(s, p) for s, p in sent if "case_search" in s]
    # the page's ids (SQLite: a page that is not full is the total); PostgreSQL counts first
    expected = 2 if db.engine.dialect.name == "postgresql" else 1
    assert len(searches) == expected, searches
    for statement, parameters in sent:
        plan = query_plan(statement, parameters)
        if db.engine.dialect.name == "postgresql":
            assert "Seq Scan on case" not in plan, plan
        else:
            assert "SCAN cases\n" not in plan + "\n", plan
    for statement, parameters in searches:
        plan = query_plan(statement, parameters)
        if db.engine.dialect.name == "postgresql":
            assert "ix_case_search_document" in plan, plan
        else:
            assert "VIRTUAL TABLE INDEX" in plan, plan


def test_the_search_tables_follow_create_all(app):
    names = set(db.inspect(db.engine).get_table_names())
    expected = "case_search" if db.engine.dialect.name == "postgresql" else "case_search_newest"
    assert expected in names
    assert db.session.scalar(select(Case.id).limit(1)) is None
