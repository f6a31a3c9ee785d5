"""/api/docs: a Swagger UI page served entirely by CityLoop, pointing at its own OpenAPI."""

import re


def test_the_docs_page_loads_only_local_files(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/api/docs/") for s in sources)
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.data) > 0
    assert "/api/v1/openapi.json" in client.get("/api/docs/init.js").get_data(as_text=True)
    assert b"SwaggerUIBundle" in client.get("/api/docs/assets/swagger-ui-bundle.js").data


def test_only_the_viewers_files_are_served(client):
    assert client.get("/api/docs/assets/index.j2").status_code == 404
    assert client.get("/api/docs/assets/..%2f__init__.py").status_code == 404
