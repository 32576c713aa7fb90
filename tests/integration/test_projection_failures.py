"""An event a projection cannot apply: logged at once, retried after a pause, never
skipped; the other projections go on past it meanwhile."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from app.mapping import build_mapper
from app.repository import Repository
from app.store import EventStore
from projections.admin import AdminConsultations
from projections.batch import Batch
from projections.public_consultations import PublicConsultations
from projections.runner import Runner
from tests.integration.test_services import open_consultation
from tests.unit.builders import CLOSES_AT, DURING, ORGANIZER


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


def errors_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.ERROR]


async def until_logged(caplog: pytest.LogCaptureFixture, count: int) -> None:
    async with asyncio.timeout(10):
        while len(errors_of(caplog)) < count:  # noqa: ASYNC110 (the log has no event)
            await asyncio.sleep(0.02)


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
    stop = asyncio.Event()
    following = asyncio.create_task(runner.run(stop))
    try:
        await until_logged(caplog, 2)  # at once, and again after a pause
        await open_consultation(repository)  # the other projection goes on past it
        head = await store.max_notification_id() or 0
        await store.wait("public_consultations", head, timeout=5)
        assert not following.done()
        assert (await store.max_tracking_id(refusing.name) or 0) < refused_at
        refusing.refused = None  # the cause repaired: it applies the event, then the rest
        await store.wait(refusing.name, head, timeout=10)
    finally:
        stop.set()
        await following
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
    assert held == {"public_consultations": head}  # admin_consultations given up
    assert await store.max_tracking_id(refusing.name) == position
