"""Running the projections: in the web process, as their own process, or a rebuild."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import Coroutine
from typing import Any

from app.persistence.db import create_pool
from app.persistence.mapping import build_mapper
from app.persistence.store import EventStore
from app.persistence.vault import open_sealed
from app.settings import Settings
from app.workers.email import run_sender
from projections.engine.replay import Progress
from projections.engine.runner import Runner
from projections.registry import all_projections

log = logging.getLogger(__name__)

PROJECTIONS = len(all_projections())


def following_connections(projections: int = PROJECTIONS) -> int:
    """A follower holds each projection's lock on a connection of its own, listens on
    one more, reads and writes on another, and the email sender claims on one more (and
    one spare): too few, and the follower waits for a connection that never comes."""
    return projections + 1 + 1 + 1 + 1


def rebuild_connections(projections: int = PROJECTIONS) -> int:
    """A rebuild holds its locks on one connection, reads ahead on another, writes each
    projection on one more, all at once, and prefetches for a projection that carries
    (projections/engine/replay.py `Replay._pipe`) on one more (and one spare); at the
    end, its read indexes are built side by side, one connection each."""
    return 1 + 1 + projections + 1 + 1


def build_runner(store: EventStore, settings: Settings) -> Runner:
    return Runner(
        store,
        build_mapper(settings.cipher_key),
        all_projections(settings.pseudonym_key, open_sealed, settings.calibration_share),
        batch_size=settings.projection_batch,
    )


async def run_background(store: EventStore, settings: Settings, stop: asyncio.Event) -> None:
    """The projections and the email sender, until `stop`: in the web process or alone."""
    await side_by_side(
        {
            "the projections": build_runner(store, settings).run(stop),
            "the email sender": run_sender(store.pool, settings.email, stop),
        }
    )


async def side_by_side(works: dict[str, Coroutine[Any, Any, None]]) -> None:
    """Each work until it ends; one that fails is logged at once and stops no other.

    A TaskGroup would cancel the email sender with the projections, and in the web
    process its error would be seen only at shutdown. The failures are raised once
    every work has ended.
    """
    results = await asyncio.gather(
        *(_logged(name, work) for name, work in works.items()), return_exceptions=True
    )
    failures = [result for result in results if isinstance(result, Exception)]
    if failures:
        raise ExceptionGroup("background work failed", failures)


async def _logged(name: str, work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except Exception:
        log.exception("%s stopped; the rest goes on", name)
        raise


async def run_projector(dsn: str, settings: Settings) -> None:
    """Until SIGINT or SIGTERM: the Procfile's `projector`."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    size = following_connections()
    pool = await create_pool(dsn, min_size=1, max_size=size, name="tribune-projector")
    try:
        await run_background(EventStore(pool), settings, stop)
    finally:
        await pool.close()


async def rebuild(dsn: str, settings: Settings, names: list[str]) -> list[tuple[str, int]]:
    pool = await create_pool(dsn, min_size=1, max_size=rebuild_connections())
    try:
        runner = build_runner(EventStore(pool), settings)
        chosen = [p for p in runner.projections if not names or p.name in names]
        unknown = set(names) - {p.name for p in chosen}
        if unknown:
            raise SystemExit(f"no such projection: {', '.join(sorted(unknown))}")
        positions = await runner.rebuild_all(chosen, progress_bar("rebuild"))
        return [(p.name, position) for p, position in zip(chosen, positions, strict=True)]
    finally:
        await pool.close()


def progress_bar(name: str) -> Progress | None:
    """Rate and time left, on a terminal only."""
    if not sys.stderr.isatty():
        return None
    started = time.monotonic()

    def show(position: int, head: int) -> None:
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = position / elapsed
        left = (head - position) / rate if rate else 0
        bar = "#" * int(30 * position / max(head, 1))
        sys.stderr.write(
            f"\r{name:20} [{bar:30}] {position}/{head} {rate:,.0f} ev/s, {left:,.0f} s left"
        )
        if position >= head:
            sys.stderr.write("\n")

    return show
