"""What every form shares: the typed values kept as typed, an error code per field."""

from __future__ import annotations

from datetime import date, datetime

from starlette.datastructures import FormData

from app.web.formatting import MONTREAL
from domain import InvalidTextError, validate_text
from domain.content import plausible
from domain.values import normalize_line_breaks

BIGINT = 2**63 - 1  # PostgreSQL's largest whole number
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
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


def local_input(moment: datetime | None) -> str:
    """An instant as an HTML datetime-local value, in Montréal time."""
    return moment.astimezone(MONTREAL).strftime(LOCAL_FORMAT) if moment else ""


def parse_local(text: str) -> datetime | None:
    """A datetime-local value (Montréal time) as an aware instant; None if not one."""
    for pattern in (LOCAL_FORMAT, LOCAL_FORMAT + ":%S"):
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=MONTREAL)
        except ValueError:
            continue
    return None


def check_moment(errors: Errors, values: dict[str, str], name: str) -> datetime | None:
    """A date the domain will take: a field can hold years 1 to 9999, the domain only
    2000 to 2999 (`domain.content.plausible`), so the person is told here, at the field."""
    if not values.get(name, "").strip():
        errors.setdefault(name, "required")
        return None
    moment = parse_local(values[name])
    if moment is None:
        errors.setdefault(name, "datetime_invalid")
    elif not plausible(moment):
        errors.setdefault(name, "datetime_out_of_range")
        return None
    return moment


def check_day(errors: Errors, values: dict[str, str], name: str) -> date | None:
    """A date field (YYYY-MM-DD) the domain will take (years 2000 to 2999)."""
    text = values.get(name, "").strip()
    if not text:
        errors.setdefault(name, "required")
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors.setdefault(name, "date_invalid")
        return None
    if not 2000 <= day.year <= 2999:
        errors.setdefault(name, "datetime_out_of_range")
        return None
    return day
