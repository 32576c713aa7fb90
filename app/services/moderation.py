"""The moderators' intentions: publish (with passages withheld), propose a refusal,
confirm or overturn another's proposal, decide an appeal. Each is one command on the
submission, saved atomically: of two moderators deciding at once, one is recorded and
the other is told it changed meanwhile."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from app.persistence.repository import Repository
from app.services.commands import run_command
from domain import ReasonCode, StaffId, Submission

Redactions = list[tuple[int, int, ReasonCode]]


async def publish_submission(
    repository: Repository, submission_id: UUID, by: StaffId, at: datetime, redactions: Redactions
) -> int | None:
    """Published as sent, or with passages withheld, each for a reason of the charter."""

    def command(s: Submission) -> None:
        s.publish_with_redactions(by, at, redactions)

    return await run_command(repository, Submission, submission_id, command)


async def propose_refusal(
    repository: Repository,
    submission_id: UUID,
    by: StaffId,
    at: datetime,
    reason: ReasonCode,
    note: str,
) -> int | None:
    """The first half of a refusal: another moderator confirms or overturns it."""

    def command(s: Submission) -> None:
        s.propose_refusal(by, at, reason, note)

    return await run_command(repository, Submission, submission_id, command)


async def second_opinion(
    repository: Repository, submission_id: UUID, by: StaffId, at: datetime, confirm: bool
) -> int | None:
    """Another moderator confirms the proposed refusal, or overturns it."""

    def command(s: Submission) -> None:
        if confirm:
            s.confirm_refusal(by, at)
        else:
            s.overturn_refusal(by, at)

    return await run_command(repository, Submission, submission_id, command)


async def decide_appeal(
    repository: Repository,
    submission_id: UUID,
    by: StaffId,
    at: datetime,
    granted: bool,
    note: str,
) -> int | None:
    """By a moderator who took no part in the refusal."""

    def command(s: Submission) -> None:
        s.decide_appeal(by, at, granted, note)

    return await run_command(repository, Submission, submission_id, command)
