"""What the public reads of moderation: opinions counted by status, channel and region,
and the ledger of every decision, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

PENDING = ("keying", "received", "refusal_proposed")
FIRST_DECISIONS = ("published", "published_with_redactions", "refusal_proposed")


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
        parts = ("published", "refused", "pending", "withdrawn", "late")
        return self.total() == sum(self.total(p) for p in parts)


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


async def decision_delays(conn: Any, consultation_id: UUID) -> dict[str, timedelta]:
    """By channel, the median time from receipt to the first decision (a publication or
    a refusal proposed): the same queue for all three should show the same delays."""
    rows = await conn.fetch(
        "SELECT s.channel, percentile_cont(0.5) WITHIN GROUP"
        " (ORDER BY extract(epoch FROM d.decided_at - s.received_at)) AS seconds"
        " FROM public_submissions s JOIN (SELECT submission_id, min(decided_at) AS decided_at"
        " FROM public_ledger WHERE consultation_id = $1 AND decision = ANY($2::text[])"
        " GROUP BY submission_id) d USING (submission_id)"
        " WHERE s.consultation_id = $1 GROUP BY s.channel",
        consultation_id,
        list(FIRST_DECISIONS),
    )
    return {row["channel"]: timedelta(seconds=float(row["seconds"])) for row in rows}
