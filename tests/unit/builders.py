"""Small builders so each test states only what matters to it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from domain import (
    Channel,
    Consultation,
    StaffId,
    Submission,
    receipt_number,
)

MONTREAL = timezone(timedelta(hours=-5))
DRAFTED_AT = datetime(2026, 10, 1, 9, 0, tzinfo=MONTREAL)
OPENS_AT = datetime(2026, 11, 2, 9, 0, tzinfo=MONTREAL)
CLOSES_AT = datetime(2026, 11, 28, 17, 0, tzinfo=MONTREAL)
DURING = datetime(2026, 11, 10, 12, 0, tzinfo=MONTREAL)
GRACE_DAYS = 7
SECOND = timedelta(seconds=1)

ORGANIZER = StaffId("organizer-1")
CLERK = StaffId("clerk-1")
OTHER_CLERK = StaffId("clerk-2")
MODERATOR = StaffId("moderator-1")
SECOND_MODERATOR = StaffId("moderator-2")
THIRD_MODERATOR = StaffId("moderator-3")
AUTHOR = UUID("00000000-0000-0000-0000-00000000a001")
SOMEONE_ELSE = UUID("00000000-0000-0000-0000-00000000a002")
CONSULTATION_ID = UUID("00000000-0000-0000-0000-00000000c001")


def bilingual(text: str = "texte") -> dict[str, str]:
    return {"fr": f"{text} (fr)", "en": f"{text} (en)"}


def content(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": bilingual("Avenir de l'eau"),
        "summary": bilingual("Résumé"),
        "body": bilingual("Texte"),
        "questions": [bilingual("Question 1")],
        "opens_at": OPENS_AT,
        "closes_at": CLOSES_AT,
        "mail_grace_days": GRACE_DAYS,
        "postal_address": "1020, rue des Parlementaires, Québec (Québec)",
        "phone": "1 800 555-0100",
        "phone_hours": bilingual("9 h à 17 h"),
    }
    fields.update(overrides)
    return fields


def drafted(**overrides: Any) -> Consultation:
    return Consultation.draft(CONSULTATION_ID, by=ORGANIZER, at=DRAFTED_AT, **content(**overrides))


def scheduled(**overrides: Any) -> Consultation:
    consultation = drafted(**overrides)
    consultation.schedule(ORGANIZER, DRAFTED_AT)
    return consultation


def received(consultation: Consultation | None = None, **overrides: Any) -> Submission:
    """An online submission by default; mail and phone override the provenance."""
    fields: dict[str, Any] = {
        "form_token": "token-1",
        "consultation": consultation or scheduled(),
        "channel": Channel.ONLINE,
        "participant_id": AUTHOR,
        "text": "Je souhaite que l'eau reste publique.",
        "language": "fr",
        "region": "03",
        "received_at": DURING,
        "show_name": True,
        "receipt_number": receipt_number(b"token-1"),
    }
    fields.update(overrides)
    return Submission.receive(**fields)


def keyed_letter(**overrides: Any) -> Submission:
    fields: dict[str, Any] = {
        "channel": Channel.MAIL,
        "postmarked_at": DURING,
        "received_at": DURING + timedelta(days=2),
        "keyed_by": CLERK,
        "source_reference": "SCAN-0001",
    }
    fields.update(overrides)
    return received(**fields)
