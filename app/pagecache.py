"""Render once: public pages are kept a few seconds; a crowd costs one render per page.

Public pages show read tables that change only when the projector commits a batch;
a page a few seconds old is as good as new to its readers, and far cheaper. Pages that
are personal (a citizen's own receipt and drafts) are never cached.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from app.templating import language_of, remember_language

Endpoint = Callable[[Request], Awaitable[Response]]
Key = tuple[str, str, str, str]


class PageCache:
    """Successful pages by address, language and htmx-ness, for `ttl` seconds."""

    def __init__(self, ttl: float = 1.0, size: int = 5000) -> None:
        self.ttl, self.size = ttl, size
        self._pages: OrderedDict[Key, tuple[float, bytes, str]] = OrderedDict()

    def get(self, key: Key) -> tuple[bytes, str] | None:
        hit = self._pages.get(key)
        if hit is None or hit[0] <= time.monotonic():
            return None
        return hit[1], hit[2]

    def put(self, key: Key, body: bytes, media_type: str) -> None:
        self._pages[key] = (time.monotonic() + self.ttl, body, media_type)
        self._pages.move_to_end(key)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)


def _key(request: Request) -> Key:
    hx = request.headers.get("HX-Request", "")
    return (request.url.path, request.url.query, language_of(request), hx)


def cached(endpoint: Endpoint) -> Endpoint:
    """Serve a fresh copy of a successful page from memory; render it otherwise."""

    @functools.wraps(endpoint)
    async def serve(request: Request) -> Response:
        if request.scope.get("session"):  # personal: a name, a form token
            return await endpoint(request)
        pages: PageCache = request.app.state.pages
        key = _key(request)
        hit = pages.get(key)
        if hit is not None:
            return remember_language(request, Response(hit[0], media_type=hit[1]))
        response = await endpoint(request)
        if response.status_code == 200:
            pages.put(key, bytes(response.body), response.media_type or "")
        return response

    return serve
