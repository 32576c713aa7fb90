"""The projections and the email sender run side by side but apart: one that fails is
logged at once and stops no other (a TaskGroup cancelled the sender with the runner)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.workers.projector import side_by_side
from tests.waiting import until


async def test_a_failing_work_is_logged_at_once_and_the_other_goes_on_to_its_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logged_while_running = asyncio.Event()
    finished = asyncio.Event()

    async def fails() -> None:
        raise OverflowError("date value out of range")

    async def sends() -> None:
        def logged() -> bool:
            return any(r.levelno == logging.ERROR for r in caplog.records)

        await until(logged, "the failure logged while the other ran", seconds=5, every=0)
        logged_while_running.set()
        await asyncio.sleep(0.01)
        finished.set()

    with pytest.raises(ExceptionGroup) as raised:
        await side_by_side({"the projections": fails(), "the email sender": sends()})
    assert logged_while_running.is_set()
    assert finished.is_set()
    assert raised.group_contains(OverflowError)
    assert "the projections stopped" in caplog.text


async def test_works_that_end_well_raise_nothing() -> None:
    done: list[str] = []

    async def work(name: str) -> None:
        await asyncio.sleep(0)
        done.append(name)

    await side_by_side({"a": work("a"), "b": work("b")})
    assert sorted(done) == ["a", "b"]
