"""Preferences per kind: live, push, digest or off."""

import pytest

from backend.extensions import db
from backend.notify import service
from tests.helpers import error_of

DEFAULTS = {kind.name: kind.default for kind in service.KINDS.values()}


def test_defaults_then_a_partial_update(client, make_user, token_for):
    headers = token_for(make_user())
    assert client.get("/api/v1/notifications/preferences", headers=headers).get_json() == DEFAULTS
    response = client.put(
        "/api/v1/notifications/preferences", json={"case_reply": "off"}, headers=headers
    )
    assert response.status_code == 200
    assert response.get_json() == DEFAULTS | {"case_reply": "off"}
    again = client.get("/api/v1/notifications/preferences", headers=headers).get_json()
    assert again == DEFAULTS | {"case_reply": "off"}


@pytest.mark.parametrize("body", [{"case_reply": "sms"}, {"nonsense": "live"}])
def test_unknown_kinds_and_channels_are_refused(client, as_role, body):
    response = client.put(
        "/api/v1/notifications/preferences", json=body, headers=as_role("resident")
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"


def test_preferences_need_a_signed_in_user(client):
    assert client.get("/api/v1/notifications/preferences").status_code == 401


@pytest.mark.parametrize("channel, stored", [("off", False), ("digest", True), ("live", True)])
def test_the_channel_decides_whether_and_how(app, make_user, channel, stored):
    alice = make_user()
    service.set_preferences(db.session, alice, {"case_update": channel})
    created = service.notify(db.session, [alice.id], kind="case_update", target_type="case",
                             target_id=3, text="moved")  # fmt: skip
    db.session.commit()
    assert bool(created) is stored
    if stored:
        assert created[0].channel == channel
