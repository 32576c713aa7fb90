"""CSRF: a synchronizer token bound to the session (sessions.csrf_token), checked on
every unsafe method."""

from __future__ import annotations

import functools
import hmac

from starlette.requests import Request
from starlette.responses import Response

from app.web.pagecache import Endpoint
from app.web.sessions import session_of
from app.web.templating import render

FIELD = "csrf_token"
HEADER = "x-csrf-token"


async def _sent(request: Request) -> str:
    if HEADER in request.headers:
        return request.headers[HEADER]
    form = await request.form()
    value = form.get(FIELD)
    return value if isinstance(value, str) else ""


def protected(endpoint: Endpoint) -> Endpoint:
    """Refuse an unsafe request whose token is missing or not this session's."""

    @functools.wraps(endpoint)
    async def check(request: Request) -> Response:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            expected = session_of(request).get("csrf")
            if not expected or not hmac.compare_digest(await _sent(request), expected):
                return render(request, "errors/403.html", status=403)
        return await endpoint(request)

    return check
