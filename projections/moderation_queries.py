"""What the moderators' pages read: how many items wait for a moderator, and one item
as they see it, blind (the consultation, its questions and the text; never who sent it,
how, or from where)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

ELIGIBLE = (
    "$1 <> ALL(ARRAY[coalesce(i.keyed_by, ''), coalesce(i.second_keyed_by, ''),"
    " coalesce(i.reconciled_by, '')]) AND (i.stage = 'first'"
    " OR (i.stage = 'confirm' AND i.proposed_by <> $1)"
    " OR (i.stage = 'appeal' AND $1 <> ALL(ARRAY[coalesce(i.proposed_by, ''),"
    " coalesce(i.refused_by, '')])))"
)
"""What a moderator may take: never what they keyed (first, second, or reconciled), nor a
second opinion on their own proposal, nor an appeal on a submission they took part in."""
CALIBRATING = "i.keyed_by IS DISTINCT FROM $1 AND i.decided_by <> $1"
"""A calibration item, to anyone but who keyed it and who took the first decision."""


@dataclass(frozen=True)
class Waiting:
    stage: str
    n: int
    oldest: datetime


async def waiting_for(conn: Any, moderator: str) -> list[Waiting]:
    rows = await conn.fetch(
        f"SELECT i.stage, count(*)::int AS n, min(i.received_at) AS oldest"
        f" FROM moderation_items i WHERE i.stage IS NOT NULL AND ({ELIGIBLE})"
        " GROUP BY i.stage ORDER BY i.stage",
        moderator,
    )
    return [Waiting(**dict(row)) for row in rows]


@dataclass(frozen=True)
class Item:
    id: UUID
    consultation_id: UUID
    title: dict[str, str]
    questions: list[dict[str, str]]
    received_at: datetime
    stage: str | None
    text: str
    language: str
    reason: str | None
    note: str | None
    appeal_text: str | None
    has_brief: bool
    has_scan: bool
    status: str
    """The submission's public status: what a decision made meanwhile left."""


async def item(conn: Any, submission_id: UUID) -> Item | None:
    row = await conn.fetchrow(
        "SELECT i.submission_id AS id, i.consultation_id, c.title, c.questions, i.received_at,"
        " i.stage, t.text, s.language, i.reason, i.note, i.appeal_text, i.has_brief,"
        " i.has_scan, s.status FROM moderation_items i"
        " JOIN private_submission_texts t USING (submission_id)"
        " JOIN public_submissions s USING (submission_id)"
        " JOIN public_consultations c ON c.consultation_id = i.consultation_id"
        " WHERE i.submission_id = $1",
        submission_id,
    )
    if row is None:
        return None
    values = dict(row)
    values["title"], values["questions"] = json.loads(row["title"]), json.loads(row["questions"])
    return Item(**values)


async def may_decide(conn: Any, submission_id: UUID, moderator: str) -> bool:
    """Whether this moderator may decide on this item now (separation of duties)."""
    found: bool | None = await conn.fetchval(
        f"SELECT true FROM moderation_items i WHERE i.submission_id = $2 AND ({ELIGIBLE})",
        moderator,
        submission_id,
    )
    return bool(found)
