"""The charter has one source (domain/charter.py); docs/charter.md, its readable copy,
says exactly the same, code by code, in both languages."""

from __future__ import annotations

import re

import pytest

from app.settings import ROOT
from domain import ReasonCode
from domain.charter import CHARTER, reason

ROW = re.compile(r"^\| (R\d+) \| \*\*(.+?)\*\*\s?: (.+) \|$", re.M)


def charter_md_rows() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    french, english = (ROOT / "docs" / "charter.md").read_text().split("\n---\n")
    return (
        {code: (label, text) for code, label, text in ROW.findall(french)},
        {code: (label, text) for code, label, text in ROW.findall(english)},
    )


def test_every_reason_code_has_words_in_both_languages() -> None:
    assert set(CHARTER) == set(ReasonCode)
    for texts in CHARTER.values():
        assert set(texts) == {"fr", "en"}


@pytest.mark.parametrize("index", [0, 1], ids=["fr", "en"])
def test_the_readable_charter_says_what_the_source_says(index: int) -> None:
    language = ("fr", "en")[index]
    rows = charter_md_rows()[index]
    assert sorted(rows) == sorted(code.value for code in ReasonCode)
    for code, (label, text) in rows.items():
        source = CHARTER[ReasonCode(code)][language]
        assert (label, text) == (source.label, source.explanation), code


def test_an_unknown_code_has_no_words() -> None:
    assert reason("R99", "fr") is None
    found = reason("R3", "en")
    assert found is not None
    assert found.label == "Other people's personal information"
