"""Proposals over HTTP: writing, publishing, editing rules, answers, implementation, lists."""

from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.db import utcnow
from backend.extensions import db
from backend.proposals.models import Proposal
from backend.proposals.service import followers_of_proposal
from tests import imagegen
from tests.helpers import error_of

CONTRACT = {
    "id", "title", "body", "status", "category", "author", "supports", "opposes", "my_vote",
    "comments", "official_answer", "lat", "lon", "created_at", "updated_at", "linked_cases",
    "following",
}  # fmt: skip
NEW = {"title": "Shade trees on Elm Street", "body": "The pavement is too hot in summer."}


def _count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Proposal.id)))


def test_create_publishes_at_once_with_the_contract_payload(
    client, make_user, token_for, make_category
):
    category = make_category("trees", name="Trees")
    author = make_user(display_name="Ana")
    body = NEW | {"category": "trees", "lat": 31.2304, "lon": 121.4737}
    response = client.post("/api/v1/proposals", json=body, headers=token_for(author))
    assert response.status_code == 201
    proposal = response.get_json()
    assert CONTRACT <= set(proposal)
    assert proposal["status"] == "published"
    assert proposal["category"] == {"code": category.code, "name": "Trees"}
    assert proposal["author"] == {"display_name": "Ana"}
    assert (proposal["supports"], proposal["opposes"], proposal["comments"]) == (0, 0, 0)
    assert (proposal["my_vote"], proposal["official_answer"], proposal["linked_cases"]) == (
        None,
        None,
        [],
    )
    assert (proposal["lat"], proposal["lon"]) == (31.2304, 121.4737)
    assert proposal["following"] is True  # authors follow their proposals
    public = client.get(f"/api/v1/proposals/{proposal['id']}").get_json()
    assert public["following"] is False and public["my_vote"] is None
    assert "email" not in str(public)


def test_a_draft_is_its_authors_until_published(client, make_user, token_for, as_role):
    author = token_for(make_user())
    draft = client.post("/api/v1/proposals", json=NEW | {"draft": True}, headers=author).get_json()
    assert draft["status"] == "draft"
    url = f"/api/v1/proposals/{draft['id']}"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=as_role("admin")).status_code == 404
    assert client.get("/api/v1/proposals").get_json()["total"] == 0
    mine = client.get("/api/v1/proposals?mine=true", headers=author).get_json()
    assert [p["id"] for p in mine["items"]] == [draft["id"]]
    published = client.post(f"{url}/publish", headers=author)
    assert published.status_code == 200
    assert published.get_json()["status"] == "published"
    assert published.get_json()["published_at"] is not None
    assert client.get(url).status_code == 200
    again = client.post(f"{url}/publish", headers=author)
    assert again.status_code == 409
    assert error_of(again)["code"] == "wrong_status"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"body": "no title"}, "title"),
        ({"title": "no body"}, "body"),
        (NEW | {"title": ""}, "title"),
        (NEW | {"title": "t" * 161}, "title"),
        (NEW | {"title": "two\nlines"}, "title"),
        (NEW | {"body": "b" * 10_001}, "body"),
        (NEW | {"lat": 91, "lon": 0}, "lat"),
        (NEW | {"lat": 0, "lon": -181}, "lon"),
        (NEW | {"lat": 10}, "lat"),
        (NEW | {"lat": "31.2", "lon": "121.4"}, "lat"),
        (NEW | {"lat": True, "lon": 1}, "lat"),
        (NEW | {"category": "nope"}, "category"),
        (NEW | {"draft": "false"}, "draft"),
        (NEW | {"status": "accepted"}, "status"),
        (NEW | {"supports": 1000}, "supports"),
    ],
)
def test_bad_proposals_are_422_and_store_nothing(client, as_role, body, field):
    response = client.post("/api/v1/proposals", json=body, headers=as_role("resident"))
    assert response.status_code == 422, response.get_json()
    assert field in error_of(response)["fields"]
    assert _count() == 0


def test_unicode_and_markup_survive_verbatim(client, as_role):
    body = {"title": "在河边种树 🌳 <i>now</i>", "body": "Robert'); DROP TABLE proposals;--"}
    response = client.post("/api/v1/proposals", json=body, headers=as_role("resident"))
    assert response.status_code == 201
    assert {k: response.get_json()[k] for k in body} == body


# --- editing ----------------------------------------------------------------------------


def _patch(client, proposal, headers, **changes):
    return client.patch(f"/api/v1/proposals/{proposal.id}", json=changes, headers=headers)


def test_author_edits_before_the_first_support(client, make_proposal, make_user, token_for):
    author = make_user()
    proposal = make_proposal(author)
    proposal.published_at = utcnow() - timedelta(days=3)
    db.session.commit()
    response = _patch(client, proposal, token_for(author), title="Better title", lat=1.5, lon=2.5)
    assert response.status_code == 200
    assert (response.get_json()["title"], response.get_json()["lat"]) == ("Better title", 1.5)


def test_after_a_support_editing_lasts_only_the_window(client, make_proposal, make_user, token_for):
    author = make_user()
    proposal = make_proposal(author)
    supporter = token_for(make_user())
    client.put(
        f"/api/v1/proposals/{proposal.id}/vote", json={"value": "support"}, headers=supporter
    )
    assert _patch(client, proposal, token_for(author), body="Still fresh").status_code == 200
    db.session.get(Proposal, proposal.id).published_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    late = _patch(client, proposal, token_for(author), body="Changing what people supported")
    assert late.status_code == 409
    assert error_of(late)["code"] == "not_editable"
    assert db.session.get(Proposal, proposal.id).body == "Still fresh"


@pytest.mark.parametrize("status", ["under_review", "accepted", "rejected", "withdrawn"])
def test_no_edits_once_past_publication(client, make_proposal, make_user, token_for, status):
    author = make_user()
    proposal = make_proposal(author, status=status)
    assert _patch(client, proposal, token_for(author), title="New").status_code == 409


def test_only_the_author_edits(client, make_proposal, as_role):
    proposal = make_proposal(title="Original")
    for role, status in [("anonymous", 401), ("resident", 403), ("staff", 403), ("admin", 403)]:
        assert _patch(client, proposal, as_role(role), title="Hijacked").status_code == status
    assert db.session.get(Proposal, proposal.id).title == "Original"


# --- withdrawal, answers, implementation --------------------------------------------------


@pytest.mark.parametrize(
    "status,allowed",
    [
        ("draft", True),
        ("published", True),
        ("under_review", True),
        ("accepted", False),
        ("rejected", False),
        ("implemented", False),
        ("withdrawn", False),
    ],
)
def test_withdrawal_by_the_author(client, make_proposal, make_user, token_for, status, allowed):
    author = make_user()
    proposal = make_proposal(author, status=status)
    response = client.post(f"/api/v1/proposals/{proposal.id}/withdraw", headers=token_for(author))
    assert response.status_code == (200 if allowed else 409)
    db.session.rollback()
    expected = "withdrawn" if allowed else status
    assert db.session.get(Proposal, proposal.id).status == expected


def test_official_answer_is_required_and_shown(client, make_proposal, make_user, token_for):
    proposal = make_proposal()
    staff = make_user("staff", display_name="Planning Office")
    url = f"/api/v1/proposals/{proposal.id}/answer"
    missing = client.post(url, json={"decision": "accepted"}, headers=token_for(staff))
    blank = client.post(url, json={"decision": "accepted", "body": "  "}, headers=token_for(staff))
    wrong = client.post(url, json={"decision": "maybe", "body": "x"}, headers=token_for(staff))
    assert missing.status_code == blank.status_code == wrong.status_code == 422
    response = client.post(
        url,
        json={"decision": "accepted", "body": "We will plant 40 trees."},
        headers=token_for(staff),
    )
    assert response.status_code == 200
    answered = client.get(f"/api/v1/proposals/{proposal.id}").get_json()
    assert answered["status"] == "accepted"
    answer = answered["official_answer"]
    assert answer["body"] == "We will plant 40 trees."
    assert answer["by"] == {"display_name": "Planning Office", "role": "staff"}
    assert answer["answered_at"].endswith("+00:00")
    twice = client.post(url, json={"decision": "rejected", "body": "No"}, headers=token_for(staff))
    assert twice.status_code == 409


@pytest.mark.parametrize("status", ["draft", "withdrawn", "accepted", "rejected", "implemented"])
def test_answers_only_for_open_proposals(client, make_proposal, as_role, status):
    proposal = make_proposal(status=status)
    response = client.post(
        f"/api/v1/proposals/{proposal.id}/answer",
        json={"decision": "rejected", "body": "No."},
        headers=as_role("staff"),
    )
    assert response.status_code == (404 if status == "draft" else 409)


def test_implemented_links_the_cases_that_did_it(
    client, make_proposal, make_reported_case, as_role
):
    proposal = make_proposal(status="accepted")
    cases = [make_reported_case(), make_reported_case()]
    staff = as_role("staff")
    url = f"/api/v1/proposals/{proposal.id}/implemented"
    unknown = client.post(url, json={"case_ids": [cases[0].id, 77]}, headers=staff)
    assert unknown.status_code == 422
    assert "case_ids" in error_of(unknown)["fields"]
    ids = [cases[1].id, cases[0].id, cases[1].id]
    response = client.post(url, json={"case_ids": ids}, headers=staff)
    assert response.status_code == 200
    assert response.get_json()["status"] == "implemented"
    assert response.get_json()["linked_cases"] == sorted({c.id for c in cases})
    again = client.post(url, json={"case_ids": [cases[0].id]}, headers=staff)
    assert again.status_code == 409


@pytest.mark.parametrize("body", [{}, {"case_ids": []}, {"case_ids": ["1"]}, {"case_ids": 5}])
def test_implemented_needs_case_ids(client, make_proposal, as_role, body):
    proposal = make_proposal(status="accepted")
    response = client.post(
        f"/api/v1/proposals/{proposal.id}/implemented", json=body, headers=as_role("staff")
    )
    assert response.status_code == 422


def test_published_proposal_cannot_jump_to_implemented(client, make_proposal, as_role):
    proposal = make_proposal()
    response = client.post(
        f"/api/v1/proposals/{proposal.id}/implemented",
        json={"case_ids": [1]},
        headers=as_role("staff"),
    )
    assert response.status_code == 409


# --- following --------------------------------------------------------------------------


def test_follow_and_unfollow(client, make_proposal, make_user, token_for):
    author = make_user()
    proposal = make_proposal(author)
    fan = make_user()
    url = f"/api/v1/proposals/{proposal.id}/follow"
    assert client.post(url, headers=token_for(fan)).get_json()["following"] is True
    assert client.post(url, headers=token_for(fan)).status_code == 200  # again: no change
    assert followers_of_proposal(db.session, proposal.id) == sorted([author.id, fan.id])
    following = client.get("/api/v1/proposals?following=true", headers=token_for(fan)).get_json()
    assert [p["id"] for p in following["items"]] == [proposal.id]
    assert client.delete(url, headers=token_for(fan)).get_json()["following"] is False
    assert followers_of_proposal(db.session, proposal.id) == [author.id]
    assert client.post(url).status_code == 401


# --- lists ------------------------------------------------------------------------------


def _ids(client, headers=None, **query) -> list[int]:
    response = client.get("/api/v1/proposals", query_string=query, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return [p["id"] for p in response.get_json()["items"]]


def test_sorting_new_supported_and_near(client, make_proposal):
    far = make_proposal(lat=31.30, lon=121.60, supports=5)
    near = make_proposal(lat=31.2305, lon=121.4740, supports=1)
    nowhere = make_proposal(supports=9)
    assert _ids(client) == [nowhere.id, near.id, far.id]
    assert _ids(client, sort="supported") == [nowhere.id, far.id, near.id]
    assert _ids(client, sort="near", near="31.2304,121.4737") == [near.id, far.id, nowhere.id]
    assert _ids(client, sort="near", near="31.2304,121.4737", radius_m=1000) == [near.id]


def test_near_reaches_across_the_antimeridian(client, make_proposal):
    west = make_proposal(lat=-17.7, lon=179.995)
    east = make_proposal(lat=-17.7, lon=-179.99)
    make_proposal(lat=-17.7, lon=-179.9)  # 10 km away
    query = {"sort": "near", "near": "-17.7,179.999", "radius_m": 3000}
    assert _ids(client, **query) == [west.id, east.id]
    assert _ids(client, **{**query, "near": "-17.7,-179.98"}) == [east.id, west.id]


def test_filters(client, make_proposal, make_category, make_user, token_for):
    trees = make_category("trees")
    author = make_user()
    tree = make_proposal(author, category="trees", title="More trees")
    bench = make_proposal(title="A bench by the lake", body="Somewhere to rest")
    answered = make_proposal(status="accepted")
    make_proposal(author, status="withdrawn")
    assert set(_ids(client)) == {tree.id, bench.id, answered.id}
    assert _ids(client, category=trees.code) == [tree.id]
    assert _ids(client, status="accepted") == [answered.id]
    assert set(_ids(client, status="published,accepted")) == {tree.id, bench.id, answered.id}
    assert _ids(client, q="LAKE") == [bench.id]
    assert _ids(client, q="%") == []
    assert len(_ids(client, token_for(author), mine="true")) == 2


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "hot"},
        {"sort": "near"},
        {"sort": "near", "near": "north"},
        {"sort": "near", "near": "91,0"},
        {"near": "1,2", "radius_m": 0},
        {"radius_m": 100},
        {"status": "secret"},
        {"status": ","},
        {"per_page": 1000},
        {"page": 0},
    ],
)
def test_bad_list_queries_are_422(client, query):
    response = client.get("/api/v1/proposals", query_string=query)
    assert response.status_code == 422
    error_of(response)


def test_mine_and_following_need_a_sign_in(client):
    assert client.get("/api/v1/proposals?mine=true").status_code == 401
    assert client.get("/api/v1/proposals?following=true").status_code == 401


def test_idempotent_create(client, make_user, token_for):
    headers = {**token_for(make_user()), "Idempotency-Key": "proposal-1"}
    first = client.post("/api/v1/proposals", json=NEW, headers=headers)
    again = client.post("/api/v1/proposals", json=NEW, headers=headers)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert _count() == 1


# --- photos -----------------------------------------------------------------------------


def test_multipart_proposal_with_photos_stores_clean_renditions(client, app, make_user, token_for):
    form = {
        "title": "Fix the fountain",
        "body": "It has been dry for a year.",
        "lat": "31.23",
        "lon": "121.47",
        "photos": [
            (BytesIO(imagegen.jpeg_with_all_metadata()), "fountain.jpg"),
            (BytesIO(imagegen.png_with_alpha()), "sketch.png"),
        ],
    }
    response = client.post(
        "/api/v1/proposals",
        data=form,
        headers=token_for(make_user()),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    proposal = response.get_json()
    assert (proposal["lat"], proposal["status"], len(proposal["photos"])) == (31.23, "published", 2)
    photo = proposal["photos"][0]
    served = client.get(photo["url"])
    assert served.status_code == 200
    image = Image.open(BytesIO(served.data))
    assert (image.format, image.size) == ("JPEG", (photo["width"], photo["height"]))
    assert not image.getexif()
    assert client.get(photo["thumb_url"]).status_code == 200


@pytest.mark.parametrize("bad", ["text_as_jpg", "truncated_jpeg"])
def test_bad_photos_refuse_the_whole_proposal(client, app, make_user, token_for, bad):
    form = {"title": "T", "body": "B", "photos": [(BytesIO(getattr(imagegen, bad)()), "x.jpg")]}
    response = client.post(
        "/api/v1/proposals",
        data=form,
        headers=token_for(make_user()),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert _count() == 0
    media = app.config["DATA_DIR"] / "media"
    assert not media.exists() or not any(media.rglob("*.jpg"))


def test_multipart_drafts_and_empty_fields(client, make_user, token_for):
    headers = token_for(make_user())
    form = {"title": "T", "body": "B", "category": "", "lat": "", "lon": "", "draft": "true"}
    response = client.post(
        "/api/v1/proposals", data=form, headers=headers, content_type="multipart/form-data"
    )
    assert response.status_code == 201
    assert (response.get_json()["status"], response.get_json()["lat"]) == ("draft", None)
    wrong = client.post(
        "/api/v1/proposals",
        data=form | {"draft": "0"},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422
