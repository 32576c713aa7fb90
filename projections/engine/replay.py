"""A replay: a projection emptied and rebuilt from the first event, or caught up.

Each batch is read once for every projection replayed, and read ahead while the one
before is written. A projection that `carries` applies a batch while the one before is
still being written: its client and its server work side by side (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import asyncpg

from projections.engine.base import Projection
from projections.engine.batch import Batch
from projections.engine.contract import Store
from projections.engine.locks import try_lock, unlock
from projections.engine.reading import DECODE_SLICE, Read, Reader, apply_to, share, topics_of
from projections.engine.tasks import all_of

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class Replay:
    reader: Reader
    # A replay has no reader waiting on each batch: bigger batches merge a receipt and
    # its decision into one row write (measured ~40% faster, docs/performance.md).
    size: int
    retry_interval: float
    # Per replay: a projection's write in flight, and those whose memory holds this
    # replay's batches (not an earlier run's).
    _writing: dict[str, asyncio.Future[None]] = field(default_factory=dict, init=False)
    _carrying: set[str] = field(default_factory=set, init=False)

    @property
    def store(self) -> Store:
        return self.reader.store

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
                    while not await try_lock(conn, name):  # noqa: ASYNC110 (a lock in SQL)
                        await asyncio.sleep(self.retry_interval)
                for projection in projections:
                    await reset(self.store, projection)
                position = await self.replay(projections, progress)
                await all_of([build_deferred_indexes(self.store, p) for p in projections])
                return [position] * len(projections)
            finally:
                for name in names:
                    await unlock(conn, name)

    async def catch_up_all(self, projections: Sequence[Projection]) -> None:
        """Bring every projection to the head once (the command line, the demo, tests).

        One whose lock another process holds is left to that process, which applies it.
        """
        async with self.store.pool.acquire() as conn:
            for projection in projections:
                if not await try_lock(conn, projection.name):
                    continue
                try:
                    await build_deferred_indexes(self.store, projection)  # a rebuild that died
                    position = await self.store.max_tracking_id(projection.name) or 0
                    await self.replay([projection], None, position)
                finally:
                    await unlock(conn, projection.name)

    async def replay(
        self, projections: Sequence[Projection], progress: Progress | None, position: int = 0
    ) -> int:
        """Batch after batch to the head, reading the next while the current one is written."""
        head = await self.store.max_notification_id() or 0
        topics = topics_of(projections)
        ahead = asyncio.ensure_future(self.reader.read(topics, position, self.size, head))
        self._carrying.clear()
        with _collected_between_batches() as collect:
            try:
                while (read := await ahead) is not None:
                    ahead = asyncio.ensure_future(
                        self.reader.read(topics, read.position, self.size, head)
                    )
                    await all_of([self._pipe(p, read) for p in projections])
                    position = read.position
                    collect()
                    if progress is not None:
                        progress(position, head)
                await asyncio.gather(*self._writing.values())
            finally:
                ahead.cancel()
                await self._stop_writing()
        return position

    async def _stop_writing(self) -> None:
        """When one failed, the others' writes are stopped (and any other failure logged,
        not only the one raised)."""
        for write in self._writing.values():
            write.cancel()
        ended = await asyncio.gather(*self._writing.values(), return_exceptions=True)
        self._writing.clear()
        for error in ended:
            if isinstance(error, Exception):
                log.error("a replay's write failed", exc_info=error)

    async def _pipe(self, projection: Projection, read: Read) -> None:
        """Apply the batch (while the one before is written, if the projection carries),
        then start writing it once the one before is written."""
        before = self._writing.get(projection.name)  # stopped by the caller if this fails
        if before is not None and not projection.carries:
            await before
        batch = await self._prepared(projection, read)
        if before is not None:
            await before
        self._writing[projection.name] = asyncio.ensure_future(
            self._written(projection, batch, read)
        )

    async def _prepared(self, projection: Projection, read: Read) -> Batch:
        """The projection's share of a batch, applied; prefetched on a connection lent
        for that query only. Its memory is carried to its next batch once it has
        prefetched in this replay (not before: what it holds may be an earlier run's)."""
        mine = share(projection, read)
        if not mine:
            return Batch()
        carried = projection.name in self._carrying
        async with self.store.pool.acquire() as conn:
            await projection.prefetch(conn, [e for _, e in mine], carried)
        if projection.carries:
            self._carrying.add(projection.name)
        batch = Batch()
        for start in range(0, len(mine), DECODE_SLICE):  # the write before keeps going
            apply_to(batch, projection, mine[start : start + DECODE_SLICE])
            await asyncio.sleep(0)
        return batch

    async def _written(self, projection: Projection, batch: Batch, read: Read) -> None:
        async with self.store.transaction() as conn:
            await batch.write(conn)
            await self.reader.track(conn, projection, read)


async def reset(store: Store, projection: Projection) -> None:
    """Empty its tables and its position, and put off its read indexes until the end."""
    async with store.transaction() as conn:
        await conn.execute(f"TRUNCATE {', '.join(t.name for t in projection.tables)}")
        await conn.execute(
            "DELETE FROM notification_tracking WHERE application_name = $1", projection.name
        )
        names = await conn.fetch(_DEFER_INDEXES, projection.name, list(projection.read_indexes))
        for (name,) in names:
            await conn.execute(f"DROP INDEX {name}")


async def build_deferred_indexes(store: Store, projection: Projection) -> None:
    """The read indexes a rebuild put off, built now side by side, each on its own
    connection (nothing when none waits)."""
    waiting = await store.pool.fetch(
        "SELECT index_name FROM projection_deferred_indexes WHERE projection = $1",
        projection.name,
    )
    await all_of([_build_index(store, projection, name) for (name,) in waiting])


async def _build_index(store: Store, projection: Projection, name: str) -> None:
    """One index, and its deferral forgotten, in one transaction."""
    async with store.transaction() as conn:
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
