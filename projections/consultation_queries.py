"""What pages read of consultations: the public ones, each with how many opinions it
received and published, in one indexed query."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.consultation import mail_deadline

PUBLIC_STATUSES = ("scheduled", "cancelled")  # a draft is not public


@dataclass(frozen=True)
class Consultation:
    id: UUID
    status: str
    title: dict[str, str]
    summary: dict[str, str]
    body: dict[str, str]
    questions: list[dict[str, str]]
    opens_at: datetime
    closes_at: datetime
    mail_grace_days: int
    postal_address: str
    phone: str
    phone_hours: dict[str, str]
    closed_early_reason: str | None
    cancelled_reason: str | None
    report_summary: dict[str, str] | None
    report_document: str | None
    report_published_at: datetime | None
    received: int = 0
    published: int = 0
    documents: list[dict[str, Any]] = field(default_factory=list)
    letters_keyed_twice: bool = False
    """Each letter keyed twice, blind, and the keyings reconciled before moderation."""

    def phase(self, now: datetime) -> str:
        if self.status == "cancelled":
            return "cancelled"
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"

    @property
    def mail_deadline(self) -> datetime:
        return mail_deadline(self.closes_at, self.mail_grace_days)

    def takes_mail(self, now: datetime) -> bool:
        """Open, or closed within the mail grace period: letters still count."""
        return self.status != "cancelled" and self.opens_at <= now < self.mail_deadline


_CONSULTATION_COLUMNS = (
    "c.consultation_id AS id, c.status, c.title, c.summary, c.body, c.questions, c.opens_at,"
    " c.closes_at, c.mail_grace_days, c.postal_address, c.phone, c.phone_hours,"
    " c.closed_early_reason, c.cancelled_reason, c.report_summary, c.report_document,"
    " c.report_published_at, c.documents, c.letters_keyed_twice"
)
_COUNTED = (
    " coalesce(sum(n), 0)::int AS received,"
    " coalesce(sum(n) FILTER (WHERE k.status = 'published'), 0)::int AS published"
)


def _consultation(row: Any) -> Consultation:
    values = dict(row)
    for name in (
        "title",
        "summary",
        "body",
        "questions",
        "phone_hours",
        "report_summary",
        "documents",
    ):
        if values[name] is not None:
            values[name] = json.loads(values[name])
    return Consultation(**values)


async def consultations(conn: Any) -> list[Consultation]:
    rows = await conn.fetch(
        f"SELECT {_CONSULTATION_COLUMNS},{_COUNTED} FROM public_consultations c"
        " LEFT JOIN public_counts k USING (consultation_id)"
        " WHERE c.status = ANY($1) GROUP BY c.consultation_id ORDER BY c.opens_at DESC",
        list(PUBLIC_STATUSES),
    )
    return [_consultation(row) for row in rows]


async def consultation(conn: Any, consultation_id: UUID) -> Consultation | None:
    row = await conn.fetchrow(
        f"SELECT {_CONSULTATION_COLUMNS},{_COUNTED} FROM public_consultations c"
        " LEFT JOIN public_counts k USING (consultation_id)"
        " WHERE c.consultation_id = $1 AND c.status = ANY($2) GROUP BY c.consultation_id",
        consultation_id,
        list(PUBLIC_STATUSES),
    )
    return None if row is None else _consultation(row)
