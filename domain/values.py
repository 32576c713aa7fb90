"""Value types shared by the aggregates, and the checks on free text.

Enums are `StrEnum` so events can carry their plain string value: the JSON
transcoder stores them as strings, and aggregates turn them back into enums when
an event is applied.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, NewType

from domain.errors import InvalidTextError

StaffId = NewType("StaffId", str)
"""The staff identity provider's subject for a clerk, moderator or organizer."""

Bilingual = dict[str, str]
"""A text in both languages: {"fr": ..., "en": ...}."""

MAX_TEXT_LENGTH = 20_000
MAX_NOTE_LENGTH = 2_000
MAX_BRIEF_BYTES = 10 * 1024 * 1024
"""A brief (a PDF beside the opinion) is at most 10 MB."""
_ALLOWED_CONTROLS = frozenset("\n\r\t")


class Channel(StrEnum):
    ONLINE = "online"
    MAIL = "mail"
    PHONE = "phone"


class Language(StrEnum):
    FR = "fr"
    EN = "en"


class Status(StrEnum):
    """Where a submission stands in moderation."""

    RECEIVED = "received"
    REFUSAL_PROPOSED = "refusal_proposed"
    PUBLISHED = "published"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    KEYING = "keying"
    """A letter keyed once, waiting for its second, blind keying and the reconciliation
    of the two; then it is received for moderation."""
    LATE = "late"
    """A letter postmarked after closing or received after the grace period: recorded
    and acknowledged, never moderated nor published."""


class AppealStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    GRANTED = "granted"
    DISMISSED = "dismissed"


class ConsultationStatus(StrEnum):
    """What organizers decided; the time-dependent phase derives from it."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Phase(StrEnum):
    """What the public sees at a given moment."""

    DRAFT = "draft"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ReasonCode(StrEnum):
    """Reasons from the moderation charter (docs/charter.md). Never renumber."""

    HATE_SPEECH = "R1"
    VIOLENCE = "R2"
    PERSONAL_INFORMATION = "R3"
    DEFAMATION = "R4"
    ADVERTISING = "R5"
    IMPERSONATION = "R6"
    UNINTELLIGIBLE = "R7"
    OFF_TOPIC = "R8"


class Redaction(NamedTuple):
    """A passage [start, end) of a submission's text withheld from publication."""

    start: int
    end: int
    reason: ReasonCode


REGIONS: dict[str, tuple[str, str]] = {
    "01": ("Bas-Saint-Laurent", "Bas-Saint-Laurent"),
    "02": ("Saguenay–Lac-Saint-Jean", "Saguenay–Lac-Saint-Jean"),  # noqa: RUF001 (official en dash)
    "03": ("Capitale-Nationale", "Capitale-Nationale"),
    "04": ("Mauricie", "Mauricie"),
    "05": ("Estrie", "Estrie"),
    "06": ("Montréal", "Montréal"),
    "07": ("Outaouais", "Outaouais"),
    "08": ("Abitibi-Témiscamingue", "Abitibi-Témiscamingue"),
    "09": ("Côte-Nord", "Côte-Nord"),
    "10": ("Nord-du-Québec", "Nord-du-Québec"),
    "11": ("Gaspésie–Îles-de-la-Madeleine", "Gaspésie–Îles-de-la-Madeleine"),  # noqa: RUF001
    "12": ("Chaudière-Appalaches", "Chaudière-Appalaches"),
    "13": ("Laval", "Laval"),
    "14": ("Lanaudière", "Lanaudière"),
    "15": ("Laurentides", "Laurentides"),
    "16": ("Montérégie", "Montérégie"),
    "17": ("Centre-du-Québec", "Centre-du-Québec"),
}
"""Official names are French proper nouns; English uses them unchanged."""


def validate_text(
    text: str, *, max_length: int = MAX_TEXT_LENGTH, allow_empty: bool = False
) -> str:
    """Reject text that cannot be shown or stored safely; return it unchanged.

    Control characters (other than line breaks and tabs) and lone surrogates would
    break pages, CSV exports or the UTF-8 store; opinions are kept verbatim.
    """
    if not isinstance(text, str):
        raise InvalidTextError("not a text")
    if not allow_empty and not text.strip():
        raise InvalidTextError("empty")
    if len(text) > max_length:
        raise InvalidTextError(f"longer than {max_length} characters")
    for char in text:
        if char in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise InvalidTextError(f"character U+{ord(char):04X}")
    return text


def normalize_line_breaks(text: str) -> str:
    """Every line break as one LF, as a browser counts it.

    A textarea's `maxlength` counts a line break as one character but the browser
    sends it as CRLF; counted as sent, text that fit in the box would be too long.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def require_aware(*moments: datetime | None) -> None:
    """Naive datetimes are a programmer's mistake: the domain compares instants."""
    for moment in moments:
        if moment is not None and moment.utcoffset() is None:
            msg = f"datetime must be timezone-aware: {moment!r}"
            raise ValueError(msg)
