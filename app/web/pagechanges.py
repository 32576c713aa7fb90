"""Change notices, from the read tables to this worker's page cache.

A submission's permanent page (/avis/<receipt>) changes only when its row does: a
decision, a withdrawal, an erased name. Rendering it again every few seconds, as the
page cache does for pages in general, cost a busy worker more than its readers did:
thousands of such pages, each re-read every TTL, left readers waiting seconds
(docs/performance.md). So the statement that changes rows says which pages changed
(migrations 0012 and 0013 notify `public_pages` with their receipt numbers, at commit),
each web worker listens on a connection of its own, and such a page is kept until it is
named.

The worker trusts the notices only while a probe of its own comes back through them
(a pooler that drops them, say, would otherwise go unseen). Until then, and after its
connection is lost, pages are kept for the cache's TTL only; every page kept until
changed is forgotten, since what changed meanwhile is not known.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from uuid import uuid4

import asyncpg

from app.web.pagecache import PageCache
from projections.engine.tasks import first_of

CHANNEL = "public_pages"
EVERY_PAGE = "*"
PROBE = "?"  # starts the payload of a worker's own probe: every worker hears them all
NAME = "tribune-page-changes"  # its connection, in pg_stat_activity
FIRST_PAUSE, LONGEST_PAUSE = 1.0, 30.0  # before listening again, growing while it fails
log = logging.getLogger(__name__)


def tags_of(payload: str) -> list[str] | None:
    """The receipt numbers a notice names; None when it means every page."""
    return None if payload == EVERY_PAGE else payload.split()


async def follow_page_changes(dsn: str, pages: PageCache, check: float = 10.0) -> None:
    """Until cancelled: listen, and after a failure listen again, less and less often."""
    pause = FIRST_PAUSE
    while True:
        try:
            await _listen(dsn, pages, check)
        except Exception:  # whatever it was, pages fall back to the TTL meanwhile
            if pages.following or pause == FIRST_PAUSE:  # said once an outage
                log.warning("page change notices interrupted; retrying", exc_info=True)
            if pages.following:
                pause = FIRST_PAUSE
        finally:
            pages.following = False
            pages.changed(None)
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)


async def _listen(dsn: str, pages: PageCache, check: float) -> None:
    """Hear notices until the connection fails or a probe does not come back."""
    conn = await asyncpg.connect(dsn, timeout=check, server_settings={"application_name": NAME})
    probe, echoed, lost = PROBE + uuid4().hex, asyncio.Event(), asyncio.Event()

    def notice(_conn: Any, _pid: int, _channel: str, payload: object) -> None:
        text = str(payload)
        if text == probe:
            echoed.set()
        elif not text.startswith(PROBE):
            pages.changed(tags_of(text))

    try:
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(CHANNEL, notice)
        while not lost.is_set():
            echoed.clear()
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, probe, timeout=check)
            await first_of(echoed, lost, check)
            if not echoed.is_set():
                raise ConnectionError("the worker's own notice did not come back")
            if not pages.following:
                pages.following = True
                pages.changed(None)  # a render under way may have read its rows before
            await first_of(lost, lost, check)
        raise ConnectionError("the connection for change notices was lost")
    finally:
        with contextlib.suppress(Exception):  # gone already, say
            await conn.close(timeout=2)
        conn.terminate()  # if it could not close
