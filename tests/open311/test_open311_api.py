"""Open311 GeoReport v2: every endpoint in XML (parsed with an XML parser) and JSON
(checked against the spec's shapes in schemas311), each error case, and the round trip."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import jsonschema
import pytest

from backend.auth import service as auth_service
from backend.cases.history import record_event
from backend.cases.models import Case
from backend.db import utcnow
from backend.extensions import db
from tests.helpers import hide
from tests.open311 import schemas311

BASE = "/open311/v2"
QUESTIONS = [
    {
        "code": "size",
        "datatype": "singlevaluelist",
        "required": True,
        "description": "How big?",
        "order": 2,
        "values": [{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}],
    },
    {
        "code": "depth_cm",
        "datatype": "number",
        "required": False,
        "description": "Depth",
        "order": 1,
    },
    {
        "code": "seen_at",
        "datatype": "datetime",
        "required": False,
        "description": "Seen",
        "order": 3,
    },
    {"code": "lane", "datatype": "string", "required": False, "description": "Lane", "order": 4},
    {"code": "story", "datatype": "text", "required": False, "description": "Story", "order": 5},
    {
        "code": "hazards",
        "datatype": "multivaluelist",
        "required": False,
        "description": "Hazards",
        "order": 6,
        "values": [{"key": "water", "name": "Water"}, {"key": "glass", "name": "Glass"}],
    },
]


@pytest.fixture
def api_key(app, city):
    city.pothole.attributes = QUESTIONS
    db.session.commit()
    _, raw = auth_service.create_api_key(db.session, "Bot")
    db.session.commit()
    return raw


def get_json(client, path, expect=200, **query):
    response = client.get(f"{BASE}/{path}.json", query_string=query)
    assert response.status_code == expect, response.data
    assert response.content_type == "application/json; charset=utf-8"
    return response.get_json()


def get_xml(client, path, expect=200, **query):
    response = client.get(f"{BASE}/{path}.xml", query_string=query)
    assert response.status_code == expect, response.data
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.data)


def post(client, fmt="json", headers=None, **fields):
    form = {
        "service_code": "pothole",
        "lat": "31.2304",
        "long": "121.4737",
        "description": "A hole in the road",
        "attribute[size]": "large",
        **fields,
    }
    form = {k: v for k, v in form.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data=form, headers=headers or {})


def assert_error(response, status: int, fmt: str = "json") -> str:
    assert response.status_code == status, response.data
    if fmt == "json":
        body = response.get_json()
        jsonschema.validate(body, schemas311.ERRORS)
        assert body[0]["code"] == status
        return body[0]["description"]
    root = ET.fromstring(response.data)
    assert root.tag == "errors"
    assert root.find("error/code").text == str(status)
    return root.find("error/description").text


def test_discovery_lists_the_endpoint_and_both_formats(client):
    body = get_json(client, "discovery")
    jsonschema.validate(body, schemas311.DISCOVERY)
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    root = get_xml(client, "discovery")
    assert root.tag == "discovery"
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]


def test_services_are_the_active_categories(client, api_key, city, make_category):
    make_category("gone", department=city.roads).active = False
    db.session.commit()
    body = get_json(client, "services")
    jsonschema.validate(body, schemas311.SERVICES)
    by_code = {s["service_code"]: s for s in body}
    assert set(by_code) == {"pothole", "leak"}
    assert by_code["pothole"]["metadata"] is True and by_code["leak"]["metadata"] is False
    assert by_code["leak"]["group"] == "Water"
    root = get_xml(client, "services")
    assert [s.findtext("service_code") for s in root.findall("service")] == ["leak", "pothole"]
    assert root.find("service/metadata").text == "false"


def test_a_service_definition_has_all_six_datatypes_in_order(client, api_key):
    body = get_json(client, "services/pothole")
    jsonschema.validate(body, schemas311.SERVICE_DEFINITION)
    attributes = body["attributes"]
    assert [a["code"] for a in attributes] == [
        "depth_cm",
        "size",
        "seen_at",
        "lane",
        "story",
        "hazards",
    ]
    assert {a["datatype"] for a in attributes} == {
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    }
    size = attributes[1]
    assert size["required"] is True and size["variable"] is True
    assert size["values"] == [{"key": "small", "name": "Small"}, {"key": "large", "name": "Large"}]
    root = get_xml(client, "services/pothole")
    assert root.tag == "service_definition"
    first = root.find("attributes/attribute")
    assert first.findtext("code") == "depth_cm" and first.findtext("order") == "1"
    keys = [
        v.findtext("key") for v in root.findall("attributes/attribute[code='hazards']/values/value")
    ]
    assert keys == ["water", "glass"]


def test_an_unknown_service_is_404_in_both_formats(client, api_key):
    assert "nope" in assert_error(client.get(f"{BASE}/services/nope.json"), 404)
    assert_error(client.get(f"{BASE}/services/nope.xml"), 404, "xml")


def test_posting_files_an_ordinary_case_with_the_answers_and_contact(client, api_key, city):
    response = post(
        client,
        api_key=api_key,
        email="li@example.cn",
        first_name="Li",
        last_name="Wei",
        phone="+86 21 1234",
        address_string="1 Nanjing Road",
        **{"attribute[depth_cm]": "12", "attribute[hazards][]": ["water", "glass"]},
    )
    assert response.status_code == 200, response.data
    body = response.get_json()
    jsonschema.validate(body, schemas311.POST_RESPONSE)
    case = db.session.get(Case, int(body[0]["service_request_id"]))
    assert case.status == "submitted" and case.source == "open311"
    assert case.answers == {"size": "large", "depth_cm": 12, "hazards": ["water", "glass"]}
    assert (case.contact_name, case.contact_email) == ("Li Wei", "li@example.cn")
    assert case.reporter_id is None and case.address == "1 Nanjing Road"
    events = client.get(f"/api/v1/cases/{case.id}/events").get_json()["items"]
    assert [e["action"] for e in events] == ["submit"]
    public = client.get(f"/api/v1/cases/{case.id}").get_json()
    assert "li@example.cn" not in str(public)


def test_posting_in_xml_answers_in_xml(client, api_key):
    response = post(client, "xml", api_key=api_key)
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text.isdigit()
    assert root.find("request/token").text


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "clk_wrong"}, 403, "api_key"),
        ({"service_code": "nope"}, 400, "service_code"),
        ({"attribute[size]": None}, 400, "attribute[size]"),
        ({"attribute[size]": "huge"}, 400, "attribute[size]"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"lat": None, "long": None, "address_string": "Main St"}, 400, "lat and long"),
        ({"lat": "91"}, 400, "lat"),
        ({"long": "east"}, 400, "long"),
        ({"description": "x" * 4001}, 400, "description"),
        ({"description": None}, 400, "description"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
def test_a_bad_post_is_the_specs_error_and_files_nothing(
    client, api_key, fmt, fields, status, words
):
    fields = {"api_key": api_key, **fields}
    description = assert_error(post(client, fmt, **fields), status, fmt)
    assert words in description
    assert db.session.query(Case).count() == 0


def test_a_revoked_key_is_refused(client, api_key):
    key = auth_service.verify_api_key(db.session, api_key)
    auth_service.revoke_api_key(db.session, key.id)
    db.session.commit()
    assert_error(post(client, api_key=api_key), 403)


def test_requests_list_in_both_formats(client, make_case):
    case = make_case("in_progress", address="2 Bund")
    body = get_json(client, "requests")
    jsonschema.validate(body, schemas311.REQUESTS)
    assert body[0]["service_request_id"] == str(case.id)
    assert body[0]["agency_responsible"] == "Roads"
    assert body[0]["expected_datetime"] is not None
    root = get_xml(client, "requests")
    request = root.find("request")
    assert request.findtext("service_request_id") == str(case.id)
    assert request.findtext("status") == "open"
    assert float(request.findtext("long")) == case.lon


def test_closed_covers_closed_rejected_and_merged(client, make_case):
    ids = {status: make_case(status).id for status in ("closed", "rejected", "merged", "resolved")}
    closed = {r["service_request_id"] for r in get_json(client, "requests", status="closed")}
    assert closed == {str(ids["closed"]), str(ids["rejected"]), str(ids["merged"])}
    opened = {r["service_request_id"] for r in get_json(client, "requests", status="open")}
    assert str(ids["resolved"]) in opened and not opened & closed


def test_filters_service_code_ids_dates_paging_and_updates(client, make_case, city):
    now = utcnow()
    old = make_case(now=now - timedelta(days=100))
    pothole = make_case()
    leak = make_case(category=city.leak)
    codes = lambda body: [r["service_request_id"] for r in body]  # noqa: E731
    assert codes(get_json(client, "requests", service_code="leak")) == [str(leak.id)]
    assert str(old.id) not in codes(get_json(client, "requests"))  # 90-day default
    listed = get_json(client, "requests", service_request_id=f"{old.id},{leak.id}", status="closed")
    assert sorted(codes(listed)) == sorted([str(old.id), str(leak.id)])  # ids override the rest
    start = (now - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert codes(get_json(client, "requests", start_date=start, end_date=end)) == [str(old.id)]
    page = get_json(client, "requests", page_size=1, page=2)
    assert len(page) == 1
    since = (now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = codes(get_json(client, "requests", updated_after=since))
    assert set(recent) == {str(pothole.id), str(leak.id)}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "yesterday"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
        {"status": "pending"},
        {"service_request_id": "1,abc"},
        {"page_size": "0"},
        {"page": "-1"},
    ],
)
def test_bad_or_too_wide_queries_are_400(client, fmt, query):
    assert_error(client.get(f"{BASE}/requests.{fmt}", query_string=query), 400, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_ids_and_tokens_are_404(client, fmt):
    assert_error(client.get(f"{BASE}/requests/1234567.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}/requests/abc.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}/tokens/MTIz.forged.{fmt}"), 404, fmt)
    assert_error(client.get(f"{BASE}/whatever.{fmt}"), 404, fmt)


def test_a_request_by_id_and_by_token(client, api_key):
    body = post(client, api_key=api_key).get_json()[0]
    one = get_json(client, f"requests/{body['service_request_id']}")
    jsonschema.validate(one, schemas311.REQUESTS)
    assert len(one) == 1 and one[0]["service_request_id"] == body["service_request_id"]
    root = get_xml(client, f"requests/{body['service_request_id']}")
    assert root.findtext("request/service_code") == "pothole"
    token = get_json(client, f"tokens/{body['token']}")
    jsonschema.validate(token, schemas311.TOKEN)
    assert token[0]["service_request_id"] == body["service_request_id"]
    assert (
        get_xml(client, f"tokens/{body['token']}").findtext("request/service_request_id")
        == (body["service_request_id"])
    )


def test_hidden_cases_are_not_served(client, make_case, as_role):
    case = make_case()
    hide(client, as_role("volunteer"), "case", case.id)
    assert get_json(client, "requests") == []
    assert_error(client.get(f"{BASE}/requests/{case.id}.json"), 404)


def test_jurisdiction_is_checked_when_configured(client, app, monkeypatch):
    assert get_json(client, "services", jurisdiction_id="anything") == []
    monkeypatch.setitem(app.config, "OPEN311_JURISDICTION_ID", "cityloop.example")
    assert get_json(client, "services", jurisdiction_id="cityloop.example") == []
    assert_error(client.get(f"{BASE}/services.xml?jurisdiction_id=elsewhere"), 404, "xml")


def test_a_retried_post_with_the_same_idempotency_key_files_once(client, api_key):
    headers = {"Idempotency-Key": "retry-1"}
    first = ET.fromstring(post(client, "xml", api_key=api_key, headers=headers).data)
    again = post(client, "xml", api_key=api_key, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert ET.fromstring(again.data).findtext("request/service_request_id") == first.findtext(
        "request/service_request_id"
    )
    assert db.session.query(Case).count() == 1
    other = post(client, "xml", api_key=api_key, headers=headers, description="Another hole")
    assert_error(other, 400, "xml")


def test_the_rate_limit_is_per_api_key(client, api_key, app, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN311_POST_LIMIT", "2 per hour")
    _, second_key = auth_service.create_api_key(db.session, "Other bot")
    db.session.commit()
    assert [post(client, api_key=api_key).status_code for _ in range(2)] == [200, 200]
    limited = post(client, "xml", api_key=api_key)
    assert_error(limited, 429, "xml")
    assert limited.headers["Retry-After"]
    assert post(client, api_key=second_key).status_code == 200


def test_round_trip_through_the_loop(client, api_key, city, token_for):
    filed = post(client, api_key=api_key).get_json()[0]
    case_id = filed["service_request_id"]
    before = get_json(client, f"requests/{case_id}")[0]
    assert before["status"] == "open" and before["status_notes"] is None
    staff = token_for(city.staff)
    for step in (
        {"action": "accept"},
        {"action": "assign"},
        {"action": "start"},
        {"action": "resolve", "note": "Filled and rolled."},
    ):
        response = client.post(f"/api/v1/cases/{case_id}/transitions", json=step, headers=staff)
        assert response.status_code == 200, response.get_json()
    case = db.session.get(Case, int(case_id))
    record_event(db.session, case, None, "escalate", internal=True, note="staff-only remark")
    db.session.commit()
    after = get_json(client, f"requests/{case_id}", extensions="true")[0]
    assert after["status"] == "open"  # resolved waits for the reporter: still open
    assert after["status_notes"] == "Filled and rolled."
    assert after["updated_datetime"] > before["updated_datetime"] or (
        after["updated_datetime"] == before["updated_datetime"] is not None
    )
    assert after["expected_datetime"] is not None
    extended = after["extended_attributes"]
    assert extended["status"] == "resolved"
    assert [n["text"] for n in extended["notes"]] == ["Filled and rolled."]
    assert extended["attributes"] == {"size": "large"}
    admin = token_for(city.admin)
    response = client.post(
        f"/api/v1/cases/{case_id}/transitions", json={"action": "close"}, headers=admin
    )
    assert response.status_code == 200, response.get_json()
    root = get_xml(client, f"requests/{case_id}")
    assert root.findtext("request/status") == "closed"
    assert "staff-only" not in ET.tostring(root, encoding="unicode")


def test_fixmystreet_request_updates_in_both_formats(client, make_case, as_role):
    case = make_case("resolved")
    record_event(db.session, case, None, "escalate", internal=True, note="staff-only remark")
    db.session.commit()
    hidden = make_case("accepted")
    hide(client, as_role("volunteer"), "case", hidden.id)
    updates = get_json(client, "servicerequestupdates")
    assert {u["service_request_id"] for u in updates} == {str(case.id)}
    statuses = [u["status"] for u in updates]
    assert statuses == ["OPEN", "INVESTIGATING", "ACTION_SCHEDULED", "IN_PROGRESS", "FIXED"]
    assert updates[-1]["description"] == "Fixed it."
    assert all(re.match(schemas311.W3C, u["updated_datetime"]) for u in updates)
    assert len({u["update_id"] for u in updates}) == len(updates)
    root = get_xml(client, "servicerequestupdates")
    assert root.tag == "service_request_updates"
    assert [u.findtext("status") for u in root.findall("request_update")] == statuses
    assert "staff-only" not in ET.tostring(root, encoding="unicode")
    start = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert get_json(client, "servicerequestupdates", start_date=start) == []
    wide = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"}
    assert_error(client.get(f"{BASE}/servicerequestupdates.xml", query_string=wide), 400, "xml")
