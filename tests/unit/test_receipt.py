"""Receipt numbers: every one validates; typing and reading mistakes are caught."""

from __future__ import annotations

from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import (
    InvalidReceiptNumberError,
    format_receipt,
    is_valid_receipt,
    normalize_receipt,
    receipt_number,
)
from domain.receipt import ALPHABET, LENGTH

numbers = st.builds(receipt_number, st.binary(max_size=32), st.integers(0, 10_000))


def test_receipt_number_is_deterministic_per_seed_and_attempt() -> None:
    seed = UUID("00000000-0000-0000-0000-000000000001")
    assert receipt_number(seed) == receipt_number(seed.bytes)
    assert receipt_number(seed, 1) != receipt_number(seed, 0)


def test_negative_attempt_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="attempt"):
        receipt_number(b"x", -1)


@given(numbers)
def test_every_generated_number_validates(number: str) -> None:
    assert len(number) == LENGTH
    assert set(number) <= set(ALPHABET)
    assert normalize_receipt(number) == number


@given(numbers, st.integers(0, LENGTH - 1), st.sampled_from(ALPHABET))
def test_any_single_wrong_character_is_detected(
    number: str, position: int, replacement: str
) -> None:
    if number[position] == replacement:
        return
    typo = number[:position] + replacement + number[position + 1 :]
    assert not is_valid_receipt(typo)


@given(numbers, st.integers(0, LENGTH - 2))
def test_any_swap_of_two_different_neighbours_is_detected(number: str, position: int) -> None:
    left, right = number[position], number[position + 1]
    if left == right:
        return
    swapped = number[:position] + right + left + number[position + 2 :]
    assert not is_valid_receipt(swapped)


@given(numbers)
def test_normalize_accepts_lowercase_hyphens_spaces_and_crockford_aliases(
    number: str,
) -> None:
    spoken = format_receipt(number).lower().replace("-", " - ")
    spoken = spoken.replace("0", "o").replace("1", "l")
    assert normalize_receipt(spoken) == number


def test_format_groups_the_characters_by_three() -> None:
    assert format_receipt("nm5cb033t") == "NM5-CB0-33T"


@pytest.mark.parametrize(
    "text",
    ["", "NM5-CB0-33", "NM5-CB0-33T0", "NM5-CB0-3UT", "NM5-CB0-33V", "NM5/CB0/33T"],
)
def test_wrong_length_characters_or_check_are_refused(text: str) -> None:
    with pytest.raises(InvalidReceiptNumberError):
        normalize_receipt(text)
    assert not is_valid_receipt(text)
