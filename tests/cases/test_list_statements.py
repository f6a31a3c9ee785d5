"""A case list sends the same SQL statements however long its page (no query a row)."""

import pytest

from backend.cases import engagement
from backend.extensions import db
from tests.helpers import sql_statements

# The database path: a repeat from the public cache sends nothing at all.
pytestmark = pytest.mark.usefixtures("uncached")

# BEGIN, the page of rows, their photos, the count; the public also the count of hidden
# cases; the signed-in their token, follows and supports; staff the rows' tasks, not the
# hidden count (see docs/performance.md, "SQL statements per read").
BUDGET = {None: 5, "resident": 8, "staff": 8, "water_staff": 8, "admin": 8}


@pytest.mark.parametrize("who", ["resident", "staff", "water_staff", "admin", None])
def test_the_statement_count_does_not_grow_with_the_page(client, city, make_case, token_for, who):
    for n in range(12):
        case = make_case("assigned")
        if n % 2:  # the viewer's follow and support states are read for the page at once
            engagement.support(db.session, case, city.resident)
    db.session.commit()
    headers = token_for(getattr(city, who)) if who else {}
    counts = []
    for per_page in (2, 12):
        with sql_statements() as sent:
            response = client.get(f"/api/v1/cases?per_page={per_page}", headers=headers)
        assert response.status_code == 200
        items = response.get_json()["items"]
        assert len(items) == per_page
        assert all("overdue" in item and "can" in item["viewer"] for item in items)
        counts.append(len(sent))
    assert counts[0] == counts[1], counts
    assert counts[1] <= BUDGET[who], counts
