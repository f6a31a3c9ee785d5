"""Settings a city changes while running: admins only, strictly typed, audited, and in
force at the next request of every process."""

import pytest

from backend.audit.models import AuditEntry
from backend.citysettings import service
from backend.citysettings.models import CitySetting
from backend.extensions import db
from tests.helpers import error_of

PATH = "/api/v1/admin/settings"
NEW = {"title": "A shaded bus stop", "body": "The stop on Fuzhou Rd has no shade."}


def _values(response) -> dict:
    assert response.status_code == 200, response.get_json()
    return {item["name"]: item for item in response.get_json()["items"]}


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("resident", 403), ("volunteer", 403), ("staff", 403), ("admin", 200)],
)
def test_only_admins_read_and_change_them(client, as_role, role, status):
    headers = as_role(role)
    assert client.get(PATH, headers=headers).status_code == status
    # A non-admin is answered before the body is looked at, even a wrong one.
    assert client.patch(PATH, json={"reopen_days": "x"}, headers=headers).status_code == (
        422 if role == "admin" else status
    )
    response = client.patch(PATH, json={"reopen_days": 9}, headers=headers)
    assert response.status_code == status
    db.session.rollback()
    assert (db.session.get(CitySetting, "REOPEN_DAYS") is not None) == (role == "admin")


@pytest.mark.parametrize(
    "body",
    [
        {"proposal_review": "true"},
        {"proposal_review": 1},
        {"moderation_flag_threshold": "3"},
        {"moderation_flag_threshold": True},
        {"moderation_flag_threshold": 2.5},
        {"moderation_flag_threshold": 0},
        {"auto_close_days": -1},
        {"reopen_days": 366},
        {"reopen_days": 10, "not_a_setting": 1},
        {"SECRET_KEY": "mine"},
    ],
)
def test_wrong_values_are_refused_and_nothing_is_stored(client, as_role, body):
    response = client.patch(PATH, json=body, headers=as_role("admin"))
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"
    db.session.rollback()
    assert db.session.query(CitySetting).count() == 0


def test_a_change_holds_at_once_and_null_goes_back_to_the_configuration(
    client, as_role, make_user, token_for
):
    admin, author = as_role("admin"), token_for(make_user())
    before = _values(client.get(PATH, headers=admin))["proposal_review"]
    assert (before["value"], before["configured"], before["changed"]) == (False, False, False)

    after = _values(client.patch(PATH, json={"proposal_review": True}, headers=admin))
    assert (after["proposal_review"]["value"], after["proposal_review"]["changed"]) == (True, True)
    created = client.post("/api/v1/proposals", json=NEW, headers=author)
    assert created.get_json()["status"] == "pending"

    reset = _values(client.patch(PATH, json={"proposal_review": None}, headers=admin))
    assert reset["proposal_review"]["changed"] is False
    created = client.post("/api/v1/proposals", json=NEW, headers=author)
    assert created.get_json()["status"] == "published"

    entries = (
        db.session.query(AuditEntry)
        .filter_by(target_type="city_settings")
        .order_by(AuditEntry.id)
        .all()
    )
    assert [e.action for e in entries] == ["setting.created", "setting.deleted"]
    assert entries[0].after["value"] is True


def test_another_process_changing_a_setting_holds_at_the_next_request(client, make_user, token_for):
    author = token_for(make_user())
    assert client.post("/api/v1/proposals", json=NEW, headers=author).get_json()["status"] == (
        "published"
    )
    db.session.add(CitySetting(key="PROPOSAL_REVIEW", value=True))  # as another worker would
    db.session.commit()
    assert client.post("/api/v1/proposals", json=NEW, headers=author).get_json()["status"] == (
        "pending"
    )


def test_one_report_hides_when_the_city_says_one_is_enough(
    client, as_role, make_user, token_for, make_case
):
    case = make_case()
    client.patch(PATH, json={"moderation_flag_threshold": 1}, headers=as_role("admin"))
    flag = {"target_type": "case", "target_id": case.id, "reason": "spam"}
    assert client.post("/api/v1/flags", json=flag, headers=as_role("resident")).status_code == 201
    assert client.get(f"/api/v1/cases/{case.id}").status_code == 404


def test_jobs_and_the_sweep_read_the_stored_values_too(app):
    db.session.add(CitySetting(key="AUTO_CLOSE_DAYS", value=0))
    db.session.commit()
    assert service.effective(app.config)["AUTO_CLOSE_DAYS"] == 0
    assert service.effective(app.config)["REOPEN_DAYS"] == app.config["REOPEN_DAYS"]
