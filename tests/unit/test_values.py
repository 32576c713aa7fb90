"""Shared values: regions, reason codes, and what counts as acceptable text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from domain import REGIONS, InvalidTextError, ReasonCode, validate_text
from domain.values import normalize_line_breaks, require_aware


def test_the_17_administrative_regions_are_numbered_officially() -> None:
    assert list(REGIONS) == [f"{n:02d}" for n in range(1, 18)]
    assert REGIONS["06"] == ("Montréal", "Montréal")
    assert REGIONS["17"][0] == "Centre-du-Québec"


def test_reason_codes_are_short_stable_values() -> None:
    assert [code.value for code in ReasonCode] == [f"R{n}" for n in range(1, 9)]


def test_validate_text_returns_the_text_unchanged() -> None:
    assert validate_text("  Avis\n\tsur deux lignes  ") == "  Avis\n\tsur deux lignes  "


def test_empty_text_is_allowed_only_when_asked() -> None:
    assert validate_text("", allow_empty=True) == ""
    with pytest.raises(InvalidTextError):
        validate_text("")


def test_text_longer_than_the_limit_is_refused() -> None:
    assert validate_text("x" * 10, max_length=10)
    with pytest.raises(InvalidTextError):
        validate_text("x" * 11, max_length=10)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85", "\ud800"])
def test_control_characters_and_lone_surrogates_are_refused(char: str) -> None:
    with pytest.raises(InvalidTextError):
        validate_text(f"avant{char}après")


def test_naive_datetimes_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        require_aware(datetime(2026, 1, 1))


def test_the_published_charter_explains_every_reason_code_in_both_languages() -> None:
    charter = (Path(__file__).resolve().parents[2] / "docs" / "charter.md").read_text(
        encoding="utf-8"
    )
    french, english = charter.split("# Moderation charter")
    for code in ReasonCode:
        assert f"| {code.value} |" in french
        assert f"| {code.value} |" in english


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("un\r\ndeux", "un\ndeux"),
        ("un\rdeux", "un\ndeux"),
        ("un\r\n\r\ndeux\r", "un\n\ndeux\n"),
        ("un\n\rdeux", "un\n\ndeux"),
        ("sans saut", "sans saut"),
    ],
)
def test_every_line_break_becomes_one_lf_as_the_browser_counts_it(sent: str, typed: str) -> None:
    assert normalize_line_breaks(sent) == typed
