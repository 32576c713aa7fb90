"""An event a projection cannot apply: logged at once, retried after a pause, never
skipped; the other projections go on past it meanwhile."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from projections.admin import CONSULTATIONS as ADMIN_CONSULTATIONS
from projections.admin import AdminConsultations
from projections.engine.batch import Batch
from projections.engine.runner import Runner
from projections.public_consultations import PublicConsultations
from tests.integration.test_services import open_consultation
from tests.unit.builders import CLOSES_AT, DURING, ORGANIZER
from tests.waiting import until


class RefusesOneExtension(AdminConsultations):
    """admin_consultations, unable to apply one consultation's extension: as when its
    table could not hold the new date (a year past 9999 in UTC)."""

    def __init__(self, refused: UUID) -> None:
        super().__init__()
        self.refused: UUID | None = refused

    def consultation_deadline_extended(self, batch: Batch, e: Any, position: int) -> None:
        if e.originator_id == self.refused:
            raise OverflowError("date value out of range")
        super().consultation_deadline_extended(batch, e, position)


@asynccontextmanager
async def running(runner: Runner) -> AsyncIterator[asyncio.Task[None]]:
    """The runner following the store until the block ends, then stopped."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await task


def errors_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.ERROR]


async def until_logged(caplog: pytest.LogCaptureFixture, count: int) -> None:
    """The log has no event to wait on: it is looked at every 20 ms."""
    await until(lambda: len(errors_of(caplog)) >= count, f"{count} errors logged", every=0.02)


async def test_a_projection_that_cannot_apply_an_event_is_logged_retried_and_never_skips_it(
    store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    repository = Repository(store, build_mapper())
    consultation = await open_consultation(repository)
    consultation.extend_deadline(ORGANIZER, DURING, CLOSES_AT + timedelta(days=7))
    await repository.save(consultation)
    refused_at = await store.max_notification_id() or 0
    refusing = RefusesOneExtension(consultation.id)
    stood = await store.max_tracking_id(refusing.name) or 0
    runner = Runner(
        store,
        build_mapper(),
        [PublicConsultations(), refusing],
        poll_interval=0.05,
        retry_interval=0.05,
        backoff_limit=0.2,
    )
    async with running(runner) as following:
        await until_logged(caplog, 2)  # at once, and again after a pause
        await open_consultation(repository)  # the other projection goes on past it
        head = await store.max_notification_id() or 0
        await store.wait("public_consultations", head, timeout=5)
        assert not following.done()
        assert (await store.max_tracking_id(refusing.name) or 0) < refused_at
        refusing.refused = None  # the cause repaired: it applies the event, then the rest
        await store.wait(refusing.name, head, timeout=10)
    first = errors_of(caplog)[0]
    assert first.exc_info is not None
    assert first.exc_info[0] is OverflowError
    assert f"{refusing.name} cannot apply the events after position {stood}" in first.message
    closes_at = await store.pool.fetchval(
        "SELECT closes_at FROM admin_consultations WHERE consultation_id = $1", consultation.id
    )
    assert closes_at == CLOSES_AT + timedelta(days=7)


async def test_a_projection_that_cannot_apply_an_event_leaves_the_others_at_the_head(
    store: EventStore,
) -> None:
    """One batch for both: written together it fails, so each is written on its own."""
    repository = Repository(store, build_mapper())
    consultation = await open_consultation(repository)
    consultation.extend_deadline(ORGANIZER, DURING, CLOSES_AT + timedelta(days=7))
    await repository.save(consultation)
    refusing = RefusesOneExtension(consultation.id)
    runner = Runner(store, build_mapper(), [PublicConsultations(), refusing])
    held = {p.name: await store.max_tracking_id(p.name) or 0 for p in runner.projections}
    (position,) = set(held.values())
    assert await runner._follow_once(held)
    head = await store.max_notification_id()
    # admin_consultations paused where it stood, its lock kept (see the next test)
    assert held == {"public_consultations": head, refusing.name: position}
    assert await store.max_tracking_id(refusing.name) == position
    assert await runner._follow_once(held) is False  # paused: not tried again at once


class WritesNoDeadline(AdminConsultations):
    """admin_consultations with a bug: an extension writes no closing date, which its
    table refuses (NOT NULL), the same way each time."""

    def consultation_deadline_extended(self, batch: Batch, e: Any, position: int) -> None:
        batch.update(ADMIN_CONSULTATIONS, e.originator_id, closes_at=None)


async def extended(store: EventStore) -> UUID:
    repository = Repository(store, build_mapper())
    consultation = await open_consultation(repository)
    consultation.extend_deadline(ORGANIZER, DURING, CLOSES_AT + timedelta(days=7))
    await repository.save(consultation)
    return consultation.id


async def test_a_database_error_that_recurs_is_an_error_and_a_pause_not_a_quick_retry(
    store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A constraint the write breaks is no lost connection: it is logged at ERROR and the
    projection paused where it stood, its lock kept (not given up to be taken again)."""
    await extended(store)
    failing = WritesNoDeadline()
    runner = Runner(store, build_mapper(), [failing])
    position = await store.max_tracking_id(failing.name) or 0
    held = {failing.name: position}
    assert await runner._follow_once(held)
    assert held == {failing.name: position}
    [error] = errors_of(caplog)
    assert error.exc_info is not None
    assert isinstance(error.exc_info[1], IntegrityError)
    assert await store.max_tracking_id(failing.name) == (position or None)


async def test_a_row_another_writer_already_wrote_is_an_interruption_not_an_error(
    store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Another projector went ahead (this one lost its lock unknowingly): the batch breaks
    a primary key before it reaches the tracking record. The position has moved, so the
    projection is given up, to compete for its lock again, and nothing is logged as an error."""
    await extended(store)
    runner = Runner(store, build_mapper(), [PublicConsultations()])
    name = runner.projections[0].name
    held = {name: await store.max_tracking_id(name) or 0}
    await Runner(store, build_mapper(), [PublicConsultations()]).catch_up_all()  # the other
    assert await runner._follow_once(held)
    assert held == {}
    assert errors_of(caplog) == []


async def test_a_projection_that_keeps_failing_is_tried_less_and_less_often(
    store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    refused = await extended(store)
    runner = Runner(
        store,
        build_mapper(),
        [RefusesOneExtension(refused)],
        poll_interval=0.01,
        retry_interval=0.05,
        backoff_limit=10,
    )
    started = asyncio.get_running_loop().time()
    async with running(runner):
        await until_logged(caplog, 5)  # tried at 0, 0.05, 0.15, 0.35, 0.75 s
        took = asyncio.get_running_loop().time() - started
    assert took > 0.5, f"five tries in {took:.2f} s: at a steady 0.05 s, 0.2 s"


class FailsToStartOnce(Runner):
    """A runner whose first start fails, as when the server cannot lend a connection."""

    started = 0

    async def _run_once(self, stop: asyncio.Event) -> None:
        self.started += 1
        if self.started == 1:
            raise OSError("connection refused")
        await super()._run_once(stop)


async def test_projections_that_stop_are_logged_and_start_again(
    store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    await extended(store)
    runner = FailsToStartOnce(
        store, build_mapper(), [PublicConsultations()], poll_interval=0.05, retry_interval=0.05
    )
    async with running(runner):
        head = await store.max_notification_id() or 0
        await store.wait("public_consultations", head, timeout=5)
    assert "the projections stopped" in errors_of(caplog)[0].message
