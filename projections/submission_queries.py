"""What pages read of submissions: the published ones page by page, one by its receipt
number with its consultation's title, a citizen's own, and what its author sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from projections.consultation_queries import PUBLIC_STATUSES


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
    attachment_published: bool = False
    """Its brief or scan, published by a moderator with it: downloadable."""


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


# What a page may show of a submission: never the participant's id.
_SUBMISSION_COLUMNS = (
    "submission_id AS id, consultation_id, receipt_number, channel, language, region, status,"
    " appeal_status, refusal_reason, received_at, published_at, text, display_name,"
    " attachment_published"
)


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


async def submissions_of(conn: Any, participant_id: UUID) -> list[Submission]:
    """A citizen's own submissions, newest first (their own page only)."""
    rows = await conn.fetch(
        f"SELECT {_SUBMISSION_COLUMNS} FROM public_submissions WHERE participant_id = $1"
        " ORDER BY received_at DESC",
        participant_id,
    )
    return [_submission(row) for row in rows]
