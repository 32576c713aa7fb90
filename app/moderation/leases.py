"""Moderators' leases on queue items: who holds which item, until when. Working state,
not facts (no events): a lease only keeps two moderators off the same item; an expired
or released one puts the item back in the queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from projections.moderation_queries import ELIGIBLE

LEASE = timedelta(minutes=5)

_TAKE = f"""
WITH next AS (
    SELECT i.submission_id FROM moderation_items i
    LEFT JOIN moderation_leases l USING (submission_id)
    WHERE i.stage IS NOT NULL AND ({ELIGIBLE})
      AND (l.submission_id IS NULL OR l.expires_at <= now() OR l.moderator = $1)
    ORDER BY (l.moderator IS NOT DISTINCT FROM $1) DESC,
        i.received_at, i.recorded_at, i.submission_id
    LIMIT 1 FOR UPDATE OF i SKIP LOCKED
)
INSERT INTO moderation_leases (submission_id, moderator, expires_at)
SELECT submission_id, $1, now() + $2::interval FROM next
ON CONFLICT (submission_id) DO UPDATE
    SET moderator = excluded.moderator, expires_at = excluded.expires_at
    WHERE moderation_leases.expires_at <= now() OR moderation_leases.moderator = $1
RETURNING submission_id
"""


async def take_next(conn: Any, moderator: str, lease: timedelta = LEASE) -> UUID | None:
    """The oldest item this moderator may take (the one they hold first), now leased to
    them; None when the queue holds nothing for them."""
    taken: UUID | None = await conn.fetchval(_TAKE, moderator, lease)
    return taken


async def lease_of(conn: Any, submission_id: UUID, moderator: str) -> timedelta | None:
    """The time left on this moderator's lease of the item; None if they hold none."""
    left: timedelta | None = await conn.fetchval(
        "SELECT expires_at - now() FROM moderation_leases"
        " WHERE submission_id = $1 AND moderator = $2 AND expires_at > now()",
        submission_id,
        moderator,
    )
    return left


async def release(conn: Any, submission_id: UUID, moderator: str) -> None:
    await conn.execute(
        "DELETE FROM moderation_leases WHERE submission_id = $1 AND moderator = $2",
        submission_id,
        moderator,
    )
