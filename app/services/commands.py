"""Running one command: load the aggregate, call it, save its new events atomically.

A conflict with a concurrent change becomes `ChangedMeanwhileError`, never a lost
write. `save_with` keeps a caller's own rows (a file's bytes, a key) in the same
transaction as the events that name them: neither without the other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from app.persistence.db import Conn
from app.persistence.repository import Repository

A = TypeVar("A", bound=Aggregate)
Keep = Callable[[Conn], Awaitable[None]]
"""Statements of the caller's, run in the transaction that saves the events."""


class ChangedMeanwhileError(Exception):
    """Someone else changed this meanwhile: reload and try again."""

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(f"{aggregate_id} changed meanwhile; reload and try again")
        self.aggregate_id = aggregate_id


async def run_command(
    repository: Repository,
    cls: type[A],
    aggregate_id: UUID,
    command: Callable[[A], object],
    keep: Keep | None = None,
) -> int | None:
    """The command's new events saved atomically (with `keep`'s rows); returns their last
    notification id. The domain decides first, so a refused command keeps nothing."""
    aggregate = await repository.get(aggregate_id, cls)
    command(aggregate)
    try:
        return await save_with(repository, aggregate, keep=keep)
    except IntegrityError as error:
        raise ChangedMeanwhileError(aggregate_id) from error


async def save_with(
    repository: Repository, *aggregates: Aggregate, keep: Keep | None
) -> int | None:
    """The aggregates' new events, and `keep`'s rows, in one transaction."""
    if keep is None:
        return await repository.save(*aggregates)
    async with repository.store.transaction() as conn:
        await keep(conn)
        return await repository.save(*aggregates, conn=conn)
