"""The demo city gives figures worth looking at: ratings, transfers, a recurring problem."""


def test_the_demo_city_has_ratings_transfers_and_a_recurring_problem(app, client):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    overview = client.get("/api/v1/stats/overview").get_json()
    assert overview["received"] > 200
    assert overview["satisfaction"]["count"] > 10
    assert overview["transfer_rate"] > 0
    assert overview["closed"] > 0 and overview["on_time_closure_rate"] is not None
    recurring = client.get("/api/v1/stats/recurring").get_json()["items"]
    assert [item["category"]["code"] for item in recurring] == ["pothole"]
    assert len(recurring[0]["cases"]) >= 5
