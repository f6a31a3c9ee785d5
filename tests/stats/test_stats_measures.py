"""Trend and per-category figures, against hand-computed values on a second city (see
tests/fixtures_stats.py): January has A-H and K filed, A-D closed; February has I and J
filed, I, J and K closed. A month's point of the trend equals that month's overview."""

from __future__ import annotations

import pytest

from tests.fixtures_stats import FEB, JAN


def _get(client, path, period=JAN, **params):
    params = {"from": period[0], "to": period[1], **params}
    response = client.get(f"/api/v1/stats/{path}", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _hours(accept, resolve, close):
    return {
        "accept": dict(zip(("median", "p90"), accept, strict=True)),
        "resolve": dict(zip(("median", "p90"), resolve, strict=True)),
        "close": dict(zip(("median", "p90"), close, strict=True)),
    }


def _statuses(**counts):
    return counts


def _r(rate: float) -> float:
    return round(rate, 4)  # rates are answered to four places


JANUARY = {
    "received": 9,
    "by_status": _statuses(closed=5, rejected=1, merged=1, in_progress=1, submitted=1),
    "open": 2,
    "overdue": 1,
    "closed": 4,
    "on_time_closure_rate": _r(3 / 4),  # A, C on time, D has no due time, B late
    "rework_rate": _r(1 / 5),  # C of A B C D K
    "transfer_rate": _r(1 / 6),  # D of A B C D G K
    "satisfaction": {"mean": round(11 / 3, 2), "count": 3},  # A 5, B 2, D 4; C unrated, K in Feb
    # accept [1 1 1 2 3 4]; first resolve [5 8 10 40 60]; first close [9 12 30 50 70]
    "hours": _hours((1.5, 3.5), (10, 52), (30, 62)),
}
FEBRUARY = {
    "received": 2,
    "by_status": _statuses(closed=2),
    "open": 0,
    "overdue": 0,
    "closed": 3,
    "on_time_closure_rate": _r(2 / 3),  # K late
    "rework_rate": 0.0,
    "transfer_rate": 0.0,
    "satisfaction": {"mean": 3.0, "count": 3},  # I 3, J 5, K 1
    "hours": _hours((2, 2.8), (14, 22), (17.5, 27.5)),
}
ROADS_JANUARY = {
    "received": 5,  # A B C H K (D left for water)
    "by_status": _statuses(closed=4, submitted=1),
    "open": 1,
    "overdue": 0,
    "closed": 3,
    "on_time_closure_rate": _r(2 / 3),
    "rework_rate": _r(1 / 4),
    "transfer_rate": 0.0,
    "satisfaction": {"mean": 3.5, "count": 2},
    "hours": _hours((1, 1.7), (25, 54), (40, 64)),
}
WATER_JANUARY = {
    "received": 4,  # D E F G
    "by_status": _statuses(closed=1, rejected=1, merged=1, in_progress=1),
    "open": 1,
    "overdue": 1,
    "closed": 1,
    "on_time_closure_rate": 1.0,
    "rework_rate": 0.0,
    "transfer_rate": _r(1 / 2),
    "satisfaction": {"mean": 4.0, "count": 1},
    "hours": _hours((3.5, 3.9), (8, 8), (9, 9)),
}
NOTHING = {
    "received": 0,
    "by_status": _statuses(),
    "open": 0,
    "overdue": 0,
    "closed": 0,
    "on_time_closure_rate": None,
    "rework_rate": None,
    "transfer_rate": None,
    "satisfaction": {"mean": None, "count": 0},
    "hours": _hours((None, None), (None, None), (None, None)),
}


def _same(answer, expected, path="") -> None:
    """Equal, with rates compared to the float nearest the fraction."""
    if isinstance(expected, dict):
        assert set(answer) >= set(expected), path
        for key, value in expected.items():
            _same(answer[key], value, f"{path}.{key}")
    elif expected is None:
        assert answer is None, path
    else:
        assert answer == pytest.approx(expected), path


@pytest.mark.parametrize("period, expected", [(JAN, JANUARY), (FEB, FEBRUARY)])
def test_overview_gives_each_measure_of_a_period(client, stats_city, period, expected):
    _same(_get(client, "overview", period), expected)


def test_an_empty_month_of_the_trend_counts_nothing_with_null_rates(client, stats_city):
    answer = _get(client, "trend", ("2024-06-01", "2024-06-30"), interval="month")
    assert len(answer["items"]) == 1
    point = answer["items"][0]
    assert point.pop("start") == "2024-06-01"
    assert point == NOTHING


def test_departments_are_ranked_by_on_time_closure_each_with_its_own_cases(client, stats_city):
    items = _get(client, "departments")["items"]
    assert [item["department"] for item in items] == [
        {"code": "water", "name": "Water"},
        {"code": "roads", "name": "Roads"},
    ]
    _same(items[0], WATER_JANUARY)
    _same(items[1], ROADS_JANUARY)


def test_the_department_filter_gives_that_department_alone(client, stats_city):
    _same(_get(client, "overview", department="roads"), ROADS_JANUARY)
    items = _get(client, "departments", department="water")["items"]
    assert [item["department"]["code"] for item in items] == ["water"]


def test_the_category_filter_counts_that_category_only(client, stats_city):
    leak = _get(client, "overview", category="leak")  # E rejected, F merged, G in progress
    assert (leak["received"], leak["open"], leak["overdue"], leak["closed"]) == (3, 1, 1, 0)
    assert leak["on_time_closure_rate"] is None
    assert leak["rework_rate"] is None
    assert leak["transfer_rate"] == 0.0
    assert leak["hours"]["accept"] == {"median": 3.0, "p90": 3.0}


def test_categories_count_each_category(client, stats_city):
    items = _get(client, "categories")["items"]
    received = {item["category"]["code"]: item["received"] for item in items}
    assert received == {"pothole": 5, "leak": 3, "graffiti": 1}
    pothole = next(item for item in items if item["category"]["code"] == "pothole")
    assert pothole["transfer_rate"] == 0.2  # D of A B C D K


def test_a_monthly_trend_gives_the_figures_of_each_month(client, stats_city):
    answer = _get(client, "trend", (JAN[0], FEB[1]), interval="month")
    assert answer["interval"] == "month"
    assert [point["start"] for point in answer["items"]] == ["2025-01-01", "2025-02-01"]
    _same(answer["items"][0], JANUARY)
    _same(answer["items"][1], FEBRUARY)


def test_a_weekly_trend_starts_on_mondays_and_includes_empty_weeks(client, stats_city):
    items = _get(client, "trend", ("2025-01-06", "2025-01-26"), interval="week")["items"]
    assert [point["start"] for point in items] == ["2025-01-06", "2025-01-13", "2025-01-20"]
    assert [point["received"] for point in items] == [3, 5, 0]  # A B C | D G F E H
    assert items[2]["rework_rate"] is None


def test_a_daily_trend_puts_a_case_on_the_day_it_was_filed(client, stats_city):
    items = _get(client, "trend", ("2025-01-09", "2025-01-11"), interval="day")["items"]
    assert [(p["start"], p["received"], p["closed"]) for p in items] == [
        ("2025-01-09", 0, 0),
        ("2025-01-10", 1, 1),
        ("2025-01-11", 1, 0),  # B closed on the 14th
    ]


@pytest.mark.parametrize(
    "path, params, field",
    [
        ("overview", {"from": "2025-02-01", "to": "2025-01-01"}, "from"),
        ("overview", {"from": "yesterday"}, "from"),
        ("overview", {"to": "2025-13-01"}, "to"),
        ("overview", {"category": "no-such"}, "category"),
        ("departments", {"department": "no-such"}, "department"),
        ("categories", {"from": "2015-01-01", "to": "2025-01-01"}, "from"),
        ("trend", {"interval": "hour"}, "interval"),
        ("trend", {"from": "2024-01-01", "to": "2025-12-31", "interval": "day"}, "interval"),
    ],
)
def test_bad_filters_are_a_422_naming_the_field(client, stats_city, path, params, field):
    response = client.get(f"/api/v1/stats/{path}", query_string=params)
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert field in str(body["fields"]), body
