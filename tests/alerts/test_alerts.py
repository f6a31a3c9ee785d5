"""Area alerts: who may send, expiry, supersede (Update/Cancel), the live ``alerts`` room,
the audit trail, CAP 1.2 documents valid against the OASIS schema and the Atom feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from capparselib.parsers import CAPParser
from lxml import etree

from backend.alerts import service
from backend.extensions import db
from tests.fixtures_live import received, subscribe
from tests.helpers import error_of

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("CAP-v1.2.xsd"))))
CENTRE = {"lat": 31.2304, "lon": 121.4737, "radius_m": 800}


def _soon(hours: float = 6) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def _alert(**fields) -> dict:
    return {
        "title": "Flooding on Nanjing Road",
        "body": "Water is 30 cm deep; keep away from the underpass.",
        "severity": "severe",
        "area": CENTRE,
        "expires_at": _soon(),
        **fields,
    }


def _send(client, headers, **fields):
    return client.post("/api/v1/alerts", json=_alert(**fields), headers=headers)


def _active(client, headers=None) -> list[dict]:
    response = client.get("/api/v1/alerts", headers=headers or {})
    assert response.status_code == 200
    return response.get_json()["items"]


def _valid_cap(client, alert_id: int) -> bytes:
    response = client.get(f"/api/v1/alerts/{alert_id}.cap")
    assert response.status_code == 200
    assert response.mimetype == "application/cap+xml"
    document = etree.fromstring(response.data)
    SCHEMA.assertValid(document)
    return response.data


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", 401),
        ("resident", 403),
        ("volunteer", 403),
        ("staff_roads", 201),
        ("staff_no_department", 403),
        ("admin", 201),
    ],
)
def test_who_may_send_an_alert(client, city, as_role, token_for, who, expected):
    headers = {
        "staff_roads": lambda: token_for(city.staff),
        "staff_no_department": lambda: as_role("staff"),
    }.get(who, lambda: as_role(who))()
    response = _send(client, headers)
    assert response.status_code == expected, response.get_json()
    if expected != 201:
        error_of(response)
        assert _active(client) == []


def test_staff_send_only_for_their_own_departments(client, city, token_for):
    response = _send(client, token_for(city.staff), department="water")
    assert response.status_code == 403
    sent = _send(client, token_for(city.staff), department="roads").get_json()
    assert sent["department"]["code"] == "roads"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"severity": "apocalyptic"}, "severity"),
        ({"area": {"lat": 31.2, "lon": 121.4, "radius_m": 0}}, "area"),
        ({"area": {"lat": "31", "lon": 121.4, "radius_m": 10}}, "area"),
        ({"expires_at": "2001-01-01T00:00:00+00:00"}, "expires_at"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"title": ""}, "title"),
        ({"references": 1}, "references"),
    ],
)
def test_bad_alerts_are_refused_with_the_field(client, city, token_for, change, field):
    response = _send(client, token_for(city.staff), **change)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


def test_a_new_alert_needs_its_content(client, city, token_for):
    response = client.post("/api/v1/alerts", json={"title": "x"}, headers=token_for(city.staff))
    assert response.status_code == 422
    assert {"body", "severity", "area", "expires_at"} <= set(error_of(response)["fields"])


def test_the_list_is_public_and_only_staff_see_who_sent(client, city, token_for):
    sent = _send(client, token_for(city.staff)).get_json()
    [public] = _active(client)
    assert public["id"] == sent["id"] and public["sent_by"] is None
    assert public["area"] == CENTRE and public["severity"] == "severe"
    [staff_view] = _active(client, token_for(city.water_staff))
    assert staff_view["sent_by"] == {"id": city.staff.id, "display_name": "Sam Roads"}


def test_every_send_is_in_the_audit_log_with_its_sender(client, city, token_for):
    from sqlalchemy import select

    from backend.audit.models import AuditEntry

    first = _send(client, token_for(city.staff)).get_json()
    cancel = _send(client, token_for(city.admin), msg_type="Cancel", references=first["id"])
    db.session.rollback()
    stmt = select(AuditEntry).where(AuditEntry.target_type == "alert").order_by(AuditEntry.id)
    entries = [(e.actor_id, e.action, e.target_id) for e in db.session.scalars(stmt)]
    assert entries == [
        (city.staff.id, "alert.alert", str(first["id"])),
        (city.admin.id, "alert.cancel", str(cancel.get_json()["id"])),
    ]


def test_alerts_expire(client, city):
    past = datetime.now(UTC) - timedelta(hours=3)
    data = {**_alert(), "msg_type": "Alert", "expires_at": past + timedelta(hours=1)}
    data["area"] = dict(CENTRE)
    expired = service.send_alert(db.session, city.staff, data, now=past)
    db.session.commit()
    assert _active(client) == []
    _valid_cap(client, expired.id)  # the message itself stays readable


def test_an_update_supersedes_and_a_cancel_ends(client, city, token_for):
    staff = token_for(city.staff)
    first = _send(client, staff).get_json()
    update = _send(client, staff, msg_type="Update", references=first["id"], severity="extreme")
    assert update.status_code == 201
    update = update.get_json()
    assert [a["id"] for a in _active(client)] == [update["id"]]
    assert update["references"] == first["id"] and update["severity"] == "extreme"

    again = _send(client, staff, msg_type="Update", references=first["id"])
    assert again.status_code == 422  # superseded already

    other = _send(client, token_for(city.water_staff), msg_type="Cancel", references=update["id"])
    assert other.status_code == 403
    cancel = client.post(
        "/api/v1/alerts",
        json={"msg_type": "Cancel", "references": update["id"]},
        headers=token_for(city.admin),
    )
    assert cancel.status_code == 201, cancel.get_json()
    assert cancel.get_json()["title"] == update["title"]
    assert _active(client) == []
    missing = client.post("/api/v1/alerts", json={"msg_type": "Update"}, headers=staff)
    assert "references" in error_of(missing)["fields"]


def test_cap_documents_validate_and_parse(client, city, token_for):
    staff = token_for(city.staff)
    first = _send(client, staff).get_json()
    update = _send(client, staff, msg_type="Update", references=first["id"]).get_json()
    cancel = _send(client, staff, msg_type="Cancel", references=update["id"]).get_json()

    root = etree.fromstring(_valid_cap(client, first["id"]))
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert root.tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"
    assert (
        root.findtext("cap:info/cap:area/cap:circle", namespaces=ns) == "31.230400,121.473700 0.8"
    )
    assert root.findtext("cap:info/cap:severity", namespaces=ns) == "Severe"

    [parsed] = CAPParser(_valid_cap(client, update["id"]).decode()).as_dict()
    assert parsed["cap_message_type"] == "Update"
    first_id = root.findtext("cap:identifier", namespaces=ns)
    assert first_id in str(parsed["cap_references"])
    [info] = parsed["cap_info"]
    assert str(info["cap_area"][0]["circles"][0]) == "31.230400,121.473700 0.8"

    [cancelled] = CAPParser(_valid_cap(client, cancel["id"]).decode()).as_dict()
    assert cancelled["cap_message_type"] == "Cancel"
    assert client.get("/api/v1/alerts/999999.cap").status_code == 404


def test_the_atom_feed_lists_the_active_alerts(client, city, token_for):
    staff = token_for(city.staff)
    first = _send(client, staff, title="Gas leak").get_json()
    second = _send(client, staff, title="Road closed").get_json()
    _send(client, staff, msg_type="Cancel", references=first["id"])
    response = client.get("/api/v1/alerts/feed.atom")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0 and feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Road closed"]
    [link] = [li for li in feed.entries[0].links if li.type == "application/cap+xml"]
    assert link.href.endswith(f"/api/v1/alerts/{second['id']}.cap")


def test_alerts_go_out_live_in_the_public_room(client, city, token_for, socket_client):
    anonymous = socket_client()
    assert subscribe(anonymous, "alerts").get("ok", True) is not False
    received(anonymous, "alert")
    sent = _send(client, token_for(city.staff)).get_json()
    [event] = received(anonymous, "alert")
    assert event["id"] == sent["id"] and event["sent_by"] is None
    late = socket_client()
    ack = subscribe(late, "alerts", since=0)
    assert [a["id"] for a in ack["missed"]] == [sent["id"]]
