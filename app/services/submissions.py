"""Submissions, whatever their channel: received, withdrawn, appealed.

Every channel comes in through `receive_submission`: a web form, a clerk's letter and
a clerk's call differ only in the `SubmissionForm` they fill in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from app.persistence.db import Conn
from app.persistence.files import Upload, store_brief, store_scan
from app.persistence.repository import AggregateNotFoundError, Repository
from app.services.commands import ChangedMeanwhileError, run_command, save_with
from app.services.participants import registered
from domain import (
    Channel,
    Consultation,
    ReceiptClaim,
    StaffId,
    Submission,
    receipt_number,
    validate_text,
)

RECEIPT_ATTEMPTS = 5


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
    scan: Upload | None = None
    """A letter's scan (PDF, PNG or JPEG), already checked; kept in the same transaction."""
    writer: dict[str, str] | None = None
    """A letter writer's or caller's personal fields (name, address...): the person is
    registered with the submission, `participant_id` being new, the fields sealed with
    their own new key."""


@dataclass(frozen=True)
class Receipt:
    submission_id: UUID
    receipt_number: str
    notification_id: int | None
    first_time: bool
    late_reason: str | None = None
    """Why a letter was recorded late rather than received for moderation."""


async def existing_receipt(repository: Repository, submission_id: UUID) -> Receipt | None:
    try:
        submission = await repository.get(submission_id, Submission)
    except AggregateNotFoundError:
        return None
    late = submission.late_reason
    return Receipt(submission_id, submission.receipt_number, None, False, late)


async def receive_submission(repository: Repository, form: SubmissionForm) -> Receipt:
    """Every channel's way in. The same form twice gives the first receipt back."""
    submission_id = Submission.create_id(form.form_token)
    if found := await existing_receipt(repository, submission_id):
        return found  # a retry after a timeout, even past the deadline
    consultation = await repository.get(form.consultation_id, Consultation)
    fields = vars(form).copy()
    del fields["consultation_id"], fields["brief"], fields["writer"], fields["scan"]
    if form.brief is not None:
        fields.update(brief_size=len(form.brief), brief_sha256=sha256(form.brief).hexdigest())
    if form.scan is not None:
        scan = form.scan
        fields.update(
            scan_size=len(scan.content), scan_sha256=scan.sha256, scan_type=scan.media_type
        )
    for attempt in range(RECEIPT_ATTEMPTS):
        number = receipt_number(submission_id, attempt)
        submission = Submission.receive(consultation=consultation, receipt_number=number, **fields)
        claim = ReceiptClaim(number=submission.receipt_number, submission_id=submission_id)
        try:
            position = await _save(repository, submission, claim, form)
        except IntegrityError:
            if found := await existing_receipt(repository, submission_id):
                return found  # a concurrent double click won the race
            continue  # the number was taken by another submission: the next one
        late = submission.late_reason
        return Receipt(submission_id, submission.receipt_number, position, True, late)
    raise ChangedMeanwhileError(submission_id)


async def _save(
    repository: Repository, submission: Submission, claim: ReceiptClaim, form: SubmissionForm
) -> int | None:
    """The events, the brief's bytes and a keyed writer's registration in one
    transaction: none without the others."""

    async def keep(conn: Conn) -> None:
        if form.brief is not None:
            await store_brief(conn, submission, form.brief)
        if form.scan is not None:
            await store_scan(conn, submission.id, form.participant_id, form.scan)
        if form.writer is not None:
            at, region = form.received_at, form.region
            writer = await registered(conn, form.participant_id, at, form.writer, region)
            await repository.save(writer, conn=conn)

    return await save_with(repository, submission, claim, keep=keep)


async def withdraw_submission(
    repository: Repository,
    submission_id: UUID,
    by: UUID,
    at: datetime,
    closes_at: datetime,
) -> int | None:
    """The author takes their opinion back, before the consultation closes."""
    return await run_command(
        repository, Submission, submission_id, lambda s: s.withdraw(by, at, closes_at)
    )


async def appeal_refusal(
    repository: Repository,
    submission_id: UUID,
    by: UUID,
    at: datetime,
    text: str,
    max_length: int,
) -> int | None:
    """The author asks for a refusal to be reviewed again, in at most `max_length`."""

    def command(s: Submission) -> None:
        validate_text(text, max_length=max_length)
        s.appeal(by, at, text)

    return await run_command(repository, Submission, submission_id, command)


async def withdraw_on_request(
    repository: Repository,
    submission_id: UUID,
    clerk: StaffId,
    at: datetime,
    closes_at: datetime,
    requested_via: Channel,
) -> int | None:
    """A writer or caller asked by mail or phone to withdraw; a clerk records it."""

    def command(s: Submission) -> None:
        s.withdraw_on_request(clerk, at, closes_at, requested_via)

    return await run_command(repository, Submission, submission_id, command)


async def appeal_on_request(
    repository: Repository,
    submission_id: UUID,
    clerk: StaffId,
    at: datetime,
    text: str,
    requested_via: Channel,
) -> int | None:
    """A refused author appealed by mail or phone; a clerk records the appeal as given."""

    def command(s: Submission) -> None:
        s.appeal_on_request(clerk, at, text, requested_via)

    return await run_command(repository, Submission, submission_id, command)


async def correct_transcription(
    repository: Repository, submission_id: UUID, clerk: StaffId, at: datetime, text: str
) -> int | None:
    """The clerk who keyed it fixes their own typing, before any moderator acts; the
    original stays in the record."""

    def command(s: Submission) -> None:
        s.correct_transcription(clerk, at, text)

    return await run_command(repository, Submission, submission_id, command)


async def key_second(
    repository: Repository, submission_id: UUID, clerk: StaffId, at: datetime, text: str
) -> int | None:
    """A letter keyed again by a second clerk, blind to the first keying."""

    def command(s: Submission) -> None:
        s.key_second(clerk, at, text)

    return await run_command(repository, Submission, submission_id, command)


async def reconcile_keyings(
    repository: Repository, submission_id: UUID, clerk: StaffId, at: datetime, text: str
) -> int | None:
    """A third clerk settles the two keyings into one text; the letter then enters
    moderation."""

    def command(s: Submission) -> None:
        s.reconcile(clerk, at, text)

    return await run_command(repository, Submission, submission_id, command)
