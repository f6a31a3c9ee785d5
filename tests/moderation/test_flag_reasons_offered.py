"""The PWA's report dialog offers the reasons the API accepts (from GET /config), and both
catalogues name each of them."""

import json
from pathlib import Path

import pytest

from backend.moderation.models import Reason

CATALOGUES = Path(__file__).resolve().parents[2] / "pwa" / "src" / "i18n"


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_reason_the_api_accepts_has_a_label(lang):
    catalogue = json.loads((CATALOGUES / f"{lang}.json").read_text(encoding="utf8"))
    missing = [r.value for r in Reason if not catalogue.get(f"flag.reason.{r.value}")]
    assert missing == []
    extra = {k for k in catalogue if k.startswith("flag.reason.")} - {
        f"flag.reason.{r.value}" for r in Reason
    }
    assert extra == set()  # no label for a reason the API would refuse


def test_the_reasons_offered_are_accepted_by_post_flags(client, make_case, city, token_for):
    case = make_case()
    for reason, user in zip(
        client.get("/api/v1/config").get_json()["flag_reasons"],
        [city.resident, city.volunteer, city.staff, city.water_staff, city.admin],
        strict=True,
    ):
        body = {"target_type": "case", "target_id": case.id, "reason": reason}
        response = client.post("/api/v1/flags", json=body, headers=token_for(user))
        assert response.status_code == 201, (reason, response.get_json())
