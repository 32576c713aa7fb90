"""Rate limits (the `limits` library): stop a script, never a library's shared terminal.

Generous per IP address, on unsafe requests only (a public terminal in a library or
a community centre sends many people's forms from one address); strict per account
where an account exists (submissions, which come with the online channel, will key
`refused(...)` by the account instead of the address). One process's memory holds
the counters: with several web processes, each enforces its share.
"""

from __future__ import annotations

import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.templating import render

PER_IP = "120/minute"


def new_limiter() -> MovingWindowRateLimiter:
    """One per application: its counters live and die with it."""
    return MovingWindowRateLimiter(MemoryStorage())


async def refused(
    request: Request, limit: RateLimitItem, *key: str, back_to: str | None = None
) -> Response | None:
    """None when allowed; otherwise the page that says when to try again. With
    `back_to`, the limit is an account's own, and the page leads back to where what
    was typed is kept."""
    limiter: MovingWindowRateLimiter = request.app.state.limiter
    if await limiter.hit(limit, *key):
        return None
    stats = await limiter.get_window_stats(limit, *key)
    wait = max(1, int(stats.reset_time - time.time()) + 1)
    context = {"wait": wait, "minutes": -(-wait // 60), "back_to": back_to}
    response = render(request, "errors/429.html", context, status=429)
    response.headers["retry-after"] = str(wait)
    return response


class PerAddressLimit:
    """Unsafe requests per client address; reading pages is never limited."""

    def __init__(self, app: ASGIApp, rate: str = PER_IP) -> None:
        self.app, self.limit = app, parse(rate)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            request = Request(scope, receive)
            address = scope.get("client", ("unknown", 0))[0]
            response = await refused(request, self.limit, "ip", address)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
