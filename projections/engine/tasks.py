"""Waiting on several things at once, stopping what is left when one fails, and waiting
longer each time the same thing fails again."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any


async def all_of(writes: Sequence[Coroutine[Any, Any, object]]) -> None:
    """Every write, side by side; if one fails, the others are stopped before it is raised."""
    tasks = [asyncio.ensure_future(write) for write in writes]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def first_of(first: asyncio.Event, second: asyncio.Event, timeout: float) -> None:
    """Wait until either event is set, or the timeout passes."""
    waiters = [asyncio.ensure_future(first.wait()), asyncio.ensure_future(second.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


@dataclass
class Backoff:
    """How long to wait before trying again what failed unexpectedly `n` times in a row.

    An event a projection cannot apply fails the same way each time it is tried: the
    wait doubles from `first` up to `limit`, so the log gets one ERROR a minute, not a
    flood, and the projection still takes it up soon after the cause is repaired.
    """

    first: float
    limit: float
    failures: dict[str, int] = field(default_factory=dict)

    def failed(self, name: str) -> float:
        self.failures[name] = self.failures.get(name, 0) + 1
        return self.pause(name)

    def succeeded(self, name: str) -> None:
        self.failures.pop(name, None)

    def pause(self, name: str) -> float:
        """`first` while nothing failed unexpectedly, then doubled at each failure."""
        doublings = min(max(self.failures.get(name, 0) - 1, 0), 60)  # 2**60: past any limit
        return min(self.first * 2.0**doublings, self.limit)
