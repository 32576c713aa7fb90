"""What every form shares: the typed values kept as typed, an error code per field."""

from __future__ import annotations

from starlette.datastructures import FormData

from domain import InvalidTextError, validate_text
from domain.values import normalize_line_breaks

BIGINT = 2**63 - 1  # PostgreSQL's largest whole number
Errors = dict[str, str]
"""Field (or form) name → error code; in the order they appear on the page."""


def texts(form: FormData) -> dict[str, str]:
    """The form's text fields, each line break one LF: every textarea's text enters
    here, so the server counts its length as the browser's `maxlength` did."""
    return {
        k: normalize_line_breaks(v)
        for k, v in form.multi_items()
        if isinstance(v, str) and k != "csrf_token"
    }


def check_text(errors: Errors, values: dict[str, str], name: str, max_length: int = 20_000) -> str:
    text = values.get(name, "")
    if not text.strip():
        errors.setdefault(name, "required")
        return text
    try:
        validate_text(text, max_length=max_length)
    except InvalidTextError:
        errors.setdefault(name, "text_invalid")
    return text


def whole_number(text: str | None, low: int = 0, high: int = BIGINT) -> int | None:
    """A number held within [low, high]; None unless it is written in ASCII digits.

    str.isdigit() also accepts "²", which int() refuses; an unbounded number overflows
    PostgreSQL's bigint, and int() refuses thousands of digits. All three were 500s.
    """
    if not text or not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(high)):  # before int(): it refuses over 4 300 digits
        return high
    return min(max(int(digits), low), high)
