import pytest


def test_site_config_is_public(client):
    body = client.get("/api/v1/config").get_json()
    assert body["languages"] == ["en", "zh-CN"]
    assert len(body["map_center"]) == 2
    assert "{z}" in body["tile_url"]


def test_site_config_offers_the_flag_reasons_the_api_accepts(client):
    from backend.moderation.models import Reason

    assert client.get("/api/v1/config").get_json()["flag_reasons"] == [r.value for r in Reason]


class TestConfigured:
    @pytest.fixture
    def app_overrides(self):
        return {"TILE_URL": "", "MAP_CENTER": (48.85, 2.35), "CITY_NAME": "Paris"}

    def test_tiles_can_be_switched_off(self, client):
        body = client.get("/api/v1/config").get_json()
        assert body["tile_url"] is None
        assert body["map_center"] == [48.85, 2.35]
        assert body["city_name"] == "Paris"
