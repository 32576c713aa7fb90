"""How answers read what anyone may type in an address or a header: never a 500."""

from __future__ import annotations

from starlette.requests import Request

from app.web.forms import BIGINT, whole_number
from app.web.open_common import search_terms
from app.web.pdf import too_large


def test_a_whole_number_is_written_in_ascii_digits_only() -> None:
    assert whole_number("42") == 42
    for typed in (None, "", "\u00b2", "\u0663", "-1", "+1", " 1", "1_000", "1.0"):
        assert whole_number(typed) is None, typed


def test_a_whole_number_is_held_within_its_bounds_however_long_it_is() -> None:
    assert whole_number("0", 1, 100) == 1
    assert whole_number("1000", 1, 100) == 100
    assert whole_number("9" * 26) == BIGINT
    assert whole_number("9" * 5000) == BIGINT  # int() alone refuses over 4 300 digits
    assert whole_number("0" * 40 + "7") == 7


def test_search_terms_lose_their_control_characters_and_keep_their_words_apart() -> None:
    assert search_terms("eau\x00potable\x1f") == "eau potable"
    assert search_terms("\x00 \t") is None
    assert search_terms(None) is None
    assert search_terms("é" * 300) == "é" * 200


def test_a_body_length_not_written_in_ascii_digits_is_refused_not_a_crash() -> None:
    def request(length: bytes) -> Request:
        return Request({"type": "http", "headers": [(b"content-length", length)]})

    assert too_large(request("²".encode("latin-1")))  # isdigit() took it, int() did not
    assert too_large(request(b"9" * 5000))
    assert not too_large(request(b"1000"))
