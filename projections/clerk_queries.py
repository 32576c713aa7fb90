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
    second_keyed_by: str | None = None
    second_keyed_at: datetime | None = None
    second_text: str | None = None
    reconciled_by: str | None = None
    agreed: bool | None = None
    corrections: list[Correction] = field(default_factory=list)


_COLUMNS = (
    "c.submission_id AS id, c.consultation_id, c.receipt_number, c.channel, c.language,"
    " c.participant_id, c.keyed_by, c.keyed_at, c.received_at, c.postmarked_at,"
    " c.call_started_at, c.status, c.late_reason, c.decided, c.printed_at, c.printed_by,"
    " t.text, p.sealed, coalesce(s.appeal_status, 'none') AS appeal_status,"
    " c.second_keyed_by, c.second_keyed_at, c.second_text, c.reconciled_by, c.agreed"
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


@dataclass(frozen=True)
class InStack:
    """A letter waiting for its second keying, known by its place in the day's stack."""

    receipt_number: str
    consultation_id: UUID
    received_at: datetime
    place: int
    """Its rank among the letters of that consultation received that day, as keyed."""
    language: str
    keyed_by: str
    second_keyed_by: str | None


async def awaiting_keying(conn: Any, clerk: str, limit: int = 100) -> list[InStack]:
    """Letters waiting for a second keying (not by `clerk`, who keyed them first) or
    for a reconciliation (not by either keyer), oldest first."""
    rows = await conn.fetch(
        "SELECT * FROM (SELECT receipt_number, consultation_id, received_at, language,"
        " keyed_by, second_keyed_by, status, row_number() OVER (PARTITION BY"
        " consultation_id, received_at ORDER BY keyed_at, submission_id)::int AS place"
        " FROM clerk_submissions WHERE channel = 'mail'"
        " AND received_at IN (SELECT received_at FROM clerk_submissions WHERE status = 'keying')"
        ") s WHERE status = 'keying' AND $1 <> keyed_by AND $1 IS DISTINCT FROM second_keyed_by"
        " ORDER BY received_at, place LIMIT $2",
        clerk,
        limit,
    )
    return [InStack(**{k: v for k, v in dict(row).items() if k != "status"}) for row in rows]


@dataclass(frozen=True)
class DoubleKeying:
    reconciled: int
    disagreed: int

    @property
    def disagreement_rate(self) -> float | None:
        return self.disagreed / self.reconciled if self.reconciled else None


async def double_keying(conn: Any, consultation_id: UUID) -> DoubleKeying:
    """How many letters were keyed twice and reconciled, and in how many the two
    keyings differed."""
    row = await conn.fetchrow(
        "SELECT count(*)::int AS reconciled, count(*) FILTER (WHERE NOT agreed)::int AS disagreed"
        " FROM clerk_submissions WHERE consultation_id = $1 AND reconciled_by IS NOT NULL",
        consultation_id,
    )
    return DoubleKeying(row["reconciled"], row["disagreed"])


@dataclass(frozen=True)
class Corrected:
    receipt_number: str
    channel: str
    correction: Correction


async def corrections_of(conn: Any, consultation_id: UUID) -> list[Corrected]:
    """Every correction clerks made to their keying in this consultation, newest first."""
    rows = await conn.fetch(
        "SELECT c.receipt_number, c.channel, k.clerk, k.corrected_at, k.previous_text, k.text"
        " FROM clerk_corrections k JOIN clerk_submissions c USING (submission_id)"
        " WHERE c.consultation_id = $1 ORDER BY k.position DESC",
        consultation_id,
    )
    return [
        Corrected(
            row["receipt_number"],
            row["channel"],
            Correction(row["clerk"], row["corrected_at"], row["previous_text"], row["text"]),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Owed:
    """An outcome a letter writer or caller is owed, by letter or by a call back."""

    s: ClerkSubmission
    kind: str
    reasons: str | None
    decided_at: datetime


DECISION_KINDS = ["published", "refused", "withdrawn", "appeal_granted", "appeal_dismissed"]


async def decisions_owed(conn: Any, limit: int = 200) -> list[Owed]:
    """Outcome notices (outgoing_email) of keyed submissions not yet sent by the clerks."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS}, o.kind AS notice_kind, o.reasons AS notice_reasons,"
        f" o.created_at AS notice_at{_JOINS}"
        " JOIN outgoing_email o ON o.submission_id = c.submission_id"
        " WHERE c.keyed_by IS NOT NULL AND o.kind = ANY($2::text[])"
        " AND o.created_at > coalesce(c.decisions_sent_at, '-infinity')"
        " ORDER BY o.created_at, o.email_id LIMIT $1",
        limit,
        DECISION_KINDS,
    )
    owed = []
    for row in rows:
        values = dict(row)
        kind, reasons, at = (values.pop(k) for k in ("notice_kind", "notice_reasons", "notice_at"))
        owed.append(Owed(ClerkSubmission(**values), kind, reasons, at))
    return owed
