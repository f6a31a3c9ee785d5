"""Photos on reports and on resolutions, with real generated files: good ones stored as clean
renditions and served publicly; bad ones a 4xx with nothing left on disk or in the database."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.cases import service
from backend.cases.models import Case, CaseEvent, CasePhoto
from backend.extensions import db
from tests import imagegen
from tests.helpers import error_of, hide

FORM = {"category": "pothole", "description": "Broken kerb, see photo."}
SHANGHAI = (31.2304, 121.4737)


def _files(app) -> list:
    root = app.config["DATA_DIR"] / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _rows() -> tuple[int, int, int]:
    db.session.rollback()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return count(Case), count(CasePhoto), count(CaseEvent)


@pytest.fixture
def upload(client, city, token_for):
    def run(*photos: bytes, user=None, url="/api/v1/cases", headers=None, **fields):
        data = {**FORM, **fields} if url == "/api/v1/cases" else dict(fields)
        data["photos"] = [(io.BytesIO(p), f"photo{i}.jpg") for i, p in enumerate(photos)]
        return client.post(
            url,
            data=data,
            content_type="multipart/form-data",
            headers={**token_for(user or city.reporter), **(headers or {})},
        )

    return run


def _fetch(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_exif_orientation_and_gps(upload, client, app):
    original = imagegen.jpeg(640, 480, orientation=6, gps=SHANGHAI)
    response = upload(original)  # no lat/lon: the photo's position is used
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["lat"] == pytest.approx(SHANGHAI[0], abs=1e-4)
    assert case["lon"] == pytest.approx(SHANGHAI[1], abs=1e-4)
    [photo] = case["photos"]
    assert (photo["width"], photo["height"]) == (480, 640)  # stored upright
    assert photo["url"].startswith("/media/") and photo["thumb_url"].startswith("/media/")
    served = _fetch(client, photo["url"])
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.mimetype == "image/jpeg"
    assert "Set-Cookie" not in served.headers
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (480, 640)
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info and "xmp" not in image.info
    assert b"Exif" not in served.data[:200]
    red = image.convert("RGB").getpixel((image.width - 10, 10))  # top-left moved top-right
    assert red[0] > 180 and red[1] < 90
    thumb = Image.open(io.BytesIO(_fetch(client, photo["thumb_url"]).data))
    assert max(thumb.size) == 400 or max(thumb.size) == max(image.size)
    assert original not in [p.read_bytes() for p in _files(app)]  # no original kept


def test_given_lat_lon_win_over_gps(upload):
    response = upload(imagegen.jpeg(gps=SHANGHAI), lat="31.1", lon="121.3")
    assert (response.get_json()["lat"], response.get_json()["lon"]) == (31.1, 121.3)


def test_without_lat_lon_or_gps_is_422(upload, app):
    response = upload(imagegen.jpeg())
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"lat", "lon"}
    assert _files(app) == [] and _rows() == (0, 0, 0)


@pytest.mark.parametrize(
    "make",
    [imagegen.heic, imagegen.png_with_alpha, imagegen.webp, lambda: imagegen.jpeg(3000, 2000)],
    ids=["heic", "png-alpha", "webp", "big-jpeg"],
)
def test_accepted_formats(upload, client, make):
    response = upload(make(), lat="31.2", lon="121.4")
    assert response.status_code == 201, response.get_json()
    [photo] = response.get_json()["photos"]
    image = Image.open(io.BytesIO(_fetch(client, photo["url"]).data))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert max(image.size) <= 1600


def test_png_alpha_is_flattened_on_white(upload, client):
    response = upload(imagegen.png_with_alpha(64, 48), lat="31.2", lon="121.4")
    image = Image.open(io.BytesIO(_fetch(client, response.get_json()["photos"][0]["url"]).data))
    left = image.getpixel((5, 24))
    assert min(left) > 230  # transparent became white


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (lambda: imagegen.decompression_bomb(), 413),
        (lambda: imagegen.truncated_jpeg(), 422),
        (lambda: imagegen.jpeg_claiming(), 422),
        (lambda: imagegen.text_as_jpg(), 422),
        (lambda: imagegen.other_format("GIF"), 422),
        (lambda: b"", 422),
        (lambda: b"\xff\xd8\xff\xe0" + b"\0" * (15 * 1024 * 1024), 413),
    ],
    ids=["bomb", "truncated", "forged-size", "text", "gif", "empty", "oversized"],
)
def test_bad_photos_leave_nothing_behind(upload, app, make, status):
    good = imagegen.jpeg()
    response = upload(good, make(), lat="31.2", lon="121.4")
    assert response.status_code == status
    error = error_of(response)
    assert error["fields"]["photos"].keys() == {"1"}  # the second photo is the bad one
    assert _files(app) == []
    assert _rows() == (0, 0, 0)


def test_at_most_five_photos(upload, app):
    response = upload(*[imagegen.jpeg(32, 24)] * 6, lat="31.2", lon="121.4")
    assert response.status_code == 422
    assert "photos" in error_of(response)["fields"]
    assert _files(app) == [] and _rows() == (0, 0, 0)


def test_five_photos_are_kept_in_order(upload):
    photos = [imagegen.jpeg(64 + i, 48) for i in range(5)]
    response = upload(*photos, lat="31.2", lon="121.4")
    assert response.status_code == 201
    assert [p["width"] for p in response.get_json()["photos"]] == [64, 65, 66, 67, 68]


def test_files_under_another_name_are_refused(client, city, token_for, app):
    response = client.post(
        "/api/v1/cases",
        data={
            **FORM,
            "lat": "31.2",
            "lon": "121.4",
            "image": (io.BytesIO(imagegen.jpeg()), "a.jpg"),
        },
        content_type="multipart/form-data",
        headers=token_for(city.reporter),
    )
    assert response.status_code == 422
    assert "image" in error_of(response)["fields"]
    assert _rows() == (0, 0, 0)


def test_form_fields_are_validated_like_json(upload):
    for fields, name in [
        ({"lat": "north", "lon": "121"}, "lat"),
        ({"lat": "31", "lon": "121", "answers": "{not json"}, "answers"),
        ({"lat": "31", "lon": "121", "answers": '["size"]'}, "answers"),
        ({"lat": "31", "lon": "121", "anonymous": "perhaps"}, "anonymous"),
    ]:
        response = upload(imagegen.jpeg(32, 24), **fields)
        assert response.status_code == 422, fields
        assert name in error_of(response)["fields"]
    ok = upload(imagegen.jpeg(32, 24), lat="31", lon="121", answers='{"size": "small"}')
    assert ok.status_code == 201
    assert ok.get_json()["answers"] == {"size": "small"}


def test_a_failed_transaction_deletes_the_files_it_wrote(upload, app, monkeypatch):
    def fail(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(service, "publish_event", fail)
    response = upload(imagegen.jpeg(), lat="31.2", lon="121.4")
    assert response.status_code == 500
    assert _files(app) == []
    assert _rows() == (0, 0, 0)


def test_files_go_even_when_the_failure_comes_after_savepoints(upload, app, monkeypatch):
    """Publishing runs receivers in SAVEPOINTs (notifications): releasing one is no commit."""

    def fail(*_args, **_kwargs):
        raise RuntimeError("late failure")

    monkeypatch.setattr(service, "_fast_track", fail)
    response = upload(imagegen.jpeg(), lat="31.2", lon="121.4", priority="urgent")
    assert response.status_code == 500
    assert _files(app) == []
    assert _rows() == (0, 0, 0)


def test_a_failed_case_keeps_files_that_other_cases_use(upload, app, monkeypatch):
    photo = imagegen.jpeg()
    first = upload(photo, lat="31.2", lon="121.4")
    assert first.status_code == 201
    kept = _files(app)
    assert len(kept) == 2
    monkeypatch.setattr(service, "publish_event", lambda *a, **k: 1 / 0)
    assert upload(photo, lat="31.2", lon="121.4").status_code == 500
    assert _files(app) == kept


def test_same_photo_twice_is_stored_once(upload, app):
    photo = imagegen.jpeg()
    a = upload(photo, lat="31.2", lon="121.4").get_json()["photos"][0]
    b = upload(photo, lat="31.2", lon="121.4").get_json()["photos"][0]
    assert a["url"] == b["url"] and a["id"] != b["id"]
    assert len(_files(app)) == 2


def test_idempotent_multipart_retry(upload):
    photo = imagegen.jpeg()
    headers = {"Idempotency-Key": "offline-42"}
    first = upload(photo, lat="31.2", lon="121.4", headers=headers)
    again = upload(photo, lat="31.2", lon="121.4", headers=headers)
    assert first.get_json() == again.get_json()
    assert _rows()[:2] == (1, 1)


def test_resolve_with_an_after_photo(upload, make_case, city, client):
    case = make_case("in_progress")
    url = f"/api/v1/cases/{case.id}/transitions"
    response = upload(imagegen.jpeg(), user=city.staff, url=url, action="resolve", note="Fixed")
    assert response.status_code == 200, response.get_json()
    [photo] = response.get_json()["photos"]
    assert photo["kind"] == "after"
    stored = db.session.scalar(select(CasePhoto))
    assert stored.event_id == db.session.scalar(select(func.max(CaseEvent.id)))


@pytest.mark.parametrize("action", ["confirm", "reopen"])
def test_a_volunteer_verifies_a_fix_with_a_photo(upload, make_case, city, action):
    case = make_case("resolved")
    url = f"/api/v1/cases/{case.id}/transitions"
    fields = {"reason": "Still broken"} if action == "reopen" else {}
    response = upload(imagegen.jpeg(), user=city.volunteer, url=url, action=action, **fields)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == ("closed" if action == "confirm" else "assigned")
    assert [p["kind"] for p in body["photos"]] == ["verify"]


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (lambda: imagegen.decompression_bomb(), 413),
        (lambda: imagegen.truncated_jpeg(), 422),
        (lambda: imagegen.text_as_jpg(), 422),
        (lambda: b"\xff\xd8\xff\xe0" + b"\0" * (15 * 1024 * 1024), 413),
    ],
    ids=["bomb", "truncated", "text", "oversized"],
)
def test_bad_after_photos_leave_the_case_as_it_was(upload, make_case, city, app, make, status):
    case = make_case("in_progress")
    before = _rows()
    url = f"/api/v1/cases/{case.id}/transitions"
    response = upload(
        imagegen.jpeg(), make(), user=city.staff, url=url, action="resolve", note="Fixed"
    )
    assert response.status_code == status
    assert error_of(response)["fields"]["photos"].keys() == {"1"}
    assert _rows() == before and _files(app) == []
    assert db.session.get(Case, case.id).status == "in_progress"


def test_other_transitions_take_no_photos(upload, make_case, city, app, monkeypatch):
    from backend.media import uploads

    monkeypatch.setattr(uploads, "process_image", lambda *_: pytest.fail("processed"))
    case = make_case("submitted")
    url = f"/api/v1/cases/{case.id}/transitions"
    response = upload(imagegen.jpeg(), user=city.staff, url=url, action="accept")
    assert response.status_code == 422
    assert _files(app) == []


def test_photos_are_not_processed_for_someone_who_may_not_act(upload, make_case, city, monkeypatch):
    from backend.media import uploads

    monkeypatch.setattr(uploads, "process_image", lambda *_: pytest.fail("processed"))
    case = make_case("in_progress")
    url = f"/api/v1/cases/{case.id}/transitions"
    response = upload(imagegen.jpeg(), user=city.resident, url=url, action="resolve", note="x")
    assert response.status_code == 403


@pytest.mark.parametrize("key", ["nope", "../../etc/passwd", "a" * 64 + ".jpg", "%2e%2e"])
def test_media_route_serves_only_stored_renditions(client, key):
    assert client.get(f"/media/{key}").status_code == 404


def test_a_hidden_cases_photos_are_served_only_to_those_who_still_see_it(
    upload, client, city, as_role, token_for
):
    filed = upload(imagegen.jpeg(), lat=SHANGHAI[0], lon=SHANGHAI[1])
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    [photo] = case["photos"]
    volunteer = as_role("volunteer")
    hide(client, volunteer, "case", case["id"], "Personal data")
    for url in (photo["url"], photo["thumb_url"]):
        assert client.get(url).status_code == 404
        assert client.get(url, headers=token_for(city.resident)).status_code == 404
        for viewer in (token_for(city.reporter), token_for(city.staff), volunteer):
            served = client.get(url, headers=viewer)
            assert served.status_code == 200
            assert served.headers["Cache-Control"] == "private, no-store"
