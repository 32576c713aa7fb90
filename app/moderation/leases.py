"""Moderators' leases on queue items: who holds which item, until when. Working state,
not facts (no events): a lease only keeps two moderators off the same item; an expired
or released one puts the item back in the queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from projections.moderation_queries import CALIBRATING, ELIGIBLE

LEASE = timedelta(minutes=5)

_TAKE = """
WITH next AS (
    SELECT i.submission_id FROM {items} i
    LEFT JOIN {leases} l USING (submission_id)
    WHERE {waiting} AND ({eligible})
      AND (l.submission_id IS NULL OR l.expires_at <= now() OR l.moderator = $1)
    ORDER BY (l.moderator IS NOT DISTINCT FROM $1) DESC,
        i.received_at, i.recorded_at, i.submission_id
    LIMIT 1 FOR UPDATE OF i SKIP LOCKED
)
INSERT INTO {leases} (submission_id, moderator, expires_at)
SELECT submission_id, $1, now() + $2::interval FROM next
ON CONFLICT (submission_id) DO UPDATE
    SET moderator = excluded.moderator, expires_at = excluded.expires_at
    WHERE {leases}.expires_at <= now() OR {leases}.moderator = $1
RETURNING submission_id
"""
TAKE_DECISION = _TAKE.format(
    items="moderation_items",
    leases="moderation_leases",
    waiting="i.stage IS NOT NULL",
    eligible=ELIGIBLE,
)
TAKE_CALIBRATION = _TAKE.format(
    items="calibration_items",
    leases="calibration_leases",
    waiting="i.ready AND NOT i.done",
    eligible=CALIBRATING,
)


async def take_next(
    conn: Any, moderator: str, lease: timedelta = LEASE, sql: str = TAKE_DECISION
) -> UUID | None:
    """The oldest item this moderator may take (the one they hold first), now leased to
    them; None when the queue holds nothing for them. With TAKE_CALIBRATION, from the
    calibration queue."""
    taken: UUID | None = await conn.fetchval(sql, moderator, lease)
    return taken


async def lease_of(
    conn: Any, submission_id: UUID, moderator: str, leases: str = "moderation_leases"
) -> timedelta | None:
    """The time left on this moderator's lease of the item; None if they hold none."""
    left: timedelta | None = await conn.fetchval(
        f"SELECT expires_at - now() FROM {leases}"
        " WHERE submission_id = $1 AND moderator = $2 AND expires_at > now()",
        submission_id,
        moderator,
    )
    return left


async def release(
    conn: Any, submission_id: UUID, moderator: str, leases: str = "moderation_leases"
) -> None:
    await conn.execute(
        f"DELETE FROM {leases} WHERE submission_id = $1 AND moderator = $2",
        submission_id,
        moderator,
    )
