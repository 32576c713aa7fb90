"""A table written by Tribune reads with the library's own psycopg recorder, and back."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresTrackingRecorder,
)

from app.persistence.store import EventStore


@pytest.fixture
def datastore(database_url: str) -> Iterator[PostgresDatastore]:
    parts = urlsplit(database_url)
    host = parse_qs(parts.query).get("host", [parts.hostname or "127.0.0.1"])[0]
    datastore = PostgresDatastore(
        dbname=parts.path.lstrip("/"),
        host=host,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
    )
    yield datastore
    datastore.close()


def stored(originator_id: object, version: int) -> StoredEvent:
    return StoredEvent(originator_id, version, "interop", b'{"a":1}')  # type: ignore[arg-type]


async def test_the_library_reads_what_we_write(
    store: EventStore, datastore: PostgresDatastore
) -> None:
    theirs = PostgresApplicationRecorder(datastore)
    originator = uuid4()
    ids = await store.insert_events([stored(originator, 1), stored(originator, 2)])
    assert theirs.select_events(originator) == [
        stored(originator, 1),
        stored(originator, 2),
    ]
    notes = theirs.select_notifications(ids[0], 10)
    assert [n.id for n in notes] == ids
    assert theirs.max_notification_id() == ids[-1]


async def test_we_read_what_the_library_writes(
    store: EventStore, datastore: PostgresDatastore
) -> None:
    theirs = PostgresApplicationRecorder(datastore)
    originator = uuid4()
    ids = theirs.insert_events([stored(originator, 1), stored(originator, 2)])
    assert ids is not None
    assert await store.select_events(originator) == [
        stored(originator, 1),
        stored(originator, 2),
    ]
    notes = await store.select_notifications(ids[0], 10)
    assert [(n.id, n.originator_id) for n in notes] == [(i, originator) for i in ids]


async def test_tracking_records_are_shared_both_ways(
    store: EventStore, datastore: PostgresDatastore
) -> None:
    theirs = PostgresTrackingRecorder(datastore)
    theirs.create_table()  # must find our table as its own: no migration, no rename
    await store.insert_tracking(Tracking("ours", 7))
    assert theirs.max_tracking_id("ours") == 7
    theirs.insert_tracking(Tracking("theirs", 9))
    assert await store.max_tracking_id("theirs") == 9
