"""The one text rule (backend.text.clean_text) every free-text field goes through."""

import pytest

from backend.errors import ValidationFailed
from backend.text import clean_text


def _message(**kwargs) -> str:
    with pytest.raises(ValidationFailed) as caught:
        clean_text(field="f", **kwargs)
    return caught.value.fields["f"][0]


def test_normalises_trims_and_unifies_line_endings():
    assert clean_text("  Cafe\u0301 ", "f", max_length=10) == "Café"
    assert clean_text("a\r\nb\rc\n", "f", max_length=10, multiline=True) == "a\nb\nc"
    assert clean_text("tab\there", "f", max_length=10, multiline=True) == "tab\there"
    assert clean_text("👩\u200d🚒 上海", "f", max_length=10) == "👩\u200d🚒 上海"


def test_empty_text_is_refused_or_none():
    assert _message(value="  \n ", max_length=5) == "Enter some text."
    assert clean_text(None, "f", max_length=5, required=False) is None
    assert clean_text(" ", "f", max_length=5, required=False) is None


@pytest.mark.parametrize("value", ["bell\x07", "rtl \u202e", "zero\u200bwidth", "nul\x00"])
def test_control_and_invisible_characters_are_refused(value):
    assert "control" in _message(value=value, max_length=50, multiline=True)


def test_newlines_and_tabs_only_where_multiline():
    assert "control" in _message(value="two\nlines", max_length=50)
    assert "control" in _message(value="a\tb", max_length=50)


def test_length_counts_after_cleaning():
    assert clean_text("  abc  ", "f", max_length=3) == "abc"
    assert _message(value="abcd", max_length=3) == "Use at most 3 characters."
