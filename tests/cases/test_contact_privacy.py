"""A reporter's e-mail and phone go to the staff of the departments handling the case (lead
or co-handling) and to admins, not to every staff member of the city."""

import pytest

from backend.cases.models import Status


def _reporter(client, case, headers) -> dict:
    one = client.get(f"/api/v1/cases/{case.id}", headers=headers).get_json()["reporter"]
    listed = client.get("/api/v1/cases", headers=headers).get_json()["items"]
    [same] = [c["reporter"] for c in listed if c["id"] == case.id]
    assert same == one
    return one


@pytest.mark.parametrize(
    "who, sees",
    [("staff", True), ("admin", True), ("water_staff", False), ("volunteer", False),
     ("resident", False)],
)  # fmt: skip
def test_contact_details_go_to_the_handling_department_and_admins(
    client, city, make_case, token_for, who, sees
):
    case = make_case(Status.ASSIGNED)
    reporter = _reporter(client, case, token_for(getattr(city, who)))
    assert ("phone" in reporter and reporter["phone"] == "+86 21 5555 0101") is sees
    assert ("email" in reporter) is sees


def test_a_co_handling_department_sees_the_contact(client, city, make_case, token_for):
    case = make_case(Status.IN_PROGRESS)
    water = token_for(city.water_staff)
    assert "phone" not in _reporter(client, case, water)
    response = client.post(
        f"/api/v1/cases/{case.id}/tasks",
        json={"department": "water", "note": "Check the main"},
        headers=token_for(city.staff),
    )
    assert response.status_code == 201
    assert _reporter(client, case, water)["phone"] == "+86 21 5555 0101"
