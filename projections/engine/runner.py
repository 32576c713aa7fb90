"""The projection runner: follows the store, applies events in batches, exactly once.

Each batch's rows and its tracking record commit in one transaction, so a crash
loses nothing and repeats nothing. A PostgreSQL advisory lock per projection lets
several projector processes run: one applies, the others wait to take over.
A rebuild and a catch-up are replays (projections/engine/replay.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from eventsourcing.persistence import Mapper

from projections.engine.base import Projection
from projections.engine.batch import Batch
from projections.engine.contract import Store
from projections.engine.failures import RETRIED, Failures
from projections.engine.locks import try_lock, unlock
from projections.engine.reading import (
    Read,
    Reader,
    apply_to,
    share,
    topics_of,
)
from projections.engine.replay import Progress, Replay, build_deferred_indexes
from projections.engine.tasks import Backoff, all_of, first_of

log = logging.getLogger(__name__)

CHANNEL = "stored_events"
LOCK_CHECK_SECONDS = 1.0
LISTENING = "(listening)"  # the backoff's name for the runner as a whole


@dataclass
class Runner:
    store: Store
    mapper: Mapper[UUID]
    projections: Sequence[Projection]
    batch_size: int = 1000
    rebuild_batch_size: int = 20_000  # see Replay.size
    poll_interval: float = 5.0
    retry_interval: float = 1.0
    backoff_limit: float = 60.0  # the longest wait after repeated unexpected failures
    # Following, a batch at most this often: each costs a few round trips whatever its
    # size, and a reader waiting for their own write waits this long at most.
    pace: float = 0.02

    def __post_init__(self) -> None:
        self._reader = Reader(self.store, self.mapper)
        self._backoff = Backoff(self.retry_interval, self.backoff_limit)
        self._failures = Failures(self.store, self._backoff)

    async def rebuild(self, projection: Projection, progress: Progress | None = None) -> int:
        """Empty the projection's tables and replay it from the first event."""
        positions = await self.rebuild_all([projection], progress)
        return positions[0]

    async def rebuild_all(
        self, projections: Sequence[Projection], progress: Progress | None = None
    ) -> list[int]:
        """Rebuild several projections in one pass over the store (Replay.rebuild_all)."""
        return await self._replay().rebuild_all(projections, progress)

    async def catch_up_all(self) -> None:
        """Bring every projection to the head once (the command line, the demo, tests)."""
        await self._replay().catch_up_all(self.projections)

    def _replay(self) -> Replay:
        return Replay(self._reader, self.rebuild_batch_size, self.retry_interval)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: every projection whose lock this process holds, kept current;
        whatever stops them (the server unreachable, a bug) is logged and they start
        again, so a projector process never goes on without its projections."""
        while not stop.is_set():
            try:
                await self._run_once(stop)
            except Exception:
                pause = self._backoff.failed(LISTENING)
                log.exception("the projections stopped; starting again in %.0f s", pause)
                await first_of(stop, stop, pause)

    async def _run_once(self, stop: asyncio.Event) -> None:
        """Each projection competes for its lock on its own; those held are followed
        together (`_follow_once`): one read and one transaction for those at one position.
        """
        woken = asyncio.Event()
        held: dict[str, int] = {}  # projection name -> its position, while its lock is held

        def wake(*_: object) -> None:
            woken.set()

        async with self.store.pool.acquire() as listener:
            await listener.add_listener(CHANNEL, wake)
            self._backoff.succeeded(LISTENING)
            try:
                # If one fails, the others stop too (and give their locks back).
                await all_of(
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
        now = time.monotonic()
        for projection in self.projections:
            if projection.name in held and self._failures.ready(projection.name, now):
                groups.setdefault(held[projection.name], []).append(projection)
        if not groups:
            return False
        moved = False
        async with self.store.pool.acquire() as conn:
            head = await self.store.max_notification_id(conn=conn) or 0
            for start, group in groups.items():
                moved |= await self._follow_group(conn, group, start, head, held)
        return moved

    async def _follow_group(
        self, conn: Any, group: Sequence[Projection], start: int, head: int, held: dict[str, int]
    ) -> bool:
        """One batch for the projections at `start`; one that cannot be read (an event
        that cannot be decoded) pauses them, and no other."""
        try:
            read = await self._reader.read(topics_of(group), start, self.batch_size, head, conn)
        except RETRIED:
            raise
        except Exception:
            for projection in group:
                self._failures.pause(projection, start, head)
            return False
        if read is None:
            return False
        await self._write_group(conn, group, read, held)
        return True

    async def _write_group(
        self, conn: Any, group: Sequence[Projection], read: Read, held: dict[str, int]
    ) -> None:
        """Together if they can; if not, one by one, so one that fails (whatever the
        error: an event its tables cannot hold, say) holds no other back."""
        try:
            await self._write_together(conn, group, read)
            written = list(group)
        except Exception:
            log.warning("%s interrupted; one by one", _names(group), exc_info=True)
            written = await self._write_one_by_one(group, read, held)
        for projection in written:
            self._backoff.succeeded(projection.name)
            if projection.name in held:  # not given up meanwhile (nor taken again)
                held[projection.name] = max(held[projection.name], read.position)

    async def _write_together(
        self, conn: Any, projections: Sequence[Projection], read: Read
    ) -> None:
        """Each projection's share of the batch and all their positions, in one transaction:
        following, a batch holds a few events, and its round trips are its cost."""
        async with conn.transaction():
            for projection in projections:
                await _apply(conn, projection, read)
            names = [p.name for p in projections]
            await self.store.move_trackings(names, read.position, after=read.start, conn=conn)

    async def _write_one_by_one(
        self, group: Sequence[Projection], read: Read, held: dict[str, int]
    ) -> list[Projection]:
        """Each projection's write on its own. One interrupted (its lock lost, another
        writer ahead) is given up and competes for its lock again; one that fails
        otherwise is paused, its position before the batch."""
        written = []
        for projection in group:
            try:
                await self._write(projection, read)
                written.append(projection)
            except Exception as error:
                if await self._failures.interrupted(error, projection, read):
                    log.warning("%s interrupted; retrying", projection.name, exc_info=True)
                    held.pop(projection.name, None)
                else:
                    self._failures.pause(projection, read.start, read.position)
        return written

    async def _write(self, projection: Projection, read: Read) -> None:
        """The batch's rows and its tracking record, in one transaction of its own."""
        async with self.store.transaction() as conn:
            await _apply(conn, projection, read)
            await self._reader.track(conn, projection, read)

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
                    if await try_lock(conn, projection.name):
                        await self._while_locked(conn, projection, held, woken, stop)
            except RETRIED:
                log.warning("%s interrupted; retrying", projection.name, exc_info=True)
            except Exception:  # its indexes, say: the others go on meanwhile
                pause = self._backoff.failed(projection.name)
                log.exception("%s failed to start; retrying in %.0f s", projection.name, pause)
            await first_of(stop, stop, self._backoff.pause(projection.name))

    async def _while_locked(
        self,
        lock: Any,
        projection: Projection,
        held: dict[str, int],
        woken: asyncio.Event,
        stop: asyncio.Event,
    ) -> None:
        log.info("applying %s", projection.name)
        try:
            await build_deferred_indexes(self.store, projection)
            held[projection.name] = await self.store.max_tracking_id(projection.name) or 0
            woken.set()  # followed now, not at the next NOTIFY or poll
            await _while_held(lock, projection.name, held, stop)
        finally:
            held.pop(projection.name, None)
            await unlock(lock, projection.name)


async def _apply(conn: Any, projection: Projection, read: Read) -> None:
    """The projection's share of a batch (read for several), written on `conn`."""
    mine = share(projection, read)
    if mine:
        await projection.prefetch(conn, [e for _, e in mine])
        batch = Batch()
        apply_to(batch, projection, mine)
        await batch.write(conn)


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
