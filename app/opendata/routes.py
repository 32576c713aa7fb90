"""Open data: every published submission of a consultation, as CSV and as JSON files.

Nothing leaves but the published columns. This module also gathers the routes of
everything open (the files, the JSON API, the Atom feed and the OpenAPI document).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import aclosing
from datetime import datetime
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from app.opendata.api import (
    api_charter,
    api_consultation_list,
    api_consultation_show,
    api_statistics,
    api_submission_list,
    api_submission_show,
)
from app.opendata.feeds import feed
from app.opendata.openapi import openapi
from app.web.open_common import consultation_of, not_found, open_data, utc
from projections.opendata_queries import COLUMNS, PublishedRow, all_published

# Excel reads a cell starting with one of these as a formula: a published opinion
# must not run in a reader's spreadsheet (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def open_row(row: PublishedRow) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in COLUMNS}
    return {name: utc(v) if isinstance(v, datetime) else v for name, v in values.items()}


def csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode()


async def csv_chunks(pool: Any, consultation_id: UUID) -> AsyncIterator[bytes]:
    """A BOM first: without it Excel reads UTF-8 as Windows-1252 and garbles accents."""
    yield "\ufeff".encode() + csv_lines([COLUMNS])
    async with aclosing(all_published(pool, consultation_id)) as pages:
        async for page in pages:
            yield csv_lines(open_row(row).values() for row in page)


async def json_chunks(pool: Any, consultation_id: UUID) -> AsyncIterator[bytes]:
    separator = "\n"
    yield b"["
    async with aclosing(all_published(pool, consultation_id)) as pages:
        async for page in pages:
            lines = (json.dumps(open_row(row), ensure_ascii=False) for row in page)
            yield (separator + ",\n".join(lines)).encode()
            separator = ",\n"
    yield b"\n]\n"


def download(chunks: AsyncIterator[bytes], media_type: str, filename: str) -> Response:
    disposition = f'attachment; filename="{filename}"'
    return StreamingResponse(
        chunks, media_type=media_type, headers={"Content-Disposition": disposition}
    )


@open_data
async def submissions_csv(request: Request) -> Response:
    if (consultation := await consultation_of(request)) is None:
        return not_found()
    chunks = csv_chunks(request.state.pool, consultation.id)
    media_type = "text/csv; charset=utf-8; header=present"
    return download(chunks, media_type, f"avis-{consultation.id}.csv")


@open_data
async def submissions_json(request: Request) -> Response:
    if (consultation := await consultation_of(request)) is None:
        return not_found()
    chunks = json_chunks(request.state.pool, consultation.id)
    return download(chunks, "application/json", f"avis-{consultation.id}.json")


CONSULTATION = "/consultations/{consultation_id:uuid}"
API_CONSULTATION = "/api" + CONSULTATION

routes: list[BaseRoute] = [
    Route(CONSULTATION + "/avis.csv", submissions_csv, name="submissions_csv"),
    Route(CONSULTATION + "/avis.json", submissions_json, name="submissions_json"),
    Route(CONSULTATION + "/flux.atom", feed, name="feed"),
    Route("/api/consultations", api_consultation_list, name="api_consultation_list"),
    Route(API_CONSULTATION, api_consultation_show, name="api_consultation_show"),
    Route(API_CONSULTATION + "/submissions", api_submission_list, name="api_submission_list"),
    Route(API_CONSULTATION + "/statistics", api_statistics, name="api_statistics"),
    Route("/api/submissions/{receipt}", api_submission_show, name="api_submission_show"),
    Route("/api/charter", api_charter, name="api_charter"),
    Route("/api/openapi.json", openapi, name="openapi"),
]
