"""Moderators' decisions for tests that need one made: through the moderators' own
services (app/services/moderation.py), as their screens make them. A refusal is two
intentions of two people.

Each returns the position of the last event saved: wait for the read models there
(`store.wait`, with a projector running), or catch them up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from app.persistence.repository import Repository
from app.services.moderation import propose_refusal, publish_submission, second_opinion
from domain import ReasonCode, StaffId

FIRST, SECOND = StaffId("moderator-1"), StaffId("moderator-2")


async def publish(
    repository: Repository,
    submission_id: UUID,
    redactions: list[tuple[int, int, ReasonCode]] | None = None,
    at: datetime | None = None,
) -> int:
    position = await publish_submission(
        repository, submission_id, FIRST, at or datetime.now(UTC), redactions or []
    )
    assert position is not None
    return position


async def refuse(
    repository: Repository, submission_id: UUID, reason: str = "R8", at: datetime | None = None
) -> int:
    """Proposed by one moderator, confirmed by a second."""
    at = at or datetime.now(UTC)
    await propose_refusal(repository, submission_id, FIRST, at, ReasonCode(reason), "")
    position = await second_opinion(repository, submission_id, SECOND, at, confirm=True)
    assert position is not None
    return position
