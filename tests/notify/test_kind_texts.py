"""Every notification kind the API knows has a name a person can read, in every language."""

from __future__ import annotations

import json

import pytest

from backend.notify.service import KINDS
from tests.helpers import ROOT

CATALOGUES = sorted((ROOT / "pwa" / "src" / "i18n").glob("*.json"))


def test_there_is_a_catalogue_per_language():
    assert {path.stem for path in CATALOGUES} == {"en", "zh-CN"}


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.stem)
def test_the_preferences_screen_names_every_kind_and_no_other(catalogue):
    messages = json.loads(catalogue.read_text(encoding="utf-8"))
    named = {key.removeprefix("prefs.kind.") for key in messages if key.startswith("prefs.kind.")}
    assert sorted(set(KINDS) - named) == [], "kinds shown as raw keys"
    assert sorted(named - set(KINDS)) == [], "texts for kinds the API does not have"
    assert all(messages[f"prefs.kind.{kind}"].strip() for kind in KINDS)
