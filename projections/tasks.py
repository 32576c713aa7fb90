"""Waiting on several things at once, and stopping what is left when one fails."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
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
