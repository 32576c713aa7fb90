"""The projection runner: follows the store, applies events in batches, exactly once.

Each batch's rows and its tracking record commit in one transaction, so a crash
loses nothing and repeats nothing. A PostgreSQL advisory lock per projection lets
several projector processes run: one applies, the others wait to take over.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import asyncpg
from eventsourcing.persistence import (
    IntegrityError,
    Mapper,
    Notification,
    OperationalError,
    Tracking,
)

from projections.base import Projection
from projections.batch import Batch
from projections.recorded import Decoder, Recorded

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 7203  # first key of pg_advisory_lock(int, int); the second hashes the name
CHANNEL = "stored_events"
Progress = Callable[[int, int], None]
DECODE_SLICE = 1000
LOCK_CHECK_SECONDS = 1.0
# What a projector waits out and tries again: a lost lock or connection, another ahead.
RETRIED = (
    IntegrityError,
    OperationalError,  # the store's name for a lost connection
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


class Store(Protocol):
    """The part of app.store.EventStore the runner needs (it does not import app)."""

    pool: Any

    def transaction(self) -> Any: ...
    async def max_notification_id(self, *, conn: Any = None) -> int | None: ...
    async def max_tracking_id(self, application_name: str) -> int | None: ...
    async def insert_tracking(
        self, tracking: Tracking, *, conn: Any = None, after: int | None = None
    ) -> None: ...
    async def move_trackings(
        self, names: Sequence[str], position: int, *, after: int, conn: Any = None
    ) -> None: ...
    async def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
        conn: Any = None,
    ) -> Sequence[Notification]: ...


@dataclass
class Runner:
    store: Store
    mapper: Mapper[UUID]
    projections: Sequence[Projection]
    batch_size: int = 1000
    # A rebuild has no reader waiting on each batch: bigger batches merge a receipt
    # and its decision into one row write (measured ~40% faster, docs/performance.md).
    rebuild_batch_size: int = 20_000
    poll_interval: float = 5.0
    retry_interval: float = 1.0
    # Following, a batch at most this often: each costs a few round trips whatever its
    # size, and a reader waiting for their own write waits this long at most.
    pace: float = 0.02

    def __post_init__(self) -> None:
        self._decode = Decoder(self.mapper)

    async def _read(
        self, topics: Sequence[str], position: int, size: int, head: int, conn: Any = None
    ) -> _Read | None:
        """The next batch of these topics after `position`, decoded; None at the head."""
        if head <= position:
            return None
        notes = await self.store.select_notifications(
            position, size, stop=head, topics=topics, inclusive_of_start=False, conn=conn
        )
        # Fewer than a full batch: nothing it handles lies between the last one and head.
        new_position = notes[-1].id if len(notes) == size else head
        return _Read(position, new_position, [n.id for n in notes], await self._decoded(notes))

    async def _decoded(self, notes: Sequence[Notification]) -> list[Recorded]:
        """Decoded a slice at a time, so a write in flight is not kept waiting for long."""
        events: list[Recorded] = []
        for start in range(0, len(notes), DECODE_SLICE):
            events += map(self._decode, notes[start : start + DECODE_SLICE])
            await asyncio.sleep(0)
        return events

    async def _write(self, projection: Projection, read: _Read) -> None:
        """The batch's rows and its tracking record, in one transaction of its own."""
        async with self.store.transaction() as conn:
            await self._apply(conn, projection, read)
            await self._track(conn, projection, read)

    async def _write_together(
        self, conn: Any, projections: Sequence[Projection], read: _Read
    ) -> None:
        """Each projection's share of the batch and all their positions, in one transaction:
        following, a batch holds a few events, and its round trips are its cost."""
        async with conn.transaction():
            for projection in projections:
                await self._apply(conn, projection, read)
            names = [p.name for p in projections]
            await self.store.move_trackings(names, read.position, after=read.start, conn=conn)

    @staticmethod
    async def _apply(conn: Any, projection: Projection, read: _Read) -> None:
        """The projection's share of a batch (read for several), written on `conn`."""
        mine = _share(projection, read)
        if mine:
            await projection.prefetch(conn, [e for _, e in mine])
            batch = Batch()
            _apply_to(batch, projection, mine)
            await batch.write(conn)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: every projection whose lock this process holds, kept current.

        Each projection competes for its lock on its own; those held are followed
        together (`_follow_once`): one read and one transaction for those at one position.
        """
        woken = asyncio.Event()
        held: dict[str, int] = {}  # projection name -> its position, while its lock is held

        def wake(*_: object) -> None:
            woken.set()

        async with self.store.pool.acquire() as listener:
            await listener.add_listener(CHANNEL, wake)
            try:
                # If one fails, the others stop too (and give their locks back).
                await _all(
                    [self._follow(held, woken, stop)]
                    + [self._hold(p, held, woken, stop) for p in self.projections]
                )
            finally:
                with contextlib.suppress(asyncpg.InterfaceError, OSError):  # it may have died
                    await listener.remove_listener(CHANNEL, wake)

    async def _follow(
        self, held: dict[str, int], woken: asyncio.Event, stop: asyncio.Event
    ) -> None:
        """Batch after batch for the projections held, then wait for a NOTIFY (or a poll)."""
        while not stop.is_set():
            woken.clear()  # before reading: a NOTIFY during the batch is not lost
            started = time.monotonic()
            try:
                moved = await self._follow_once(held)
            except RETRIED:  # the store unreachable: the locks' holders will see it too
                log.warning("following interrupted; retrying", exc_info=True)
                await first_of(stop, stop, self.retry_interval)
                continue
            if not moved:
                await first_of(woken, stop, self.poll_interval)
            else:  # under a stream of commits, a few events a batch instead of one
                await asyncio.sleep(self.pace - (time.monotonic() - started))

    async def _follow_once(self, held: dict[str, int]) -> bool:
        """One batch for every projection held, on one connection; whether any moved.

        Projections standing at one position share a read and a transaction; one that
        lags (a rebuild that died, say) reads on its own, so it holds no other back.
        """
        groups: dict[int, list[Projection]] = {}  # by position
        for projection in self.projections:
            if projection.name in held:
                groups.setdefault(held[projection.name], []).append(projection)
        if not groups:
            return False
        moved = False
        async with self.store.pool.acquire() as conn:
            head = await self.store.max_notification_id(conn=conn) or 0
            for start, group in groups.items():
                read = await self._read(_topics(group), start, self.batch_size, head, conn)
                if read is None:
                    continue
                moved = True
                try:
                    await self._write_together(conn, group, read)
                    written = group
                except RETRIED:  # one at a time: one that fails holds no other back
                    log.warning("%s interrupted; one by one", _names(group), exc_info=True)
                    written = await self._write_one_by_one(group, read, held)
                for projection in written:
                    if projection.name in held:  # not given up meanwhile (nor taken again)
                        held[projection.name] = max(held[projection.name], read.position)
        return moved

    async def _write_one_by_one(
        self, group: Sequence[Projection], read: _Read, held: dict[str, int]
    ) -> list[Projection]:
        """Each projection's write on its own; one that fails (its lock lost, another
        process ahead) is given up and competes for its lock again."""
        written = []
        for projection in group:
            try:
                await self._write(projection, read)
                written.append(projection)
            except RETRIED:
                log.warning("%s interrupted; retrying", projection.name, exc_info=True)
                held.pop(projection.name, None)
        return written

    async def _hold(
        self,
        projection: Projection,
        held: dict[str, int],
        woken: asyncio.Event,
        stop: asyncio.Event,
    ) -> None:
        """Compete for the projection's lock; while it is held, the projection is followed."""
        while not stop.is_set():
            try:
                async with self.store.pool.acquire() as conn:
                    if await _try_lock(conn, projection.name):
                        log.info("applying %s", projection.name)
                        try:
                            await self._build_deferred_indexes(projection)
                            held[projection.name] = (
                                await self.store.max_tracking_id(projection.name) or 0
                            )
                            woken.set()  # followed now, not at the next NOTIFY or poll
                            await _while_held(conn, projection.name, held, stop)
                        finally:
                            held.pop(projection.name, None)
                            await _unlock(conn, projection.name)
            except RETRIED:
                log.warning("%s interrupted; retrying", projection.name, exc_info=True)
            await first_of(stop, stop, self.retry_interval)

    async def rebuild(self, projection: Projection, progress: Progress | None = None) -> int:
        """Empty the projection's tables and replay it from the first event."""
        positions = await self.rebuild_all([projection], progress)
        return positions[0]

    async def rebuild_all(
        self, projections: Sequence[Projection], progress: Progress | None = None
    ) -> list[int]:
        """Rebuild several projections in one pass over the store.

        Each batch is read and decoded once for all of them (the submissions' events
        feed two projections), then each projection writes its share in its own
        transaction, on its own connection: the server writes them side by side.
        """
        if not projections:  # no topics would mean every topic
            return []
        names = sorted(p.name for p in projections)  # always in one order: no deadlock
        async with self.store.pool.acquire() as conn:
            try:  # even while waiting for the last lock: the first ones are given back
                for name in names:
                    while not await _try_lock(conn, name):  # noqa: ASYNC110 (a lock in SQL)
                        await asyncio.sleep(self.retry_interval)
                for projection in projections:
                    await self._reset(projection)
                position = await self._replay(projections, progress)
                await _all([self._build_deferred_indexes(p) for p in projections])
                return [position] * len(projections)
            finally:
                for name in names:
                    await _unlock(conn, name)

    async def _reset(self, projection: Projection) -> None:
        """Empty its tables and its position, and put off its read indexes until the end."""
        async with self.store.transaction() as conn:
            await conn.execute(f"TRUNCATE {', '.join(t.name for t in projection.tables)}")
            await conn.execute(
                "DELETE FROM notification_tracking WHERE application_name = $1", projection.name
            )
            names = await conn.fetch(_DEFER_INDEXES, projection.name, list(projection.read_indexes))
            for (name,) in names:
                await conn.execute(f"DROP INDEX {name}")

    async def _build_deferred_indexes(self, projection: Projection) -> None:
        """The read indexes a rebuild put off, built now side by side, each on its own
        connection (nothing when none waits)."""
        waiting = await self.store.pool.fetch(
            "SELECT index_name FROM projection_deferred_indexes WHERE projection = $1",
            projection.name,
        )
        await _all([self._build_index(projection, name) for (name,) in waiting])

    async def _build_index(self, projection: Projection, name: str) -> None:
        """One index, and its deferral forgotten, in one transaction."""
        async with self.store.transaction() as conn:
            definition = await conn.fetchval(
                "DELETE FROM projection_deferred_indexes WHERE projection = $1"
                " AND index_name = $2 RETURNING definition",
                projection.name,
                name,
            )
            if definition is None:  # another projector built it meanwhile
                return
            log.info("%s: building index %s", projection.name, name)
            try:
                async with conn.transaction():  # a savepoint: the deferral goes either way
                    # Made meanwhile (by a migration, say): then that one stands.
                    await conn.execute(
                        definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                    )
            except asyncpg.SyntaxOrAccessError as error:  # a column gone since, say
                # A migration changed the table since the rebuild put it off: retrying
                # would stop the projection for good; its own indexes stand instead.
                log.error("%s: index %s no longer applies: %s", projection.name, name, error)

    async def catch_up_all(self) -> None:
        """Bring every projection to the head once (the command line, the demo, tests).

        One whose lock another process holds is left to that process, which applies it.
        """
        async with self.store.pool.acquire() as conn:
            for projection in self.projections:
                if not await _try_lock(conn, projection.name):
                    continue
                try:
                    await self._build_deferred_indexes(projection)  # a rebuild that died
                    position = await self.store.max_tracking_id(projection.name) or 0
                    await self._replay([projection], None, position)
                finally:
                    await _unlock(conn, projection.name)

    async def _replay(
        self, projections: Sequence[Projection], progress: Progress | None, position: int = 0
    ) -> int:
        """Batch after batch to the head, reading the next while the current one is written.

        A projection that `carries` applies a batch while the one before is still being
        written (its prefetch takes what that one touched from memory): its client and
        its server work side by side instead of in turn (docs/performance.md).
        """
        head = await self.store.max_notification_id() or 0
        size = self.rebuild_batch_size
        topics = _topics(projections)
        ahead = asyncio.ensure_future(self._read(topics, position, size, head))
        writing: dict[str, asyncio.Future[None]] = {}
        carrying: set[str] = set()  # projections whose memory holds this replay's batches
        with _collected_between_batches() as collect:
            try:
                while (read := await ahead) is not None:
                    ahead = asyncio.ensure_future(self._read(topics, read.position, size, head))
                    await _all([self._pipe(p, read, writing, carrying) for p in projections])
                    position = read.position
                    collect()
                    if progress is not None:
                        progress(position, head)
                await asyncio.gather(*writing.values())
            finally:  # when one failed, the others' writes are stopped
                ahead.cancel()
                for write in writing.values():
                    write.cancel()
                ended = await asyncio.gather(*writing.values(), return_exceptions=True)
                for error in ended:  # not the one raised, when another failed first
                    if isinstance(error, Exception):
                        log.error("a replay's write failed", exc_info=error)
        return position

    async def _pipe(
        self,
        projection: Projection,
        read: _Read,
        writing: dict[str, asyncio.Future[None]],
        carrying: set[str],
    ) -> None:
        """Apply the batch (while the one before is written, if the projection carries),
        then start writing it once the one before is written."""
        before = writing.get(projection.name)  # stopped by the caller if this fails
        if before is not None and not projection.carries:
            await before
        batch = await self._prepared(projection, read, carrying)
        if before is not None:
            await before
        writing[projection.name] = asyncio.ensure_future(self._written(projection, batch, read))

    async def _prepared(self, projection: Projection, read: _Read, carrying: set[str]) -> Batch:
        """The projection's share of a batch, applied; prefetched on a connection lent
        for that query only. Its memory is carried to its next batch once it has
        prefetched in this replay (not before: what it holds may be an earlier run's)."""
        mine = _share(projection, read)
        if not mine:
            return Batch()
        carried = projection.name in carrying
        async with self.store.pool.acquire() as conn:
            await projection.prefetch(conn, [e for _, e in mine], carried)
        if projection.carries:
            carrying.add(projection.name)
        batch = Batch()
        for start in range(0, len(mine), DECODE_SLICE):  # the write before keeps going
            _apply_to(batch, projection, mine[start : start + DECODE_SLICE])
            await asyncio.sleep(0)
        return batch

    async def _written(self, projection: Projection, batch: Batch, read: _Read) -> None:
        async with self.store.transaction() as conn:
            await batch.write(conn)
            await self._track(conn, projection, read)

    async def _track(self, conn: Any, projection: Projection, read: _Read) -> None:
        """The projection's position moved past the batch (compare-and-set on `read.start`)."""
        tracking = Tracking(projection.name, read.position)
        await self.store.insert_tracking(tracking, conn=conn, after=read.start)


@contextlib.contextmanager
def _collected_between_batches() -> Iterator[Callable[[], int]]:
    """Python's automatic collection paused, and the young objects collected once a batch.

    A batch holds hundreds of thousands of decoded events and rows, none in a cycle,
    freed by their reference counts when it is written. Left on, the collector walks
    them again and again as they are made (and the whole heap, as they seem to pile
    up): a third of a replay's client time, measured with bench/projection.py.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if enabled:
            gc.enable()


async def _while_held(lock: Any, name: str, held: dict[str, int], stop: asyncio.Event) -> None:
    """Until `stop`, or the follower gave the projection up, or the lock's connection died.

    The lock lives as long as its connection. Losing it loses no exactness (a position
    moves only from where its writer read it), only work: so it is checked seldom.
    """
    while not stop.is_set() and name in held:
        await lock.fetchval("SELECT 1")
        await first_of(stop, stop, LOCK_CHECK_SECONDS)


def _names(projections: Sequence[Projection]) -> str:
    return ", ".join(p.name for p in projections)


def _share(projection: Projection, read: _Read) -> list[tuple[int, Recorded]]:
    """The events of a batch (read for several projections) this one handles."""
    handled = set(projection.topics)
    pairs = zip(read.positions, read.events, strict=True)
    return [(position, event) for position, event in pairs if event.topic in handled]


def _apply_to(batch: Batch, projection: Projection, mine: Sequence[tuple[int, Recorded]]) -> None:
    for position, event in mine:
        projection.apply(batch, event, position)


def _topics(projections: Sequence[Projection]) -> list[str]:
    return sorted({t for p in projections for t in p.topics})


async def _all(writes: Sequence[Coroutine[Any, Any, object]]) -> None:
    """Every write, side by side; if one fails, the others are stopped before it is raised."""
    tasks = [asyncio.ensure_future(write) for write in writes]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# The read indexes a projection names, those that exist, recorded to be built later.
_DEFER_INDEXES = """
INSERT INTO projection_deferred_indexes (projection, index_name, definition)
SELECT $1, index_name, pg_get_indexdef(to_regclass(index_name))
FROM unnest($2::text[]) AS index_name
WHERE to_regclass(index_name) IS NOT NULL
ORDER BY 2
ON CONFLICT DO NOTHING
RETURNING index_name
"""


@dataclass(frozen=True)
class _Read:
    start: int  # where the projection stood when this batch was read
    position: int  # where the projection stands once this batch is applied
    positions: list[int]
    events: list[Recorded]


async def _try_lock(conn: Any, name: str) -> bool:
    with _closed_if_in_doubt(conn):
        locked: bool = await conn.fetchval(
            "SELECT pg_try_advisory_lock($1, hashtext($2))", LOCK_NAMESPACE, name
        )
    return locked


async def _unlock(conn: Any, name: str) -> None:
    with contextlib.suppress(Exception), _closed_if_in_doubt(conn):
        await conn.execute("SELECT pg_advisory_unlock($1, hashtext($2))", LOCK_NAMESPACE, name)


@contextlib.contextmanager
def _closed_if_in_doubt(conn: Any) -> Iterator[None]:
    """A lock taken or given back, or the connection closed (which gives it back).

    The pool does not unlock a connection it takes back (app/db.no_reset_query): one
    interrupted here, cancelled or broken, may still hold the lock, so it is closed.
    """
    try:
        yield
    except BaseException:
        conn.terminate()
        raise


async def first_of(first: asyncio.Event, second: asyncio.Event, timeout: float) -> None:
    """Wait until either event is set, or the timeout passes."""
    waiters = [asyncio.ensure_future(first.wait()), asyncio.ensure_future(second.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
