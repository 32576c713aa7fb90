"""What a projection is: a name, the tables it owns, one handler per event it handles."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.utils import get_topic

from projections.engine.batch import Batch, Table
from projections.engine.recorded import Recorded

# A handler's signature names the domain event class whose fields it reads
# (`e: Submission.Published`); what it is given is the `Recorded` of that event (Any here).
Handler = Callable[[Batch, Any, int], None]


def handler_name(event_class: type) -> str:
    """`Submission.Received` is handled by `submission_received`."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", event_class.__qualname__.replace(".", "_"))
    return words.lower().replace("__", "_")


def events_of(aggregate: type, *names: str) -> tuple[type, ...]:
    """`Submission.Received` and its siblings, found by name."""
    found = tuple(getattr(aggregate, name) for name in names)
    for name, cls in zip(names, found, strict=True):
        if not (isinstance(cls, type) and cls.__qualname__.endswith(f".{name}")):
            raise TypeError(f"{aggregate.__name__}.{name} is not an event class")
    return found


async def rows_for(conn: Any, sql: str, ids: Collection[Any]) -> list[Any]:
    """`sql` run with the ids as its one parameter; no round trip when there are none
    (following, most batches hold only new submissions: nothing earlier to load)."""
    return list(await conn.fetch(sql, list(ids))) if ids else []


def carried_over(
    state: dict[UUID, dict[str, Any]], wanted: set[UUID], carried: bool
) -> dict[UUID, dict[str, Any]]:
    """What the batch before left in memory of `wanted`, when it is carried over."""
    return {k: state[k] for k in wanted & state.keys()} if carried else {}


class Projection:
    """Subclasses set `name`, `tables`, `handles` and define one handler per event:
    `def submission_published(self, batch: Batch, e: Submission.Published, position: int)`.

    The event's class in that signature says which fields the handler reads, and mypy
    checks them; at run time it is given a `Recorded` (projections.engine.recorded): the
    same fields and values, decoded from the stored state without building the domain
    event. So a handler reads fields only, and reads a field added to an event later with
    `getattr(e, name, default)`: events stored before it lack it, and get no default.
    """

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    handles: ClassVar[tuple[type, ...]]
    # Indexes of its tables that only serve readers: a rebuild drops them when it empties
    # the tables and builds them once at the end (its own writes must not need them).
    read_indexes: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        for event_class in self.handles:
            method = getattr(self, handler_name(event_class), None)
            if method is None:
                raise TypeError(f"{type(self).__name__} lacks {handler_name(event_class)}()")
            self._handlers[get_topic(event_class)] = method

    @property
    def topics(self) -> list[str]:
        return list(self._handlers)

    # Whether its handlers may run on a batch of a replay while the batch before is still
    # being written: its prefetch then takes what that batch touched from memory.
    carries: ClassVar[bool] = False

    async def prefetch(self, conn: Any, events: Sequence[Recorded], carried: bool = False) -> None:
        """Load what the handlers need of earlier batches, before they run (one query).

        `carried`: the batch before, applied here, may not be written yet (a replay).
        """

    def apply(self, batch: Batch, event: Recorded, position: int) -> None:
        self._handlers[event.topic](batch, event, position)
