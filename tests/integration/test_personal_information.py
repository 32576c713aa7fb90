"""Personal information: sealed per person, never plaintext in projections, erasable."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
import pytest

from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.services.participants import erase_participant, register_participant, seal_for
from app.services.submissions import receive_submission
from app.settings import Settings
from app.workers.projector import build_runner
from domain import Participant, StaffId, Submission
from projections.registry import all_projections
from tests.integration.test_projector_processes import snapshot
from tests.integration.test_services import online_form, open_consultation
from tests.unit.builders import DURING

NOW = datetime.now(UTC)
MARIE = {
    "name": "Marie-Ève Tremblay",
    "email": "marie.tremblay@courriel.example",
    "phone": "418 555-0199",
    "address": "12, rue des Érables, Rimouski",
    "postal_code": "G5L 1A1",
}
JACQUES = {"name": "Jacques Gagnon", "email": "jgagnon@courriel.example"}


@pytest.fixture
def repository(store: EventStore) -> Repository:
    return Repository(store, build_mapper())


async def everything_projected(pool: asyncpg.Pool) -> dict[str, list[str]]:
    """Every row of every projection's tables, as text."""
    found = {}
    for projection in all_projections():
        for table in projection.tables:
            rows = await pool.fetch(f"SELECT t::text FROM {table.name} t")
            found[table.name] = [r[0] for r in rows]
    return found


async def publish_by(repository: Repository, person: UUID, show_name: bool) -> Submission:
    consultation = await open_consultation(repository)
    form = replace(online_form(consultation), participant_id=person, show_name=show_name)
    receipt = await receive_submission(repository, form)
    submission = await repository.get(receipt.submission_id, Submission)
    submission.publish(StaffId("moderator-1"), DURING)
    await repository.save(submission)
    return submission


async def test_only_a_consented_display_name_reaches_the_read_tables_and_erasure_removes_it(
    repository: Repository, store: EventStore, pool: asyncpg.Pool
) -> None:
    marie, jacques = uuid4(), uuid4()
    await register_participant(repository, marie, at=NOW, personal=MARIE, region="01")
    await register_participant(repository, jacques, at=NOW, personal=JACQUES)
    shown = await publish_by(repository, marie, show_name=True)
    await publish_by(repository, jacques, show_name=False)
    runner = build_runner(store, Settings.from_env())
    await runner.catch_up_all()

    tables = await everything_projected(pool)
    flat = "\n".join(row for rows in tables.values() for row in rows)
    assert flat.count(MARIE["name"]) == 1
    assert any(
        MARIE["name"] in row and shown.receipt_number in row for row in tables["public_submissions"]
    )
    for secret in [*[v for k, v in MARIE.items() if k != "name"], *JACQUES.values()]:
        assert secret not in flat

    await erase_participant(repository, marie, NOW)
    await runner.catch_up_all()
    assert MARIE["name"] not in "\n".join(
        r for rows in (await everything_projected(pool)).values() for r in rows
    )
    for projection in runner.projections:
        await runner.rebuild(projection)
    rebuilt = "\n".join(r for rows in (await everything_projected(pool)).values() for r in rows)
    assert MARIE["name"] not in rebuilt  # the key is gone: the events cannot bring it back


async def test_the_event_log_holds_personal_fields_only_as_ciphertext(
    repository: Repository, store: EventStore
) -> None:
    person = uuid4()
    await register_participant(repository, person, at=NOW, personal=MARIE)
    state = b"".join(e.state for e in await store.select_events(person))
    for value in MARIE.values():
        assert value.encode() not in state
    assert (await repository.get(person, Participant)).sealed


async def test_registering_twice_keeps_the_first_registration(repository: Repository) -> None:
    person = uuid4()
    assert await register_participant(repository, person, at=NOW, personal=MARIE)
    assert not await register_participant(repository, person, at=NOW, personal=JACQUES)


async def received_by(repository: Repository, person: UUID) -> Submission:
    consultation = await open_consultation(repository)
    form = replace(online_form(consultation), participant_id=person, show_name=True)
    receipt = await receive_submission(repository, form)
    return await repository.get(receipt.submission_id, Submission)


async def test_a_rebuild_in_small_batches_shows_the_names_that_following_showed(
    repository: Repository, store: EventStore, pool: asyncpg.Pool
) -> None:
    """A replay applies a batch while the one before is still being written: a person
    renamed or erased in one batch is known as such in the next."""
    marie, jacques = uuid4(), uuid4()
    await register_participant(repository, marie, at=NOW, personal=MARIE, region="01")
    hers = await received_by(repository, marie)
    renamed = await seal_for(store, marie, {**MARIE, "name": "Marie-Ève Roy"})
    participant = await repository.get(marie, Participant)
    participant.change_contact(NOW, renamed or "")
    await repository.save(participant)
    hers.publish(StaffId("moderator-1"), DURING)  # right after the change of name
    await repository.save(hers)
    await register_participant(repository, jacques, at=NOW, personal=JACQUES)
    his = await received_by(repository, jacques)
    await erase_participant(repository, jacques, NOW)
    his.publish(StaffId("moderator-1"), DURING)  # right after the erasure
    await repository.save(his)
    runner = build_runner(store, Settings.from_env())
    await runner.catch_up_all()
    followed = await snapshot(pool)
    assert "Marie-Ève Roy" in str(followed["public_submissions"])
    assert JACQUES["name"] not in str(followed)
    for size in (1, 2, 3):
        rebuilding = dataclasses.replace(runner, rebuild_batch_size=size)
        await rebuilding.rebuild_all(rebuilding.projections)
        assert await snapshot(pool) == followed, f"batches of {size}"
