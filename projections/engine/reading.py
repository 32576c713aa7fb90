"""What the runner and the replay share: the store they read, and a batch as read."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification, Tracking

from projections.engine.base import Projection
from projections.engine.batch import Batch
from projections.engine.contract import Store
from projections.engine.recorded import Decoder, Recorded

DECODE_SLICE = 1000


@dataclass(frozen=True)
class Read:
    start: int  # where the projection stood when this batch was read
    position: int  # where the projection stands once this batch is applied
    positions: list[int]
    events: list[Recorded]


class Reader:
    """Batches of the store's events, decoded, for the projections that handle them."""

    def __init__(self, store: Store, mapper: Mapper[UUID]) -> None:
        self.store = store
        self._decode = Decoder(mapper)

    async def read(
        self, topics: Sequence[str], position: int, size: int, head: int, conn: Any = None
    ) -> Read | None:
        """The next batch of these topics after `position`, decoded; None at the head."""
        if head <= position:
            return None
        notes = await self.store.select_notifications(
            position, size, stop=head, topics=topics, inclusive_of_start=False, conn=conn
        )
        # Fewer than a full batch: nothing it handles lies between the last one and head.
        new_position = notes[-1].id if len(notes) == size else head
        return Read(position, new_position, [n.id for n in notes], await self._decoded(notes))

    async def _decoded(self, notes: Sequence[Notification]) -> list[Recorded]:
        """Decoded a slice at a time, so a write in flight is not kept waiting for long."""
        events: list[Recorded] = []
        for start in range(0, len(notes), DECODE_SLICE):
            events += map(self._decode, notes[start : start + DECODE_SLICE])
            await asyncio.sleep(0)
        return events

    async def track(self, conn: Any, projection: Projection, read: Read) -> None:
        """The projection's position moved past the batch (compare-and-set on `read.start`)."""
        tracking = Tracking(projection.name, read.position)
        await self.store.insert_tracking(tracking, conn=conn, after=read.start)


def share(projection: Projection, read: Read) -> list[tuple[int, Recorded]]:
    """The events of a batch (read for several projections) this one handles."""
    handled = set(projection.topics)
    pairs = zip(read.positions, read.events, strict=True)
    return [(position, event) for position, event in pairs if event.topic in handled]


def apply_to(batch: Batch, projection: Projection, mine: Sequence[tuple[int, Recorded]]) -> None:
    for position, event in mine:
        projection.apply(batch, event, position)


def topics_of(projections: Sequence[Projection]) -> list[str]:
    return sorted({t for p in projections for t in p.topics})
