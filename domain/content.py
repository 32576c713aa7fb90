"""Checks on what organizers write: both languages present, a question at least, a
possible schedule.

Kept apart from the aggregate because drafting and editing both need them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.errors import InvalidContentError, InvalidScheduleError
from domain.values import MAX_NOTE_LENGTH, require_aware, validate_text

MAX_GRACE_DAYS = 60
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)  # excluded: the last moment is in 2999
EDITABLE = frozenset(
    {
        "title",
        "summary",
        "body",
        "questions",
        "opens_at",
        "closes_at",
        "mail_grace_days",
        "postal_address",
        "phone",
        "phone_hours",
    }
)
_BILINGUAL_FIELDS = ("title", "summary", "body", "phone_hours")


def check_content(content: dict[str, Any]) -> None:
    for name in _BILINGUAL_FIELDS:
        check_bilingual(name, content[name])
    questions = content["questions"]
    if not isinstance(questions, list):
        raise InvalidContentError("questions must be a list")
    if not questions:
        raise InvalidContentError("a consultation asks at least one question")
    for question in questions:
        check_bilingual("question", question)
    validate_text(content["postal_address"], max_length=MAX_NOTE_LENGTH)
    validate_text(content["phone"], max_length=100)
    check_schedule(content["opens_at"], content["closes_at"], content["mail_grace_days"])


def check_bilingual(name: str, value: Any) -> None:
    """Both languages are required: French first, English available (principle 4)."""
    if not isinstance(value, dict) or set(value) != {"fr", "en"}:
        raise InvalidContentError(f"{name} needs exactly 'fr' and 'en'")
    for text in value.values():
        validate_text(text)


def check_schedule(opens_at: datetime, closes_at: datetime, grace_days: int) -> None:
    require_plausible(opens_at, closes_at)
    if closes_at <= opens_at:
        raise InvalidScheduleError("closes before it opens")
    if isinstance(grace_days, bool) or not isinstance(grace_days, int):
        raise InvalidScheduleError("grace days must be a whole number")
    if not 0 <= grace_days <= MAX_GRACE_DAYS:
        raise InvalidScheduleError(f"grace days must be 0 to {MAX_GRACE_DAYS}")


def plausible(moment: datetime) -> bool:
    """Whether an (aware) instant lies in the years 2000 to 2999, in UTC.

    Wider than any consultation a public body runs, so no real date is refused, yet
    narrow enough that every moment derived from it (the mail deadline, Montréal time)
    stays far inside what Python and the read models can hold (years 1 to 9999): a
    consultation closing on 31 December 9999 in Montréal ends in year 10000 in UTC,
    and one such event, stored, would stop every projection. Comparing does not convert,
    so this is safe to ask of any instant (unlike `astimezone`).
    """
    return EARLIEST <= moment < LATEST


def require_plausible(*moments: datetime | None) -> None:
    """Aware, and inside `plausible`'s years: checked before any moment is stored."""
    require_aware(*moments)
    for moment in moments:
        if moment is not None and not plausible(moment):
            raise InvalidScheduleError(f"{moment.isoformat()} is outside the years 2000 to 2999")
