"""What every public, read-only answer shares: open headers, a JSON 404, UTC moments.

Everything open is public and read-only, so any origin may read it and caches may
keep it for a minute. Unknown ids answer 404 with a JSON body, files included, since
their readers are programs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import wraps

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from projections import queries

Endpoint = Callable[[Request], Awaitable[Response]]

OPEN_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"}


def open_data(handler: Endpoint) -> Endpoint:
    @wraps(handler)
    async def with_headers(request: Request) -> Response:
        response = await handler(request)
        response.headers.update(OPEN_HEADERS)
        return response

    return with_headers


def not_found() -> Response:
    return JSONResponse({"error": "not_found"}, status_code=404)


def utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def consultation_of(request: Request) -> queries.Consultation | None:
    return await queries.consultation(request.state.pool, request.path_params["consultation_id"])
