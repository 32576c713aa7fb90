"""Waiting for something to happen: on the thing itself, never past a bound, and failing
with what did not happen."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

import pytest

Condition = Callable[[], bool | Awaitable[bool]]


async def until(holds: Condition, what: str, seconds: float = 10, every: float = 0.01) -> None:
    """Until `holds()` is true; past `seconds`, the test fails: "`what`: not within ...".

    `what` names the thing waited for ("the projections caught up"), so a failure says
    what did not happen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        result = holds()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            pytest.fail(f"{what}: not within {seconds} s")
        await asyncio.sleep(every)
