"""What every public, read-only answer shares: open headers, JSON errors, UTC moments,
and how its query parameters are read.

Everything open is public and read-only, so any origin may read it and caches may
keep it for a minute. Unknown ids answer 404 with a JSON body, files included, since
their readers are programs.

A query parameter is whatever anyone typed: a value that makes no sense is ignored
(or held within bounds), never a 500, and the pages and the API read it the same way.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from functools import wraps
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain import REGIONS, Channel
from projections import consultation_queries
from projections.consultation_queries import Consultation
from projections.submission_queries import Filters

Endpoint = Callable[[Request], Awaitable[Response]]

OPEN_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"}


def open_data(handler: Endpoint) -> Endpoint:
    @wraps(handler)
    async def with_headers(request: Request) -> Response:
        response = await handler(request)
        response.headers.update(OPEN_HEADERS)
        return response

    return with_headers


SEARCH_LENGTH = 200
# C0 and C1 controls: PostgreSQL refuses NUL in text, and none of them is a word.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def not_found() -> Response:
    return json_error(404)


def json_error(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """`{"error": "not_found"}` and the like: the status's phrase as a snake_case code."""
    return JSONResponse({"error": error_code(status)}, status_code=status, headers=headers)


def error_code(status: int) -> str:
    """Any status has a code: one without a standard phrase (499, say) is named by its
    class, for an error's own error must not become a 500."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return "client_error" if 400 <= status < 500 else "server_error"
    return re.sub("[^a-z0-9]+", "_", phrase.lower())


def api_error(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """An error under /api/, readable from any origin like the answers it stands for.
    A server error is not kept by caches: the next try may well succeed."""
    response = json_error(status, headers)
    response.headers.update(OPEN_HEADERS)
    if status >= 500:
        response.headers["Cache-Control"] = "no-store"
    return response


def search_terms(text: str | None) -> str | None:
    """Words to search for: control characters count as spaces, the length is bounded."""
    terms = CONTROLS.sub(" ", text or "").strip()[:SEARCH_LENGTH].strip()
    return terms or None


def utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def consultation_of(request: Request) -> Consultation | None:
    return await consultation_queries.consultation(
        request.state.pool, request.path_params["consultation_id"]
    )


def filters_of(request: Request) -> Filters:
    params = request.query_params
    region = params.get("region") if params.get("region") in REGIONS else None
    channel = params.get("canal") if params.get("canal") in {c.value for c in Channel} else None
    query = search_terms(params.get("q"))
    return Filters(region, channel, query, params.get("apres") or None)
