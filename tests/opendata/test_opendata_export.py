"""Open data exports: parsed with the csv module and the geojson package."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import geojson
import pytest

from backend.cases.history import record_event
from backend.db import utcnow
from backend.extensions import db
from backend.opendata.service import COLUMNS, neutralise
from tests.helpers import hide

PERSONAL = ("Rita Reporter", "+86 21 5555 0101", "@example", "secret staff remark")


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.data
    assert response.content_type == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def features(response) -> list[dict]:
    assert response.status_code == 200, response.data
    assert response.content_type == "application/geo+json"
    collection = geojson.loads(response.get_data(as_text=True))
    assert isinstance(collection, geojson.FeatureCollection)
    assert collection.is_valid, collection.errors()
    return collection["features"]


def test_csv_has_the_documented_columns_and_no_personal_data(client, make_case, city):
    case = make_case("closed", address="8 Huaihai Road")
    record_event(db.session, case, None, "escalate", internal=True, note="secret staff remark")
    db.session.commit()
    response = client.get("/api/v1/opendata/cases.csv", buffered=True)
    rows = csv_rows(response)
    assert list(rows[0]) == list(COLUMNS)
    row = rows[0]
    assert row["id"] == str(case.id) and row["status"] == "closed"
    assert (row["category"], row["category_name"], row["department"]) == (
        "pothole",
        "Pothole",
        "roads",
    )
    assert float(row["lat"]) == case.lat and float(row["lon"]) == case.lon
    assert row["closed_at"].endswith("Z") and row["url"].endswith(f"/cases/{case.id}")
    text = response.get_data(as_text=True)
    assert not any(personal in text for personal in PERSONAL)
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="cityloop-cases-{utcnow().date().isoformat()}.csv"'


def test_geojson_points_are_lon_lat(client, make_case):
    case = make_case(lat=31.1, lon=121.5)
    found = features(client.get("/api/v1/opendata/cases.geojson", buffered=True))
    assert len(found) == 1
    assert found[0]["geometry"] == {"type": "Point", "coordinates": [121.5, 31.1]}
    assert found[0]["properties"]["id"] == case.id
    assert set(found[0]["properties"]) == set(COLUMNS) - {"lat", "lon"}


def test_an_empty_export_is_still_valid(client):
    assert features(client.get("/api/v1/opendata/cases.geojson", buffered=True)) == []
    assert csv_rows(client.get("/api/v1/opendata/cases.csv", buffered=True)) == []


def test_hidden_cases_are_absent(client, make_case, as_role):
    shown, hidden = make_case(), make_case(description="Hide me please")
    hide(client, as_role("volunteer"), "case", hidden.id)
    ids = [row["id"] for row in csv_rows(client.get("/api/v1/opendata/cases.csv", buffered=True))]
    assert ids == [str(shown.id)]
    assert [
        f["id"] for f in features(client.get("/api/v1/opendata/cases.geojson", buffered=True))
    ] == [shown.id]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_formula_cells_are_neutralised(client, make_case, start):
    make_case(title=f"{start}HYPERLINK(1)", description=f"{start}cmd|' /C calc'!A0 and more")
    row = csv_rows(client.get("/api/v1/opendata/cases.csv", buffered=True))[0]
    assert row["title"].startswith("'")
    assert row["description"].startswith("'")


def test_filters_and_creation_dates(client, make_case, city):
    now = utcnow()
    old = make_case(now=now - timedelta(days=10))
    leak = make_case(category=city.leak)
    ids = lambda r: [row["id"] for row in csv_rows(r)]  # noqa: E731
    assert ids(client.get("/api/v1/opendata/cases.csv?category=leak", buffered=True)) == [
        str(leak.id)
    ]
    day = (now - timedelta(days=10)).date().isoformat()
    query = f"created_from={day}&created_to={day}"
    assert ids(client.get(f"/api/v1/opendata/cases.csv?{query}", buffered=True)) == [str(old.id)]
    assert ids(client.get("/api/v1/opendata/cases.csv?status=closed", buffered=True)) == []


@pytest.mark.parametrize(
    "query",
    ["created_from=yesterday", "created_from=2026-02-01&created_to=2026-01-01", "bbox=1,2"],
)
def test_bad_filters_are_422(client, query):
    response = client.get(f"/api/v1/opendata/cases.csv?{query}", buffered=True)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("cell", ["\tx", "\rx", "=1+1", "+1", "-1", "@SUM(A1)"])
def test_every_formula_start_is_quoted(cell):
    assert neutralise(cell) == "'" + cell
    assert neutralise("plain") == "plain" and neutralise(-73.5) == "-73.5"
