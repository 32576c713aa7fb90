"""A thin synchronous face on the async store, so the library's own tests can drive it.

An event loop runs in a background thread; every call is a pass-through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from threading import Event, Thread
from typing import Any, TypeVar

from eventsourcing.persistence import (
    ApplicationRecorder,
    Notification,
    ProcessRecorder,
    StoredEvent,
    Subscription,
    Tracking,
)

from app.persistence.db import create_pool
from app.persistence.store import EventStore
from app.persistence.subscription import Subscription as AsyncSubscription

T = TypeVar("T")


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class SyncStore(ProcessRecorder):
    """The library's ProcessRecorder interface over our EventStore."""

    def __init__(self, dsn: str) -> None:
        self.runner = LoopThread()
        self.store = EventStore(self.runner.run(create_pool(dsn, min_size=1)))

    def close(self) -> None:
        self.runner.run(self.store.pool.close())
        self.runner.close()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        return self.runner.run(self.store.insert_events(stored_events, **kwargs))

    def select_events(self, originator_id: Any, **kwargs: Any) -> Sequence[StoredEvent]:
        return self.runner.run(self.store.select_events(originator_id, **kwargs))

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        return self.runner.run(
            self.store.select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
        )

    def max_notification_id(self) -> int | None:
        return self.runner.run(self.store.max_notification_id())

    def insert_tracking(self, tracking: Tracking) -> None:
        self.runner.run(self.store.insert_tracking(tracking))

    def max_tracking_id(self, application_name: str) -> int | None:
        return self.runner.run(self.store.max_tracking_id(application_name))

    def has_tracking_id(self, application_name: str, notification_id: int | None) -> bool:
        return self.runner.run(self.store.has_tracking_id(application_name, notification_id))

    def wait(
        self,
        application_name: str,
        notification_id: int | None,
        timeout: float = 1.0,
        interrupt: Event | None = None,
    ) -> None:
        self.runner.run(self.store.wait(application_name, notification_id, timeout, interrupt))

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return SyncSubscription(self, self.store.subscribe(gt, topics), gt, topics)


class SyncSubscription(Subscription[ApplicationRecorder]):
    def __init__(
        self,
        recorder: SyncStore,
        inner: AsyncSubscription,
        gt: int | None,
        topics: Sequence[str],
    ) -> None:
        super().__init__(recorder, gt, topics)
        self._runner = recorder.runner
        self._inner = inner

    def __enter__(self) -> SyncSubscription:
        super().__enter__()
        self._runner.run(self._inner.__aenter__())
        return self

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._runner.run(self._inner.__aexit__(None, None, None))

    def stop(self) -> None:
        super().stop()
        self._runner.loop.call_soon_threadsafe(self._inner.stop)

    def __next__(self) -> Notification:
        if self._has_been_stopped:
            raise StopIteration
        try:
            return self._runner.run(self._inner.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None
