"""The page cache on its own: readers asking at once for a missing page share one render."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app.pagecache import PageCache

KEY = ("http://tribune.test/", "/", "", "fr", "")


def reader() -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}
    )


class SlowPage:
    """An endpoint that takes a moment, and counts how often it was rendered."""

    def __init__(self, status: int = 200) -> None:
        self.renders, self.status = 0, status

    async def __call__(self, request: Request) -> Response:
        self.renders += 1
        await asyncio.sleep(0.05)
        return HTMLResponse(f"<p>rendu {self.renders}</p>", status_code=self.status)


async def test_readers_asking_at_once_share_one_render() -> None:
    pages, page = PageCache(ttl=5), SlowPage()
    answers = await asyncio.gather(*(pages.render_once(KEY, page, reader()) for _ in range(5)))
    assert page.renders == 1
    assert {a.body for a in answers} == {b"<p>rendu 1</p>"}
    assert pages.get(KEY) == (b"<p>rendu 1</p>", "text/html")


async def test_a_failed_render_is_not_shared() -> None:
    pages, page = PageCache(ttl=5), SlowPage(status=404)
    answers = await asyncio.gather(*(pages.render_once(KEY, page, reader()) for _ in range(3)))
    assert page.renders == 3  # each reader tries for itself
    assert {a.status_code for a in answers} == {404}
    assert pages.get(KEY) is None


async def test_when_the_first_reader_goes_away_the_others_still_get_the_page() -> None:
    pages, page = PageCache(ttl=5), SlowPage()
    first = asyncio.create_task(pages.render_once(KEY, page, reader()))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(pages.render_once(KEY, page, reader()))
    await asyncio.sleep(0.01)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert (await asyncio.wait_for(second, 1)).body == b"<p>rendu 2</p>"
