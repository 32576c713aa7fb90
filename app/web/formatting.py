"""Dates, numbers and names as Quebec readers expect them, in each language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from domain import REGIONS

MONTREAL = ZoneInfo("America/Montreal")
LOCALES = {"fr": "fr_CA", "en": "en_CA"}


def when(moment: datetime | None, language: str) -> str:
    """« 28 novembre 2026, 14 h 30 » and "November 28, 2026, 2:30 p.m."."""
    if moment is None:
        return ""
    if language == "fr":
        return format_datetime(moment, "d MMMM y, H 'h' mm", tzinfo=MONTREAL, locale="fr_CA")
    text = format_datetime(moment, "MMMM d, y, h:mm a", tzinfo=MONTREAL, locale="en_CA")
    return text.replace("AM", "a.m.").replace("PM", "p.m.").replace("a.m..", "a.m.")


def day(moment: datetime | None, language: str) -> str:
    if moment is None:
        return ""
    return format_date(moment.astimezone(MONTREAL), "long", locale=LOCALES[language])


def number(value: int, language: str) -> str:
    return format_decimal(value, locale=LOCALES[language])


def region_name(code: str | None, language: str) -> str:
    if not code or code not in REGIONS:
        return ""
    french, english = REGIONS[code]
    return french if language == "fr" else english


def full_stop(text: str) -> str:
    """A sentence ended once: organizers may type the period themselves (the form's own
    example does), and the page must not add a second one."""
    text = text.rstrip()
    return text if not text or text.endswith((".", "!", "?", "…")) else text + "."


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""
