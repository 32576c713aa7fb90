"""What a projector does when a projection fails to apply a batch.

A lost connection, another writer ahead or a server restarting are waited out and tried
again at once. Anything else (a bug, an event a table cannot hold) fails the same way
each time: it is logged at ERROR where an operator looks, and the projection is paused
where it stands, its lock kept, and tried again less and less often (`Backoff`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import asyncpg
from eventsourcing.persistence import OperationalError

from projections.engine.base import Projection
from projections.engine.contract import Store, TrackingConflictError
from projections.engine.reading import Read
from projections.engine.tasks import Backoff

log = logging.getLogger(__name__)

# What a projector waits out and tries again at once.
RETRIED = (
    TrackingConflictError,
    OperationalError,  # the store's name for a lost connection
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.OperatorInterventionError,  # the server shutting down, a query cancelled
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
)


@dataclass
class Failures:
    store: Store
    backoff: Backoff
    # A projection that failed unexpectedly, and when it may be tried again: it keeps its
    # lock meanwhile, so another process does not take it up only to fail the same way.
    paused: dict[str, float] = field(default_factory=dict)

    def ready(self, name: str, now: float) -> bool:
        return self.paused.get(name, 0) <= now

    async def interrupted(self, error: Exception, projection: Projection, read: Read) -> bool:
        """Whether the write failed for a cause a retry at once cures: among them another
        writer ahead, which may show first as a read row already there (its position
        has then moved from where this batch was read)."""
        if isinstance(error, RETRIED):
            return True
        try:
            return await self.store.max_tracking_id(projection.name) != (read.start or None)
        except RETRIED:
            return True

    def pause(self, projection: Projection, start: int, end: int) -> None:
        """Logged now, with the error being handled, and tried again after a growing
        pause. Its position stays where it was."""
        pause = self.backoff.failed(projection.name)
        log.exception(
            "%s cannot apply the events after position %s (to %s): it stays there and"
            " tries again in %.0f s",
            projection.name,
            start,
            end,
            pause,
        )
        self.paused[projection.name] = time.monotonic() + pause
