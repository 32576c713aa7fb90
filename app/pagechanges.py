"""Change notices, from the read tables to this worker's page cache.

A submission's permanent page (/avis/<receipt>) changes only when its row does: a
decision, a withdrawal, an erased name. Rendering it again every few seconds, as the
page cache does for pages in general, cost a busy worker more than its readers did:
thousands of such pages, each re-read every TTL, left readers waiting seconds
(docs/performance.md). So the statement that changes rows says which pages changed
(migration 0012 notifies `public_pages` with their receipt numbers, at commit), each web
worker listens on a connection of its own, and such a page is kept until it is named.

A notice can only be missed while the connection is down: then the cache keeps these
pages for its TTL only, and forgets them all once it listens again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from app.pagecache import PageCache
from projections.runner import first_of

CHANNEL = "public_pages"
NAME = "tribune-page-changes"  # its connection, in pg_stat_activity
EVERY_PAGE = "*"
log = logging.getLogger(__name__)


def tags_of(payload: str) -> list[str] | None:
    """The receipt numbers a notice names; None when it means every page."""
    return None if payload == EVERY_PAGE else payload.split()


async def follow_page_changes(
    dsn: str, pages: PageCache, stop: asyncio.Event, check: float = 10.0
) -> None:
    """Until `stop`: listen, and listen again after a lost connection (a second later)."""
    while not stop.is_set():
        try:
            await _listen(dsn, pages, stop, check)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("page change notices interrupted; listening again", exc_info=True)
        finally:
            pages.following = False
            pages.changed(None)  # what changed meanwhile is not known
        await first_of(stop, stop, 1.0)


async def _listen(dsn: str, pages: PageCache, stop: asyncio.Event, check: float) -> None:
    conn = await asyncpg.connect(dsn, server_settings={"application_name": NAME})
    lost = asyncio.Event()

    def notice(_conn: Any, _pid: int, _channel: str, payload: object) -> None:
        pages.changed(tags_of(str(payload)))

    try:
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(CHANNEL, notice)
        pages.following = True
        pages.changed(None)  # a render under way may have read its rows before LISTEN
        while not (stop.is_set() or lost.is_set()):
            await first_of(stop, lost, check)
            if not (stop.is_set() or lost.is_set()):  # a connection gone without a word
                await conn.fetchval("SELECT 1", timeout=check)
    finally:
        with contextlib.suppress(OSError, asyncpg.InterfaceError):
            await conn.close(timeout=2)
