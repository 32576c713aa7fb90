"""A one-pass rebuild writes each projection's share side by side; one failing stops
the others before its error is raised, so no write goes on behind the caller's back."""

from __future__ import annotations

import asyncio

import pytest

from projections.engine.tasks import all_of


async def test_a_failing_write_stops_the_others_then_its_error_is_raised() -> None:
    stopped = asyncio.Event()

    async def fails() -> int:
        await asyncio.sleep(0)
        raise RuntimeError("disk full")

    async def slow() -> int:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            stopped.set()
            raise
        return 1

    with pytest.raises(RuntimeError, match="disk full"):
        await all_of([slow(), fails()])
    assert stopped.is_set()


async def test_writes_that_succeed_all_finish() -> None:
    done: list[int] = []

    async def write(n: int) -> int:
        await asyncio.sleep(0.01 * n)
        done.append(n)
        return n

    await all_of([write(3), write(1), write(2)])
    assert sorted(done) == [1, 2, 3]
