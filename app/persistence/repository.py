"""Aggregates in and out of the event store: `get` replays, `save` appends atomically."""

from __future__ import annotations

from typing import TypeVar, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateProtocol
from eventsourcing.persistence import Mapper

from app.persistence.db import Conn
from app.persistence.store import EventStore

A = TypeVar("A", bound=Aggregate)


class AggregateNotFoundError(LookupError):
    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(f"no aggregate {aggregate_id}")
        self.aggregate_id = aggregate_id


class Repository:
    def __init__(self, store: EventStore, mapper: Mapper[UUID]) -> None:
        self.store = store
        self.mapper = mapper

    async def get(self, aggregate_id: UUID, cls: type[A]) -> A:
        """Replay the aggregate's events; its class is checked, not trusted."""
        aggregate: Aggregate | None = None
        for stored in await self.store.select_events(aggregate_id):
            event = cast(CanMutateProtocol[Aggregate], self.mapper.to_domain_event(stored))
            aggregate = event.mutate(aggregate)
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        if not isinstance(aggregate, cls):
            raise TypeError(f"{aggregate_id} is a {type(aggregate).__name__}")
        return aggregate

    async def save(self, *aggregates: Aggregate, conn: Conn | None = None) -> int | None:
        """All new events of all aggregates in one transaction; the last notification id."""
        stored = [
            self.mapper.to_stored_event(event)
            for aggregate in aggregates
            for event in aggregate.collect_events()
        ]
        ids = await self.store.insert_events(stored, conn=conn)
        return ids[-1] if ids else None
