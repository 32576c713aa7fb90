"""One user intention = one service call = one atomic save.

Load the aggregate, call its command, save the new events; a conflict with a
concurrent change becomes `ChangedMeanwhileError`, never a lost write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from app.persistence.files import store_brief
from app.persistence.repository import AggregateNotFoundError, Repository
from domain import Channel, Consultation, ReceiptClaim, StaffId, Submission, receipt_number

A = TypeVar("A", bound=Aggregate)

RECEIPT_ATTEMPTS = 5


class ChangedMeanwhileError(Exception):
    """Someone else changed this meanwhile: reload and try again."""

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(f"{aggregate_id} changed meanwhile; reload and try again")
        self.aggregate_id = aggregate_id


async def run_command(
    repository: Repository, cls: type[A], aggregate_id: UUID, command: Callable[[A], object]
) -> int | None:
    """The command's new events saved atomically; returns their last notification id."""
    aggregate = await repository.get(aggregate_id, cls)
    command(aggregate)
    try:
        return await repository.save(aggregate)
    except IntegrityError as error:
        raise ChangedMeanwhileError(aggregate_id) from error


@dataclass(frozen=True)
class SubmissionForm:
    """What a web form, a clerk's letter or a clerk's call says: one shape for all."""

    form_token: str
    consultation_id: UUID
    channel: Channel
    participant_id: UUID
    text: str
    language: str
    region: str | None
    received_at: datetime
    postmarked_at: datetime | None = None
    call_started_at: datetime | None = None
    keyed_by: StaffId | None = None
    source_reference: str | None = None
    show_name: bool = False
    read_back_confirmed: bool = False
    sealed: str | None = None
    """Personal fields beside the opinion (a postal code), sealed with the person's key."""
    brief: bytes | None = None
    """A PDF beside the opinion, already checked; kept in the same transaction."""


@dataclass(frozen=True)
class Receipt:
    submission_id: UUID
    receipt_number: str
    notification_id: int | None
    first_time: bool


async def existing_receipt(repository: Repository, submission_id: UUID) -> Receipt | None:
    try:
        submission = await repository.get(submission_id, Submission)
    except AggregateNotFoundError:
        return None
    return Receipt(submission_id, submission.receipt_number, None, first_time=False)


async def receive_submission(repository: Repository, form: SubmissionForm) -> Receipt:
    """Every channel's way in. The same form twice gives the first receipt back."""
    submission_id = Submission.create_id(form.form_token)
    if found := await existing_receipt(repository, submission_id):
        return found  # a retry after a timeout, even past the deadline
    consultation = await repository.get(form.consultation_id, Consultation)
    fields = vars(form).copy()
    del fields["consultation_id"], fields["brief"]
    if form.brief is not None:
        fields.update(brief_size=len(form.brief), brief_sha256=sha256(form.brief).hexdigest())
    for attempt in range(RECEIPT_ATTEMPTS):
        number = receipt_number(submission_id, attempt)
        submission = Submission.receive(consultation=consultation, receipt_number=number, **fields)
        claim = ReceiptClaim(number=submission.receipt_number, submission_id=submission_id)
        try:
            position = await _save_with_brief(repository, submission, claim, form.brief)
        except IntegrityError:
            if found := await existing_receipt(repository, submission_id):
                return found  # a concurrent double click won the race
            continue  # the number was taken by another submission: the next one
        return Receipt(submission_id, submission.receipt_number, position, first_time=True)
    raise ChangedMeanwhileError(submission_id)


async def _save_with_brief(
    repository: Repository, submission: Submission, claim: ReceiptClaim, brief: bytes | None
) -> int | None:
    """The events and the brief's bytes in one transaction: neither without the other."""
    async with repository.store.transaction() as conn:
        if brief is not None:
            await store_brief(conn, submission, brief)
        return await repository.save(submission, claim, conn=conn)
