"""Services against the real store: atomic saves, idempotent receipts, conflicts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar
from uuid import UUID, uuid4

import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.domain import Aggregate

from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.services.commands import ChangedMeanwhileError, run_command
from app.services.submissions import (
    SubmissionForm,
    receive_submission,
)
from domain import (
    Channel,
    Consultation,
    ConsultationClosedError,
    ReceiptClaim,
    StaffId,
    Submission,
    receipt_number,
)
from tests.unit.builders import (
    AUTHOR,
    CLOSES_AT,
    DURING,
    ORGANIZER,
    SECOND,
    content,
)

A = TypeVar("A", bound=Aggregate)


@pytest.fixture
def repository(store: EventStore) -> Repository:
    return Repository(store, build_mapper())


async def open_consultation(repository: Repository) -> Consultation:
    consultation = Consultation.draft(uuid4(), by=ORGANIZER, at=DURING, **content())
    consultation.schedule(ORGANIZER, DURING)
    await repository.save(consultation)
    return consultation


def online_form(consultation: Consultation, **changes: object) -> SubmissionForm:
    form = SubmissionForm(
        form_token=str(uuid4()),
        consultation_id=consultation.id,
        channel=Channel.ONLINE,
        participant_id=AUTHOR,
        text="L'eau doit rester un bien commun.",
        language="fr",
        region="06",
        received_at=DURING,
    )
    return replace(form, **changes)  # type: ignore[arg-type]


async def test_a_received_submission_is_stored_with_its_receipt(repository: Repository) -> None:
    form = online_form(await open_consultation(repository))
    receipt = await receive_submission(repository, form)
    stored = await repository.get(receipt.submission_id, Submission)
    assert receipt.first_time
    assert receipt.notification_id is not None
    assert stored.receipt_number == receipt.receipt_number
    assert (stored.text, stored.channel, stored.region) == (form.text, Channel.ONLINE, "06")
    claim = await repository.get(ReceiptClaim.create_id(receipt.receipt_number), ReceiptClaim)
    assert claim.submission_id == receipt.submission_id


async def test_twenty_concurrent_posts_of_one_form_give_one_submission_and_one_receipt(
    repository: Repository, store: EventStore
) -> None:
    form = online_form(await open_consultation(repository))
    receipts = await asyncio.gather(*(receive_submission(repository, form) for _ in range(20)))
    assert len({r.receipt_number for r in receipts}) == 1
    assert sum(r.first_time for r in receipts) == 1
    assert len(await store.select_events(receipts[0].submission_id)) == 1


async def test_a_retry_after_the_deadline_still_gets_the_first_receipt(
    repository: Repository,
) -> None:
    consultation = await open_consultation(repository)
    form = online_form(consultation, received_at=CLOSES_AT - SECOND)
    first = await receive_submission(repository, form)
    again = await receive_submission(repository, replace(form, received_at=CLOSES_AT + SECOND))
    assert again.receipt_number == first.receipt_number
    assert not again.first_time


async def test_a_late_submission_is_refused_and_nothing_is_written(
    repository: Repository, store: EventStore
) -> None:
    form = online_form(await open_consultation(repository), received_at=CLOSES_AT)
    with pytest.raises(ConsultationClosedError):
        await receive_submission(repository, form)
    assert await store.select_events(Submission.create_id(form.form_token)) == []


async def test_a_taken_receipt_number_moves_to_the_next_without_a_half_saved_submission(
    repository: Repository, store: EventStore
) -> None:
    form = online_form(await open_consultation(repository))
    submission_id = Submission.create_id(form.form_token)
    taken = receipt_number(submission_id, 0)
    await repository.save(ReceiptClaim(number=taken, submission_id=uuid4()))
    receipt = await receive_submission(repository, form)
    assert receipt.receipt_number == receipt_number(submission_id, 1)
    assert len(await store.select_events(submission_id)) == 1


class LoadTogether(Repository):
    """Both commands load before either saves: the race, made certain."""

    barrier = asyncio.Barrier(2)

    async def get(self, aggregate_id: UUID, cls: type[A]) -> A:
        aggregate = await super().get(aggregate_id, cls)
        await self.barrier.wait()
        return aggregate


async def test_two_moderators_deciding_at_once_get_changed_meanwhile_not_a_lost_write(
    repository: Repository, store: EventStore
) -> None:
    form = online_form(await open_consultation(repository))
    submission_id = (await receive_submission(repository, form)).submission_id
    racing = LoadTogether(store, repository.mapper)

    def publish_by(moderator: str) -> Callable[[Submission], None]:
        return lambda submission: submission.publish(StaffId(moderator), DURING)

    outcomes = await asyncio.gather(
        run_command(racing, Submission, submission_id, publish_by("moderator-1")),
        run_command(racing, Submission, submission_id, publish_by("moderator-2")),
        return_exceptions=True,
    )
    assert sum(isinstance(o, ChangedMeanwhileError) for o in outcomes) == 1
    assert len(await store.select_events(submission_id)) == 2


async def test_encrypted_events_keep_no_plaintext_and_load_back(store: EventStore) -> None:
    repository = Repository(store, build_mapper(AESCipher.create_key(32)))
    form = online_form(await open_consultation(repository), text="Un secret bien gardé")
    receipt = await receive_submission(repository, form)
    raw = await store.select_events(receipt.submission_id)
    assert b"secret" not in raw[0].state
    assert (await repository.get(receipt.submission_id, Submission)).text == form.text
