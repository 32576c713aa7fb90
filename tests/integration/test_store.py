"""The asyncpg event store against real PostgreSQL: atomicity, NOTIFY, tracking."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import asyncpg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking

from app.persistence.store import CHANNEL, EventStore


def event(originator_id: object, version: int, topic: str = "t") -> StoredEvent:
    return StoredEvent(originator_id, version, topic, b"{}")  # type: ignore[arg-type]


async def test_a_duplicate_version_is_refused_and_nothing_of_its_transaction_is_written(
    store: EventStore,
) -> None:
    first, second = uuid4(), uuid4()
    await store.insert_events([event(first, 1)])
    with pytest.raises(IntegrityError):
        await store.insert_events([event(second, 1), event(first, 1)])
    assert await store.select_events(second) == []
    assert len(await store.select_events(first)) == 1


async def test_one_insert_gets_consecutive_notification_ids_after_the_last(
    store: EventStore,
) -> None:
    before = await store.max_notification_id() or 0
    ids = await store.insert_events([event(uuid4(), 1) for _ in range(5)])
    # A rolled-back insert may leave a gap before them, never inside one insert.
    assert ids == list(range(ids[0], ids[0] + 5))
    assert ids[0] > before


async def test_an_insert_notifies_listeners(store: EventStore, pool: asyncpg.Pool) -> None:
    woken = asyncio.Event()

    def wake(*_: object) -> None:
        woken.set()

    async with pool.acquire() as listener:
        await listener.add_listener(CHANNEL, wake)
        await store.insert_events([event(uuid4(), 1)])
        await asyncio.wait_for(woken.wait(), 5)
        await listener.remove_listener(CHANNEL, wake)


async def test_tracking_commits_with_the_callers_own_statements(
    store: EventStore,
) -> None:
    async with store.transaction() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS read_rows (n int)")

    async def write_row_and_track(row: int, position: int) -> None:
        async with store.transaction() as conn:
            await conn.execute("INSERT INTO read_rows VALUES ($1)", row)
            await store.insert_tracking(Tracking("reader", position), conn=conn)

    await write_row_and_track(1, 10)
    with pytest.raises(IntegrityError):
        await write_row_and_track(2, 10)
    rows = await store.pool.fetch("SELECT n FROM read_rows")
    assert [r["n"] for r in rows] == [1]
    assert await store.max_tracking_id("reader") == 10


async def test_events_and_tracking_in_one_transaction_roll_back_together(
    store: EventStore,
) -> None:
    await store.insert_tracking(Tracking("process", 5))
    originator = uuid4()
    with pytest.raises(IntegrityError):
        await store.insert_events([event(originator, 1)], tracking=Tracking("process", 5))
    assert await store.select_events(originator) == []


async def test_select_notifications_filters_by_topic_and_stop(
    store: EventStore,
) -> None:
    start = (await store.max_notification_id() or 0) + 1
    a, b = uuid4(), uuid4()
    await store.insert_events([event(a, 1, "alpha"), event(b, 1, "beta"), event(a, 2, "alpha")])
    alphas = await store.select_notifications(start, 10, topics=["alpha"])
    assert [(n.originator_id, n.originator_version) for n in alphas] == [(a, 1), (a, 2)]
    first_two = await store.select_notifications(start, 10, stop=start + 1)
    assert [n.id for n in first_two] == [start, start + 1]


async def test_subscription_yields_new_events_as_they_are_recorded(
    store: EventStore,
) -> None:
    head = await store.max_notification_id()
    originator = uuid4()
    async with store.subscribe(gt=head) as subscription:
        await store.insert_events([event(originator, 1)])
        received = await asyncio.wait_for(anext(subscription), 5)
    assert received.originator_id == originator


async def test_wait_returns_once_the_position_is_reached(store: EventStore) -> None:
    async def advance() -> None:
        await asyncio.sleep(0.05)
        await store.insert_tracking(Tracking("late-reader", 3))

    task = asyncio.create_task(advance())
    await store.wait("late-reader", 3, timeout=5)
    await task
    with pytest.raises(TimeoutError):
        await store.wait("late-reader", 4, timeout=0.05)


async def test_a_position_moves_only_from_where_its_writer_read_it(store: EventStore) -> None:
    await store.insert_tracking(Tracking("cas", 5), after=0)
    with pytest.raises(IntegrityError, match="no longer at 0"):
        await store.insert_tracking(Tracking("cas", 9), after=0)  # another began it
    with pytest.raises(IntegrityError, match="no longer at 3"):
        await store.insert_tracking(Tracking("cas", 9), after=3)
    await store.insert_tracking(Tracking("cas", 9), after=5)
    with pytest.raises(IntegrityError):  # two read from 5; the second one to write is refused
        await store.insert_tracking(Tracking("cas", 12), after=5)
    assert await store.max_tracking_id("cas") == 9
