""" "Download my data" lists every row that names the person; "delete my account" leaves
none (outside the audit log's ids), keeps cases as anonymous and comments as a deleted
account's, and ends sessions, tokens and devices. Both scanned over every table."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import JSON, String, Text, select

from backend.cases import search
from backend.cases.models import Case, Status
from backend.extensions import db
from backend.notify.models import PushSubscription
from tests.helpers import PASSWORD, error_of

NAME, EMAIL, PHONE = "Zelda Quarantotto", "zelda.q@example.org", "+86 138 0013 8000"


@pytest.fixture
def app_overrides(tmp_path):
    # A mail server that never answers: the mail of the e-mail change stays in the outbox.
    return {"JOBS_EAGER": True, "SMTP_URL": "smtp://127.0.0.1:9", "MAIL_RETRY_DELAYS": (3600,)}


def _text(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def scan(user_id: int) -> dict[tuple[str, tuple], list[str]]:
    """Every row naming the person: a user-id column with their id, or their e-mail, name
    or phone in a text column. The audit log's plain id columns are left out."""
    from backend.auth.personal_data import user_columns

    id_columns = {(t.name, c) for t, c in user_columns()}
    found: dict[tuple[str, tuple], list[str]] = {}
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            hits = []
            for column in table.columns:
                value = row._mapping[column.name]
                if (table.name, column.name) in id_columns and value == user_id:
                    hits.append(column.name)
                elif table.name == "users" and column.name == "id" and value == user_id:
                    hits.append("id")
                elif isinstance(column.type, String | Text | JSON):
                    text = _text(value).lower()
                    if any(s.lower() in text for s in (NAME, EMAIL, PHONE)):
                        hits.append(column.name)
            if hits:
                key = tuple(row._mapping[c.name] for c in table.primary_key.columns)
                found[(table.name, key)] = hits
    found.update(_in_search_index())
    return found


def _in_search_index() -> dict[tuple[str, tuple], list[str]]:
    """The text search's index rows (outside the models) holding the person's name or
    e-mail address, as tokens."""
    wanted = set(search.tokens(f"{NAME} {EMAIL}").split()) - {"example", "org"}
    found = {}
    for case_id, text in search.indexed_text(db.session.connection()).items():
        if wanted & set(re.findall(r"[^\W_]+", text.lower())):
            found[("case_search", (case_id,))] = ["document"]
    return found


def exported_rows(archive: dict) -> set[tuple[str, tuple]]:
    tables = {t.name: t for t in db.metadata.sorted_tables}
    rows = {("users", (archive["profile"]["id"],))}
    lists = [v for v in archive.values() if isinstance(v, list)] + list(archive["other"].values())
    for items in lists:
        for item in items:
            table = tables[item["table"]]
            rows.add((table.name, tuple(item[c.name] for c in table.primary_key.columns)))
    return rows


@pytest.fixture
def zelda_everywhere(client, city, make_user, token_for, make_case, make_proposal, make_comment):
    """Zelda reports, comments, votes, follows, flags, rates, proposes, has a device."""
    zelda = make_user(display_name=NAME, email=EMAIL, phone=PHONE)
    headers = token_for(zelda)

    def ok(response, status=(200, 201, 202, 204)):
        assert response.status_code in status, response.get_json()
        return response.get_json()

    body = {"category": "pothole", "lat": 31.23, "lon": 121.47, "description": "Deep hole"}
    key = {"Idempotency-Key": "zelda-1"}
    mine = ok(client.post("/api/v1/cases", json=body, headers=headers | key))
    closed = make_case(Status.CLOSED, reporter=zelda)
    ok(client.post(f"/api/v1/cases/{closed.id}/rating", json={"score": 4}, headers=headers))
    other = make_case(reporter=city.resident)
    for what in ("follow", "support"):
        ok(client.post(f"/api/v1/cases/{other.id}/{what}", headers=headers))
    comment = ok(
        client.post(f"/api/v1/cases/{other.id}/comments", json={"body": "Me too"}, headers=headers)
    )
    theirs = make_comment(other, city.resident)
    ok(client.put(f"/api/v1/comments/{theirs.id}/vote", json={"value": 1}, headers=headers))
    flag = {"target_type": "comment", "target_id": theirs.id, "reason": "spam"}
    ok(client.post("/api/v1/flags", json=flag, headers=headers))
    proposal = make_proposal(zelda)
    theirs_p = make_proposal(city.resident)
    vote = {"value": "support"}
    ok(client.put(f"/api/v1/proposals/{theirs_p.id}/vote", json=vote, headers=headers))
    ok(client.post(f"/api/v1/proposals/{theirs_p.id}/follow", headers=headers))
    ok(
        client.put(
            "/api/v1/notifications/preferences", json={"case_reply": "email"}, headers=headers
        )
    )
    make_comment(other, city.resident, body="A reply for the followers")
    email = {"email": "zelda@new.example", "password": PASSWORD}
    ok(client.post("/api/v1/me/email", json=email, headers=headers))
    db.session.add(
        PushSubscription(
            user_id=zelda.id, endpoint="https://push.example/zelda", p256dh="k" * 87, auth="a" * 22
        )
    )
    db.session.commit()
    ids = {"case": mine["id"], "comment": comment["id"], "proposal": proposal.id}
    return zelda, headers, ids | {"supported": other.id, "voted_comment": theirs.id,
                                  "voted_proposal": theirs_p.id}  # fmt: skip


def test_the_export_holds_every_row_that_names_the_person(client, zelda_everywhere):
    zelda, headers, _ = zelda_everywhere
    response = client.get("/api/v1/me/export", headers=headers)
    assert response.status_code == 200
    archive = response.get_json()
    for section in ("cases", "photos", "comments", "votes", "follows", "notifications", "devices"):
        assert section in archive, section
    db.session.rollback()
    named = scan(zelda.id)
    tables = {table for table, _ in named}
    assert {"cases", "comments", "comment_votes", "proposal_votes", "case_followers"} <= tables
    assert {"notifications", "push_subscriptions", "flags", "outgoing_mail"} <= tables
    assert set(named) <= exported_rows(archive), set(named) - exported_rows(archive)
    text = json.dumps(archive)
    assert "password_hash" not in text and "token_hash" not in text


def test_deletion_leaves_nothing_that_names_the_person(client, zelda_everywhere):
    zelda, headers, ids = zelda_everywhere
    zelda_id = zelda.id
    wrong = client.delete("/api/v1/me", json={"password": "not-my-password"}, headers=headers)
    assert wrong.status_code == 422
    response = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=headers)
    assert response.status_code == 202
    assert client.get("/api/v1/me", headers=headers).status_code == 401

    db.session.rollback()
    assert scan(zelda_id) == {}
    case = db.session.get(Case, ids["case"])
    assert case is not None and case.reporter_id is None and case.anonymous
    comment = client.get(f"/api/v1/comments/{ids['comment']}").get_json()
    assert comment["body"] == "Me too" and comment["author"] is None
    assert comment["author_deleted"] is True
    from backend.audit.models import AuditEntry

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.deleted"))
    assert entry.actor_id == zelda_id and entry.target_id == str(zelda_id)
    login = {"email": EMAIL, "password": PASSWORD}
    assert client.post("/api/v1/auth/token", json=login).status_code == 401


def test_an_erased_persons_votes_leave_the_counts(client, zelda_everywhere):
    """The votes go with the account, and so do they from the counts people see."""
    from backend.comments.models import Comment
    from backend.proposals.models import Proposal

    _, headers, ids = zelda_everywhere
    before = (
        db.session.get(Case, ids["supported"]).supporters_count,
        db.session.get(Comment, ids["voted_comment"]).upvotes,
        db.session.get(Proposal, ids["voted_proposal"]).supports,
    )
    assert before == (1, 1, 1)
    response = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=headers)
    assert response.status_code == 202
    db.session.rollback()
    assert client.get(f"/api/v1/cases/{ids['supported']}").get_json()["supporters"] == 0
    assert client.get(f"/api/v1/comments/{ids['voted_comment']}").get_json()["score"] == 0
    proposal = client.get(f"/api/v1/proposals/{ids['voted_proposal']}").get_json()
    assert (proposal["supports"], proposal["opposes"]) == (0, 0)


def test_the_only_head_of_a_department_cannot_delete_themselves(
    client, make_user, make_department, token_for
):
    make_department("parks")
    head = make_user("staff", departments=["parks"], head_of=["parks"])
    response = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=token_for(head))
    assert response.status_code == 403 and error_of(response)["code"] == "only_head"
    second = make_user("staff", departments=["parks"], head_of=["parks"])
    assert second is not None
    response = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=token_for(head))
    assert response.status_code == 202


def test_export_and_deletion_need_a_signed_in_person(client):
    assert client.get("/api/v1/me/export").status_code == 401
    assert client.delete("/api/v1/me", json={"password": PASSWORD}).status_code == 401


def test_a_closed_account_waiting_for_erasure_signs_in_as_an_unknown_address(make_user):
    """Between the request and the erasing job the account still exists: signing in must
    not answer "deactivated", which would tell anyone the address is (was) registered."""
    from backend.auth import accounts
    from backend.auth.service import authenticate
    from backend.errors import NotAuthenticated

    person = make_user("resident")
    accounts.request_deletion(db.session, person, PASSWORD)
    with pytest.raises(NotAuthenticated) as refused:
        authenticate(db.session, person.email, PASSWORD)
    assert refused.value.code == "invalid_credentials"
    db.session.rollback()
