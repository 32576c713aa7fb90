"""The eventsourcing library's own recorder test cases, run against our asyncpg store.

Left out, with reasons:
- AggregateRecorderTestCase: it asserts that `insert_events` returns None, which is
  the contract of a recorder without an application sequence; ours is an
  application recorder and returns notification ids (ApplicationRecorderTestCase
  checks exactly that, and covers the same insert/select/conflict behaviour).
- InfrastructureFactoryTestCase: it tests the library's environment-driven
  factory; Tribune builds its store in the composition root, not through a factory.
"""

from __future__ import annotations

import asyncio

import pytest
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    NonInterleavingNotificationIDsBaseCase,
    ProcessRecorderTestCase,
    TrackingRecorderTestCase,
)

from app.persistence.db import connect
from tests.conformance.adapter import SyncStore

DSN = ""


@pytest.fixture(scope="module", autouse=True)
def _database(database_url: str) -> None:
    global DSN
    DSN = database_url


async def _reset(dsn: str) -> None:
    """The library's cases expect notification ids from 1 and no tracking rows."""
    conn = await connect(dsn)
    try:
        await conn.execute("TRUNCATE stored_events RESTART IDENTITY")
        await conn.execute(
            "DELETE FROM notification_tracking WHERE application_name <> '__migration__'"
        )
    finally:
        await conn.close()


class StoreCase:
    recorders: list[SyncStore]

    def setUp(self) -> None:
        asyncio.run(_reset(DSN))
        self.recorders = []

    def tearDown(self) -> None:
        for recorder in self.recorders:
            recorder.close()

    def create_recorder(self) -> SyncStore:
        recorder = SyncStore(DSN)
        self.recorders.append(recorder)
        return recorder


class TestApplicationRecorder(StoreCase, ApplicationRecorderTestCase[SyncStore]):
    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestTrackingRecorder(StoreCase, TrackingRecorderTestCase):
    pass


class TestProcessRecorder(StoreCase, ProcessRecorderTestCase):
    pass


class TestNonInterleavingNotificationIDs(StoreCase, NonInterleavingNotificationIDsBaseCase):
    pass
