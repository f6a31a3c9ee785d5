import pytest


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok"}


@pytest.fixture
def app_overrides(tmp_path):
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>CityLoop app</title>")
    (static / "assets" / "app-1a2b3c.js").write_text("console.log(1)")
    (static / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    return {"STATIC_DIR": static}


def test_shell_is_served_for_app_routes(client):
    for path in ("/", "/cases/12", "/report"):
        response = client.get(path)
        assert response.status_code == 200
        assert b"CityLoop app" in response.data
        assert response.headers["Cache-Control"] == "no-cache"


def test_hashed_assets_are_cached_for_long_and_sw_is_not(client):
    asset = client.get("/assets/app-1a2b3c.js")
    assert "immutable" in asset.headers["Cache-Control"]
    assert client.get("/sw.js").headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", ["/missing.js", "/../backend/config.py", "/api/v1/zzz"])
def test_missing_files_are_404_not_the_shell(client, path):
    assert client.get(path).status_code == 404


def test_security_headers(client):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_gzip_siblings_are_sent_to_browsers_that_accept_them(client, app):
    import gzip

    static = app.config["STATIC_DIR"]
    (static / "assets" / "app-1a2b3c.js.gz").write_bytes(gzip.compress(b"console.log(1)"))
    plain = client.get("/assets/app-1a2b3c.js")
    assert plain.data == b"console.log(1)" and "Content-Encoding" not in plain.headers
    packed = client.get("/assets/app-1a2b3c.js", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.mimetype == "text/javascript"
    assert gzip.decompress(packed.data) == b"console.log(1)"
    assert "Accept-Encoding" in packed.headers["Vary"]


def test_manifest_content_type(client, app):
    (app.config["STATIC_DIR"] / "manifest.webmanifest").write_text("{}")
    assert client.get("/manifest.webmanifest").mimetype == "application/manifest+json"
