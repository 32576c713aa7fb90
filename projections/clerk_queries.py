"""What the clerks' pages read: the day's keying per clerk, one submission found by
its receipt number (with its writer's sealed fields and its corrections), and the
acknowledgments still to print."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class KeyedToday:
    keyed_by: str
    channel: str
    n: int


@dataclass(frozen=True)
class Correction:
    clerk: str
    corrected_at: datetime
    previous_text: str
    text: str


@dataclass(frozen=True)
class ClerkSubmission:
    id: UUID
    consultation_id: UUID
    receipt_number: str
    channel: str
    language: str
    participant_id: UUID
    keyed_by: str | None
    keyed_at: datetime
    received_at: datetime
    postmarked_at: datetime | None
    call_started_at: datetime | None
    status: str
    late_reason: str | None
    decided: bool
    printed_at: datetime | None
    printed_by: str | None
    text: str
    sealed: str | None
    """The writer's personal fields, sealed with their key (None once erased)."""
    appeal_status: str = "none"
    corrections: list[Correction] = field(default_factory=list)


_COLUMNS = (
    "c.submission_id AS id, c.consultation_id, c.receipt_number, c.channel, c.language,"
    " c.participant_id, c.keyed_by, c.keyed_at, c.received_at, c.postmarked_at,"
    " c.call_started_at, c.status, c.late_reason, c.decided, c.printed_at, c.printed_by,"
    " t.text, p.sealed, coalesce(s.appeal_status, 'none') AS appeal_status"
)
_JOINS = (
    " FROM clerk_submissions c"
    " JOIN private_submission_texts t USING (submission_id)"
    " LEFT JOIN private_participants p ON p.participant_id = c.participant_id"
    " LEFT JOIN public_submissions s ON s.submission_id = c.submission_id"
)


async def keyed_since(conn: Any, since: datetime) -> list[KeyedToday]:
    """How many letters and calls each clerk keyed since `since` (the day's start)."""
    rows = await conn.fetch(
        "SELECT keyed_by, channel, count(*)::int AS n FROM clerk_submissions"
        " WHERE keyed_at >= $1 AND keyed_by IS NOT NULL"
        " GROUP BY keyed_by, channel ORDER BY keyed_by, channel",
        since,
    )
    return [KeyedToday(**dict(row)) for row in rows]


async def by_receipt(conn: Any, receipt_number: str) -> ClerkSubmission | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS}{_JOINS} WHERE c.receipt_number = $1", receipt_number
    )
    if row is None:
        return None
    corrections = await conn.fetch(
        "SELECT clerk, corrected_at, previous_text, text FROM clerk_corrections"
        " WHERE submission_id = $1 ORDER BY position",
        row["id"],
    )
    return ClerkSubmission(**dict(row), corrections=[Correction(**dict(c)) for c in corrections])


async def unprinted(conn: Any, limit: int = 200) -> list[ClerkSubmission]:
    """Keyed letters and calls whose acknowledgment is not printed yet, oldest first."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS}{_JOINS} WHERE c.keyed_by IS NOT NULL AND c.printed_at IS NULL"
        " ORDER BY c.keyed_at, c.submission_id LIMIT $1",
        limit,
    )
    return [ClerkSubmission(**dict(row)) for row in rows]
