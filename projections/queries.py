"""What pages read: one or two indexed queries each, into small view dataclasses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.consultation import mail_deadline

PUBLIC_STATUSES = ("scheduled", "cancelled")  # a draft is not public
PENDING = ("received", "refusal_proposed")


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


@dataclass(frozen=True)
class Submission:
    id: UUID
    consultation_id: UUID
    receipt_number: str
    channel: str
    language: str
    region: str | None
    status: str
    appeal_status: str
    refusal_reason: str | None
    received_at: datetime
    published_at: datetime | None
    text: str | None
    display_name: str | None


@dataclass(frozen=True)
class ConsultationRef:
    """Enough of a consultation to name it and link to it."""

    id: UUID
    title: dict[str, str]


@dataclass(frozen=True)
class SentSubmission:
    """What the author sent, for their eyes only: the full text and sealed fields."""

    text: str
    sealed: str | None
    show_name: bool


@dataclass(frozen=True)
class SubmissionPage:
    items: list[Submission]
    next_cursor: str | None


@dataclass(frozen=True)
class Filters:
    region: str | None = None
    channel: str | None = None
    query: str | None = None
    after: str | None = None

    def params(self) -> dict[str, str]:
        pairs = {"region": self.region, "canal": self.channel, "q": self.query}
        return {k: v for k, v in pairs.items() if v}


@dataclass(frozen=True)
class LedgerEntry:
    position: int
    receipt_number: str
    decision: str
    reason_codes: list[str]
    moderator: str | None
    decided_at: datetime


@dataclass(frozen=True)
class Counts:
    """Counts by status, channel and region; `rows` are (channel, region, status, n)."""

    rows: list[tuple[str, str, str, int]] = field(default_factory=list)

    def total(self, status: str | None = None, **where: str) -> int:
        return sum(
            n
            for channel, region, row_status, n in self.rows
            if (
                status is None
                or row_status == status
                or (status == "pending" and row_status in PENDING)
            )
            and where.get("channel", channel) == channel
            and where.get("region", region) == region
        )

    def reconciles(self) -> bool:
        parts = ("published", "refused", "pending", "withdrawn")
        return self.total() == sum(self.total(p) for p in parts)


_CONSULTATION_COLUMNS = (
    "c.consultation_id AS id, c.status, c.title, c.summary, c.body, c.questions, c.opens_at,"
    " c.closes_at, c.mail_grace_days, c.postal_address, c.phone, c.phone_hours,"
    " c.closed_early_reason, c.cancelled_reason, c.report_summary, c.report_document,"
    " c.report_published_at, c.documents"
)
_COUNTED = (
    " coalesce(sum(n), 0)::int AS received,"
    " coalesce(sum(n) FILTER (WHERE k.status = 'published'), 0)::int AS published"
)


# What a page may show of a submission: never the participant's id.
_SUBMISSION_COLUMNS = (
    "submission_id AS id, consultation_id, receipt_number, channel, language, region, status,"
    " appeal_status, refusal_reason, received_at, published_at, text, display_name"
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


def encode_cursor(item: Submission) -> str:
    assert item.published_at is not None
    return f"{int(item.published_at.timestamp() * 1_000_000)}_{item.id}"


def decode_cursor(cursor: str) -> tuple[datetime, UUID] | None:
    """None for anything `encode_cursor` could not have written: the list starts over.

    Past the year 9999 the conversion fails with OverflowError or OSError, not ValueError.
    """
    try:
        micros, submission_id = cursor.split("_", 1)
        return datetime.fromtimestamp(int(micros) / 1_000_000, UTC), UUID(submission_id)
    except (ValueError, OverflowError, OSError):
        return None


async def published_submissions(
    conn: Any, consultation_id: UUID, filters: Filters, limit: int = 20
) -> SubmissionPage:
    """Newest first, by keyset: as fast on the last page as on the first."""
    sql = (
        f"SELECT {_SUBMISSION_COLUMNS} FROM public_submissions"
        " WHERE consultation_id = $1 AND status = 'published'"
    )
    args: list[Any] = [consultation_id]
    for column, value in (("region", filters.region), ("channel", filters.channel)):
        if value:
            args.append(value)
            sql += f" AND {column} = ${len(args)}"
    if filters.query:
        args.append(filters.query)
        sql += f" AND search @@ websearch_to_tsquery('tribune_fr', ${len(args)})"
    position = decode_cursor(filters.after) if filters.after else None
    if position is not None:
        args += list(position)
        sql += f" AND (published_at, submission_id) < (${len(args) - 1}, ${len(args)})"
    args.append(limit + 1)
    sql += f" ORDER BY published_at DESC, submission_id DESC LIMIT ${len(args)}"
    items = [_submission(row) for row in await conn.fetch(sql, *args)]
    more = len(items) > limit
    return SubmissionPage(items[:limit], encode_cursor(items[limit - 1]) if more else None)


def _submission(row: Any) -> Submission:
    return Submission(**dict(row))


async def submission_by_receipt(conn: Any, receipt_number: str) -> Submission | None:
    row = await conn.fetchrow(
        f"SELECT {_SUBMISSION_COLUMNS} FROM public_submissions WHERE receipt_number = $1",
        receipt_number,
    )
    return None if row is None else _submission(row)


async def submission_and_consultation(
    conn: Any, receipt_number: str
) -> tuple[Submission, ConsultationRef | None] | None:
    """A submission's public page in one query: the submission, its consultation's title."""
    row = await conn.fetchrow(
        f"SELECT x.*, c.title AS consultation_title FROM (SELECT {_SUBMISSION_COLUMNS}"
        " FROM public_submissions WHERE receipt_number = $1) x LEFT JOIN public_consultations c"
        " ON c.consultation_id = x.consultation_id AND c.status = ANY($2)",
        receipt_number,
        list(PUBLIC_STATUSES),
    )
    if row is None:
        return None
    values = dict(row)
    title = values.pop("consultation_title")
    submission = Submission(**values)
    ref = ConsultationRef(submission.consultation_id, json.loads(title)) if title else None
    return submission, ref


async def sent_submission(conn: Any, submission_id: UUID) -> SentSubmission | None:
    row = await conn.fetchrow(
        "SELECT t.text, t.sealed, s.show_name FROM private_submission_texts t"
        " JOIN public_submissions s USING (submission_id) WHERE submission_id = $1",
        submission_id,
    )
    return None if row is None else SentSubmission(**dict(row))


async def counts(conn: Any, consultation_id: UUID) -> Counts:
    rows = await conn.fetch(
        "SELECT channel, region, status, n::int FROM public_counts"
        " WHERE consultation_id = $1 AND n <> 0",
        consultation_id,
    )
    return Counts([tuple(row) for row in rows])


async def ledger(
    conn: Any, consultation_id: UUID, before: int | None = None, limit: int = 50
) -> tuple[list[LedgerEntry], int | None]:
    rows = await conn.fetch(
        "SELECT notification_id AS position, receipt_number, decision, reason_codes,"
        " moderator, decided_at FROM public_ledger WHERE consultation_id = $1"
        " AND notification_id < $2 ORDER BY notification_id DESC LIMIT $3",
        consultation_id,
        before if before is not None else 2**62,
        limit + 1,
    )
    entries = [
        LedgerEntry(
            **{
                **dict(r),
                "reason_codes": (r["reason_codes"] or "").split(",") if r["reason_codes"] else [],
            }
        )
        for r in rows[:limit]
    ]
    return entries, entries[-1].position if len(rows) > limit else None


async def submissions_of(conn: Any, participant_id: UUID) -> list[Submission]:
    """A citizen's own submissions, newest first (their own page only)."""
    rows = await conn.fetch(
        f"SELECT {_SUBMISSION_COLUMNS} FROM public_submissions WHERE participant_id = $1"
        " ORDER BY received_at DESC",
        participant_id,
    )
    return [_submission(row) for row in rows]
