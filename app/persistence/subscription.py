"""Following the store: a LISTEN/NOTIFY subscription and waiting for a tracking position."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from typing import Any, Protocol, Self

from asyncpg.pool import PoolConnectionProxy
from eventsourcing.persistence import Notification, WaitInterruptedError

BATCH = 500


class Source(Protocol):
    """What a subscription and a wait read: the store, seen from here (no circle)."""

    pool: Any

    async def has_tracking_id(self, application_name: str, notification_id: int | None) -> bool: ...

    async def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]: ...


class Interrupt(Protocol):
    """What `threading.Event` and `asyncio.Event` have in common."""

    def is_set(self) -> bool: ...


async def wait_for_tracking(
    store: Source,
    application_name: str,
    notification_id: int | None,
    timeout: float,
    interrupt: Interrupt | None,
) -> None:
    """Poll with a short, growing interval: a page waits tens of milliseconds at most."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    interval = 0.005
    while not await store.has_tracking_id(application_name, notification_id):
        if interrupt is not None and interrupt.is_set():
            raise WaitInterruptedError
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(
                f"timed out waiting for {application_name} to reach {notification_id}"
            )
        await asyncio.sleep(min(interval, remaining))
        interval = min(interval * 2, 0.1)


class Subscription:
    """Async iterator of notifications after `gt`; wakes on NOTIFY, polls as a fallback."""

    def __init__(
        self,
        store: Source,
        channel: str,
        *,
        gt: int | None = None,
        topics: Sequence[str] = (),
        poll_interval: float = 5.0,
    ) -> None:
        self._store = store
        self._channel = channel
        self._last = gt
        self._topics = topics
        self._poll_interval = poll_interval
        self._buffer: deque[Notification] = deque()
        self._woken = asyncio.Event()
        self._stopped = False
        self._conn: PoolConnectionProxy | None = None

    async def __aenter__(self) -> Self:
        self._conn = await self._store.pool.acquire()
        await self._conn.add_listener(self._channel, self._on_notify)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop()
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.remove_listener(self._channel, self._on_notify)
            finally:  # back to the pool even if the connection broke (the pool closes it)
                await self._store.pool.release(conn)

    def _on_notify(self, *_: object) -> None:
        self._woken.set()

    def stop(self) -> None:
        self._stopped = True
        self._woken.set()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Notification:
        while not self._stopped:
            if self._buffer:
                notification = self._buffer.popleft()
                self._last = notification.id
                return notification
            await self._fill_or_sleep()
        raise StopAsyncIteration

    async def _fill_or_sleep(self) -> None:
        self._woken.clear()  # before reading: a NOTIFY during the read is not lost
        batch = await self._store.select_notifications(
            self._last, BATCH, topics=self._topics, inclusive_of_start=False
        )
        if batch:
            self._buffer.extend(batch)
            return
        with contextlib.suppress(TimeoutError):  # the slow polling fallback
            await asyncio.wait_for(self._woken.wait(), self._poll_interval)
