"""The moderators' intentions: publish (with passages withheld), propose a refusal,
confirm or overturn another's proposal, decide an appeal. Each is one command on the
submission, saved atomically: of two moderators deciding at once, one is recorded and
the other is told it changed meanwhile."""

from __future__ import annotations

from datetime import datetime
from hashlib import sha256
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from app.persistence.repository import Repository
from app.services.commands import ChangedMeanwhileError, run_command
from domain import Calibration, ReasonCode, StaffId, Submission

Redactions = list[tuple[int, int, ReasonCode]]
Attachment = tuple[bool, ReasonCode | None]
"""Whether the brief or scan is published beside the opinion, and if not, why."""


class TextChangedError(ChangedMeanwhileError):
    """The text is not the one the moderator read (a clerk corrected its keying): the
    decision, and the passages it withholds, would apply to another text."""


def require_text(s: Submission, text_sha256: str | None) -> None:
    if text_sha256 is not None and sha256(s.text.encode()).hexdigest() != text_sha256:
        raise TextChangedError(s.id)


async def publish_submission(
    repository: Repository,
    submission_id: UUID,
    by: StaffId,
    at: datetime,
    redactions: Redactions,
    text_sha256: str | None = None,
    attachment: Attachment | None = None,
) -> int | None:
    """Published as sent, or with passages withheld, each for a reason of the charter;
    with `text_sha256`, only if the text is still the one the moderator read; with
    `attachment`, its brief or scan published beside it, or withheld for a reason."""

    def command(s: Submission) -> None:
        require_text(s, text_sha256)
        s.publish_with_redactions(by, at, redactions)
        if attachment is not None:
            s.decide_attachment(by, at, *attachment)

    return await run_command(repository, Submission, submission_id, command)


async def propose_refusal(
    repository: Repository,
    submission_id: UUID,
    by: StaffId,
    at: datetime,
    reason: ReasonCode,
    note: str,
    text_sha256: str | None = None,
) -> int | None:
    """The first half of a refusal: another moderator confirms or overturns it."""

    def command(s: Submission) -> None:
        require_text(s, text_sha256)
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


async def record_calibration(
    repository: Repository,
    submission_id: UUID,
    by: StaffId,
    at: datetime,
    outcome: str,
    reasons: list[str],
) -> int | None:
    """A second, blind decision on a decided submission, recorded beside the first; it
    changes nothing. One per submission: a second one is a ChangedMeanwhileError."""
    submission = await repository.get(submission_id, Submission)
    calibration = Calibration.record(submission, by, at, outcome, reasons)
    try:
        return await repository.save(calibration)
    except IntegrityError as error:
        raise ChangedMeanwhileError(calibration.id) from error
