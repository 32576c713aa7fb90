"""Render once: public pages are kept a few seconds; a crowd costs one render per page.

Public pages show read tables that change only when the projector commits a batch;
a page a few seconds old is as good as new to its readers, and far cheaper. Pages that
are personal (a citizen's own receipt and drafts) are never cached.

`@cached` on an endpoint renders a page and keeps it; `ServeCachedPages`, a middleware
right after the sessions, answers a GET from that copy before routing, so a copy served
again costs little more than sending it. Readers asking for the same missing page at
the same moment wait for one render instead of each starting their own.

A page that has just expired is still sent at once, while one render of it runs in the
background: readers of a busy page never wait for it. And each page is kept for a time
drawn between half the TTL and the TTL, so that pages rendered together (at start, say)
do not all expire together: a worker rendering fifty pages in one go made every reader
behind them wait, p99 218 ms at 1 000 requests/s (docs/performance.md). And a page
whose rows are the very ones it was last rendered from is sent again as it was
(`render_if_changed`): its rows are still read each time, so it is never older than
the cache's TTL and one render, but an unchanged receipt page is not rendered anew every
few seconds.

A submission's permanent page is kept longer: until what it shows changes
(`cached_until_changed`). The database says when (app/web/pagechanges.py); while this worker
does not hear it, such pages are kept for the TTL like any other.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.templating import language_of, remember_language, render

Endpoint = Callable[[Request], Awaitable[Response]]
Key = tuple[str, str, str, str, str]
# What a page shows, as change notices name it; None: kept for the TTL only.
Tag = Callable[[Request], str | None]
Page = tuple[bytes, str]  # body, media type

log = logging.getLogger(__name__)


class PageCache:
    """Successful pages by site, address, language and htmx-ness, for `ttl` seconds."""

    def __init__(self, ttl: float = 1.0, size: int = 5000, unchanged: float = 600.0) -> None:
        self.ttl, self.size, self.unchanged = ttl, size, unchanged
        self._pages: OrderedDict[Key, tuple[float, bytes, str]] = OrderedDict()
        self._rendering: dict[Key, asyncio.Future[Page | None]] = {}
        self._sources: OrderedDict[tuple[Key, str], tuple[dict[str, Any], Page]] = OrderedDict()
        self._refreshing: dict[Key, asyncio.Task[Response]] = {}
        # Pages kept until a change notice names their tag, while notices are heard.
        self.following = False
        self._notices = 0  # how many so far: a render that saw one come may be stale
        self._keys_of: dict[str, set[Key]] = {}
        self._tag_of: dict[Key, str] = {}

    def get(self, key: Key) -> Page | None:
        """The page, while it is fresh."""
        return self._kept(key, 0.0)

    def stale(self, key: Key) -> Page | None:
        """The page, fresh or expired less than a TTL ago."""
        return self._kept(key, self.ttl)

    def _kept(self, key: Key, grace: float) -> Page | None:
        hit = self._pages.get(key)
        if hit is None or hit[0] + grace <= time.monotonic():
            return None
        return hit[1], hit[2]

    def put(
        self, key: Key, body: bytes, media_type: str, tag: str | None = None, seen: int = -1
    ) -> None:
        """Kept for about the TTL; with a `tag`, until that changes, if no notice came
        since the render began (`seen`) and notices are heard. A notice naming the tag
        drops the page either way."""
        self._untag(key)
        if tag is not None:
            self._tag_of[key] = tag
            self._keys_of.setdefault(tag, set()).add(key)
        if tag is not None and self.following and seen == self._notices:
            kept_for = self.unchanged
        else:
            kept_for = self.ttl * random.uniform(0.5, 1.0)
        self._pages[key] = (time.monotonic() + kept_for, body, media_type)
        self._pages.move_to_end(key)
        while len(self._pages) > self.size:
            self._drop(next(iter(self._pages)))

    def changed(self, tags: Iterable[str] | None) -> None:
        """Pages showing these (None: anything) have changed: dropped at once."""
        self._notices += 1
        if tags is None:
            keys = list(self._tag_of)
        else:
            keys = [key for tag in tags for key in self._keys_of.get(tag, ())]
        for key in keys:
            self._drop(key)

    def _drop(self, key: Key) -> None:
        self._untag(key)
        self._pages.pop(key, None)

    def _untag(self, key: Key) -> None:
        tag = self._tag_of.pop(key, None)
        if tag is not None:
            keys = self._keys_of[tag]
            keys.discard(key)
            if not keys:
                del self._keys_of[tag]

    def rendered_from(self, key: tuple[Key, str], context: dict[str, Any]) -> Page | None:
        """The page last rendered under `key`, if it was rendered from `context`."""
        kept = self._sources.get(key)
        return kept[1] if kept is not None and kept[0] == context else None

    def keep_source(self, key: tuple[Key, str], context: dict[str, Any], page: Page) -> None:
        self._sources[key] = (context, page)
        self._sources.move_to_end(key)
        while len(self._sources) > self.size:
            self._sources.popitem(last=False)

    async def render_once(
        self, key: Key, render: Endpoint, request: Request, tag: Tag | None = None
    ) -> Response:
        """Render a missing page; who asks for it meanwhile gets the same page."""
        pending = self._rendering.get(key)
        if pending is not None:
            rendered = await asyncio.shield(pending)
            if rendered is not None:
                return _response(request, rendered)
            return await render(request)  # the first render failed: try for oneself
        pending = self._rendering[key] = asyncio.get_running_loop().create_future()
        page: Page | None = None
        seen = self._notices
        try:
            response = await render(request)
            if response.status_code == 200:
                page = (bytes(response.body), response.media_type or "")
                self.put(key, *page, tag=tag(request) if tag else None, seen=seen)
            return response
        finally:  # even when the reader went away: the others still wait
            del self._rendering[key]
            pending.set_result(page)

    def refresh(self, key: Key, render: Endpoint, request: Request, tag: Tag | None) -> None:
        """Render the page again in the background, unless that is under way."""
        if key in self._rendering or key in self._refreshing:
            return
        task = asyncio.ensure_future(self.render_once(key, render, request, tag))
        self._refreshing[key] = task  # kept until done: the loop holds tasks weakly
        task.add_done_callback(functools.partial(self._refreshed, key))

    def _refreshed(self, key: Key, task: asyncio.Task[Response]) -> None:
        del self._refreshing[key]
        if task.cancelled():
            return
        error = task.exception()
        if error is None and task.result().status_code == 200:
            return
        # No longer a page to keep (gone, say, or failing): the next reader renders it
        # and gets that answer, as for any page not kept.
        self._drop(key)
        if error is not None and not isinstance(error, HTTPException):
            log.error("rendering a page again failed", exc_info=error)

    async def close(self) -> None:
        """Renders still running in the background, stopped (before the pools close)."""
        for task in list(self._refreshing.values()):
            task.cancel()
        await asyncio.gather(*self._refreshing.values(), return_exceptions=True)


def _key(request: Request) -> Key:
    """Links in a page are absolute (url_for), made from the Host header and the scheme:
    a page asked for under another name is kept apart, never shown to other readers."""
    hx = request.headers.get("HX-Request", "")
    site = str(request.base_url)
    return (site, request.url.path, request.url.query, language_of(request), hx)


def _response(request: Request, page: Page) -> Response:
    return remember_language(request, Response(page[0], media_type=page[1]))


def _shared(request: Request) -> PageCache | None:
    """The cache, unless the page would be personal (a name, a form token)."""
    if request.scope.get("session"):
        return None
    pages: PageCache = request.app.state.pages
    return pages if pages.ttl > 0 else None


def cached(endpoint: Endpoint) -> Endpoint:
    """Serve a kept copy of a successful page from memory (an expired one while it is
    rendered again); render it otherwise."""
    return _serve_kept(endpoint, None)


def cached_until_changed(tag: Tag) -> Callable[[Endpoint], Endpoint]:
    """`cached`, and kept until a change notice names `tag(request)` (at most
    `PageCache.unchanged` seconds)."""
    return functools.partial(_serve_kept, tag=tag)


def _serve_kept(endpoint: Endpoint, tag: Tag | None) -> Endpoint:
    @functools.wraps(endpoint)
    async def serve(request: Request) -> Response:
        pages = _shared(request)
        if pages is None:
            return await endpoint(request)
        key = _key(request)
        if (hit := pages.get(key)) is not None:
            return _response(request, hit)
        if (expired := pages.stale(key)) is not None:
            pages.refresh(key, endpoint, request, tag)
            return _response(request, expired)
        return await pages.render_once(key, endpoint, request, tag)

    return serve


def render_if_changed(request: Request, name: str, context: dict[str, Any]) -> Response:
    """`render`, unless the last render of this page had the same context (rows compare
    by value: frozen dataclasses); then the same bytes. Personal pages always render."""
    pages = _shared(request)
    if pages is None:
        return render(request, name, context)
    key = (_key(request), name)
    page = pages.rendered_from(key, context)
    if page is not None:
        return _response(request, page)
    response = render(request, name, context)
    pages.keep_source(key, context, (bytes(response.body), response.media_type or ""))
    return response


class ServeCachedPages:
    """Answers a GET from the page cache before routing; everything else passes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            request = Request(scope, receive)
            pages = _shared(request)
            hit = pages.get(_key(request)) if pages is not None else None
            if hit is not None:
                await _response(request, hit)(scope, receive, send)
                return
        await self.app(scope, receive, send)
