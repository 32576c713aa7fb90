"""Moderators' decisions, made as the domain takes them, while their screens are still to
come (app/moderation): the submission loaded, one command, its events saved atomically
(`run_command`, as every service does). A refusal is two intentions of two people.

Each returns the position of the last event saved: wait for the read models there
(`store.wait`, with a projector running), or catch them up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from app.persistence.repository import Repository
from app.services.commands import run_command
from domain import ReasonCode, StaffId, Submission

FIRST, SECOND = StaffId("moderator-1"), StaffId("moderator-2")


async def publish(
    repository: Repository,
    submission_id: UUID,
    redactions: list[tuple[int, int, ReasonCode]] | None = None,
    at: datetime | None = None,
) -> int:
    at = at or datetime.now(UTC)
    position = await run_command(
        repository,
        Submission,
        submission_id,
        lambda s: s.publish_with_redactions(FIRST, at, redactions or []),
    )
    assert position is not None
    return position


async def refuse(
    repository: Repository, submission_id: UUID, reason: str = "R8", at: datetime | None = None
) -> int:
    """Proposed by one moderator, confirmed by a second."""
    at = at or datetime.now(UTC)
    code = ReasonCode(reason)
    await run_command(
        repository, Submission, submission_id, lambda s: s.propose_refusal(FIRST, at, code)
    )
    position = await run_command(
        repository, Submission, submission_id, lambda s: s.confirm_refusal(SECOND, at)
    )
    assert position is not None
    return position
