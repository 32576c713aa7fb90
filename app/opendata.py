"""Open data, a read-only JSON API and Atom feeds: what was said, for anyone to reuse.

Everything here is public and read-only, so any origin may read it and caches may
keep it for a minute. Nothing leaves but the published columns; unknown ids answer
404 with a JSON body, files included, since their readers are programs.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import aclosing
from datetime import UTC, datetime
from functools import wraps
from typing import Any
from uuid import UUID, uuid5

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from app.public import filters_of
from domain import REGIONS, Channel, format_receipt, is_valid_receipt, normalize_receipt
from projections import queries
from projections.opendata_queries import COLUMNS, PublishedRow, all_published

Endpoint = Callable[[Request], Awaitable[Response]]

OPEN_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"}
STATUSES = ("published", "pending", "refused", "withdrawn")
FEED_SIZE = 50
PAGE_LIMIT, MAX_PAGE_LIMIT = 20, 100
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Excel reads a cell starting with one of these as a formula: a published opinion
# must not run in a reader's spreadsheet (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry at all, not even escaped.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FEED_TEXT = {
    "fr": {"title": "Avis publiés — {title}", "entry": "Avis {receipt}"},
    "en": {"title": "Published opinions — {title}", "entry": "Opinion {receipt}"},
}


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


# Open-data files ------------------------------------------------------------------


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


# The JSON API ---------------------------------------------------------------------


def consultation_links(request: Request, consultation_id: UUID) -> dict[str, str]:
    names = {
        "self": "api_consultation_show",
        "html": "consultation_show",
        "submissions": "api_submission_list",
        "statistics": "api_statistics",
        "csv": "submissions_csv",
        "json": "submissions_json",
        "feed": "feed",
    }
    return {k: str(request.url_for(n, consultation_id=consultation_id)) for k, n in names.items()}


def consultation_summary(request: Request, c: queries.Consultation) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "title": c.title,
        "summary": c.summary,
        "opens_at": utc(c.opens_at),
        "closes_at": utc(c.closes_at),
        "phase": c.phase(datetime.now(UTC)),
        "received": c.received,
        "published": c.published,
        "links": consultation_links(request, c.id),
    }


def consultation_detail(request: Request, c: queries.Consultation) -> dict[str, Any]:
    report = {
        "summary": c.report_summary,
        "document": c.report_document,
        "published_at": utc(c.report_published_at),
    }
    participation = {
        "online": True,
        "mail": {"postal_address": c.postal_address, "grace_days": c.mail_grace_days},
        "phone": {"number": c.phone, "hours": c.phone_hours},
    }
    return {
        **consultation_summary(request, c),
        "status": c.status,
        "body": c.body,
        "questions": c.questions,
        "participation": participation,
        "closed_early_reason": c.closed_early_reason,
        "cancelled_reason": c.cancelled_reason,
        "report": report if c.report_published_at else None,
    }


def submission_json(request: Request, s: queries.Submission) -> dict[str, Any]:
    """The fields the public page shows; text, name and date only once published."""
    published = s.status == "published"
    receipt = format_receipt(s.receipt_number)
    return {
        "receipt_number": s.receipt_number,
        "receipt": receipt,
        "consultation_id": str(s.consultation_id),
        "status": s.status,
        "refusal_reason": s.refusal_reason if s.status == "refused" else None,
        "channel": s.channel,
        "region": s.region,
        "language": s.language,
        "received_at": utc(s.received_at),
        "published_at": utc(s.published_at) if published else None,
        "display_name": s.display_name if published else None,
        "text": s.text if published else None,
        "links": {
            "self": str(request.url_for("api_submission_show", receipt=receipt)),
            "html": str(request.url_for("submission_show", receipt=receipt)),
        },
    }


@open_data
async def api_consultation_list(request: Request) -> Response:
    found = await queries.consultations(request.state.pool)
    return JSONResponse([consultation_summary(request, c) for c in found])


@open_data
async def api_consultation_show(request: Request) -> Response:
    if (consultation := await consultation_of(request)) is None:
        return not_found()
    return JSONResponse(consultation_detail(request, consultation))


def page_limit(request: Request) -> int:
    text = request.query_params.get("limite", "")
    return min(max(int(text), 1), MAX_PAGE_LIMIT) if text.isdigit() else PAGE_LIMIT


@open_data
async def api_submission_list(request: Request) -> Response:
    if (consultation := await consultation_of(request)) is None:
        return not_found()
    filters, limit = filters_of(request), page_limit(request)
    page = await queries.published_submissions(request.state.pool, consultation.id, filters, limit)
    here = request.url_for("api_submission_list", consultation_id=consultation.id)
    following = page.next_cursor and str(
        here.include_query_params(**filters.params(), apres=page.next_cursor, limite=limit)
    )
    items = [submission_json(request, s) for s in page.items]
    return JSONResponse({"items": items, "next": following})


def breakdown(counts: queries.Counts, **where: str) -> dict[str, int]:
    return {**{s: counts.total(s, **where) for s in STATUSES}, "total": counts.total(**where)}


@open_data
async def api_statistics(request: Request) -> Response:
    if (consultation := await consultation_of(request)) is None:
        return not_found()
    counts = await queries.counts(request.state.pool, consultation.id)
    regions = [*sorted(REGIONS), ""]
    return JSONResponse(
        {
            "consultation_id": str(consultation.id),
            "received": counts.total(),
            "by_status": breakdown(counts),
            "by_channel": [
                {"channel": c.value, **breakdown(counts, channel=c.value)} for c in Channel
            ],
            "by_region": [{"region": r or None, **breakdown(counts, region=r)} for r in regions],
            "reconciles": counts.reconciles(),
        }
    )


@open_data
async def api_submission_show(request: Request) -> Response:
    text = request.path_params["receipt"]
    if not is_valid_receipt(text):
        return not_found()
    found = await queries.submission_by_receipt(request.state.pool, normalize_receipt(text))
    return not_found() if found is None else JSONResponse(submission_json(request, found))


@open_data
async def openapi(request: Request) -> Response:
    return JSONResponse(OPENAPI)


# The Atom feed --------------------------------------------------------------------


def atom(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = None if text is None else NOT_XML.sub("", text)
    return element


def in_language(url: URL, language: str) -> str:
    return str(url if language == DEFAULT_LANGUAGE else url.include_query_params(lang=language))


def feed_entry(feed: ET.Element, request: Request, s: queries.Submission, language: str) -> None:
    receipt = format_receipt(s.receipt_number)
    entry = atom(feed, "entry")
    atom(entry, "id", f"urn:uuid:{s.id}")
    atom(entry, "title", FEED_TEXT[language]["entry"].format(receipt=receipt))
    atom(entry, "updated", utc(s.published_at))
    atom(entry, "published", utc(s.published_at))
    page = request.url_for("submission_show", receipt=receipt)
    atom(entry, "link", rel="alternate", type="text/html", href=in_language(page, language))
    if s.display_name:
        atom(atom(entry, "author"), "name", s.display_name)
    atom(entry, "content", s.text, type="text").set(XML_LANG, s.language)


def feed_document(
    request: Request, c: queries.Consultation, items: list[queries.Submission], language: str
) -> bytes:
    """One feed per language, each with its own stable id derived from the consultation's."""
    feed = ET.Element("feed", {"xmlns": ATOM, XML_LANG: language})
    atom(feed, "id", f"urn:uuid:{uuid5(c.id, f'flux.atom?lang={language}')}")
    title = c.title.get(language) or c.title.get(DEFAULT_LANGUAGE, "")
    atom(feed, "title", FEED_TEXT[language]["title"].format(title=title))
    atom(feed, "updated", utc(items[0].published_at if items else c.opens_at))
    here = request.url_for("feed", consultation_id=c.id)
    atom(feed, "link", rel="self", type="application/atom+xml", href=in_language(here, language))
    html = request.url_for("submission_list", consultation_id=c.id)
    atom(feed, "link", rel="alternate", type="text/html", href=in_language(html, language))
    atom(atom(feed, "author"), "name", "Tribune")
    for submission in items:
        feed_entry(feed, request, submission, language)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


@open_data
async def feed(request: Request) -> Response:
    """The language comes from ?lang= only, never the cookie: one URL, one cached body."""
    if (consultation := await consultation_of(request)) is None:
        return not_found()
    asked = request.query_params.get("lang")
    language = asked if asked in LANGUAGES else DEFAULT_LANGUAGE
    filters = queries.Filters()
    page = await queries.published_submissions(
        request.state.pool, consultation.id, filters, FEED_SIZE
    )
    body = feed_document(request, consultation, page.items, language)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


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
    Route("/api/openapi.json", openapi, name="openapi"),
]


# The OpenAPI document ---------------------------------------------------------------
# Written by hand: a test holds it to the routes above and to what they answer.


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


STRING: dict[str, Any] = {"type": "string"}
COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
MOMENT: dict[str, Any] = {"type": "string", "format": "date-time"}
LINK: dict[str, Any] = {"type": "string", "format": "uri"}
REGION: dict[str, Any] = {"type": "string", "enum": sorted(REGIONS)}
CHANNEL: dict[str, Any] = {"type": "string", "enum": [c.value for c in Channel]}
STATUS = ["received", "refusal_proposed", "published", "refused", "withdrawn"]


def _parameter(name: str, where: str, schema: dict[str, Any], about: str) -> dict[str, Any]:
    required = where == "path"
    return {"name": name, "in": where, "required": required, "schema": schema, "description": about}


NOT_FOUND = {
    "description": "Unknown id / identifiant inconnu",
    "content": {"application/json": {"schema": _ref("Error")}},
}


def _get(name: str, about: str, media: str, schema: dict[str, Any], *params: Any) -> Any:
    """One GET operation; one that takes a path parameter can answer 404."""
    responses: dict[str, Any] = {
        "200": {"description": about, "content": {media: {"schema": schema}}}
    }
    if any(p["in"] == "path" for p in params):
        responses["404"] = NOT_FOUND
    operation = {"operationId": name, "summary": about, "parameters": list(params)}
    return {"get": {**operation, "responses": responses}}


ID = _parameter("consultation_id", "path", {"type": "string", "format": "uuid"}, "Consultation")
RECEIPT = _parameter("receipt", "path", STRING, "Receipt number, with or without hyphens")
FILTERS = [
    _parameter("region", "query", REGION, "Region code / code de région"),
    _parameter("canal", "query", CHANNEL, "Channel / moyen"),
    _parameter("q", "query", {"type": "string", "maxLength": 200}, "Full-text search (French)"),
    _parameter("apres", "query", STRING, "Cursor: follow `next` rather than building it"),
    _parameter(
        "limite",
        "query",
        {"type": "integer", "minimum": 1, "maximum": 100, "default": PAGE_LIMIT},
        "Page size",
    ),
]
LANG = _parameter("lang", "query", {"type": "string", "enum": list(LANGUAGES)}, "Default: fr")
CSV_ABOUT = (
    "Every published submission, oldest first. UTF-8 with a byte-order mark (so that Excel"
    " reads accents), RFC 4180, header row. Cells starting with = + - @ are prefixed with '"
    " so that spreadsheets do not run them; avis.json carries the exact text."
)
BREAKDOWN = _object(**{status: COUNT for status in (*STATUSES, "total")})

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Tribune — API publique et données ouvertes",
        "version": "1.0",
        "description": "Read-only, public: published submissions, counts, consultations."
        " Lecture seule et publique : avis publiés, décomptes, consultations.",
        "license": {"name": "CC-BY-4.0", "identifier": "CC-BY-4.0"},
    },
    "paths": {
        "/api/consultations": _get(
            "api_consultation_list",
            "Public consultations",
            "application/json",
            {"type": "array", "items": _ref("ConsultationSummary")},
        ),
        "/api/consultations/{consultation_id}": _get(
            "api_consultation_show",
            "One consultation",
            "application/json",
            _ref("Consultation"),
            ID,
        ),
        "/api/consultations/{consultation_id}/submissions": _get(
            "api_submission_list",
            "Published submissions, newest first, one page",
            "application/json",
            _ref("SubmissionPage"),
            ID,
            *FILTERS,
        ),
        "/api/consultations/{consultation_id}/statistics": _get(
            "api_statistics",
            "Counts by status, channel and region",
            "application/json",
            _ref("Statistics"),
            ID,
        ),
        "/api/submissions/{receipt}": _get(
            "api_submission_show",
            "One submission by receipt number",
            "application/json",
            _ref("Submission"),
            RECEIPT,
        ),
        "/api/openapi.json": _get(
            "openapi", "This document", "application/json", {"type": "object"}
        ),
        "/consultations/{consultation_id}/avis.csv": _get(
            "submissions_csv", CSV_ABOUT, "text/csv", STRING, ID
        ),
        "/consultations/{consultation_id}/avis.json": _get(
            "submissions_json",
            "Every published submission, oldest first: a JSON array",
            "application/json",
            {"type": "array", "items": _ref("OpenSubmission")},
            ID,
        ),
        "/consultations/{consultation_id}/flux.atom": _get(
            "feed",
            "Atom 1.0: the 50 latest published submissions",
            "application/atom+xml",
            STRING,
            ID,
            LANG,
        ),
    },
    "components": {
        "schemas": {
            "Error": _object(error={"type": "string", "enum": ["not_found"]}),
            "Bilingual": _object(fr=STRING, en=STRING),
            "ConsultationSummary": _object(
                id={"type": "string", "format": "uuid"},
                title=_ref("Bilingual"),
                summary=_ref("Bilingual"),
                opens_at=MOMENT,
                closes_at=MOMENT,
                phase={"type": "string", "enum": ["upcoming", "open", "closed", "cancelled"]},
                received=COUNT,
                published=COUNT,
                links=_object(
                    **dict.fromkeys(
                        ("self", "html", "submissions", "statistics", "csv", "json", "feed"), LINK
                    )
                ),
            ),
            "Consultation": {
                "allOf": [
                    _ref("ConsultationSummary"),
                    _object(
                        status={"type": "string", "enum": list(queries.PUBLIC_STATUSES)},
                        body=_ref("Bilingual"),
                        questions={"type": "array", "items": _ref("Bilingual")},
                        participation=_object(
                            online={"type": "boolean"},
                            mail=_object(postal_address=STRING, grace_days=COUNT),
                            phone=_object(number=STRING, hours=_ref("Bilingual")),
                        ),
                        closed_early_reason=_nullable(STRING),
                        cancelled_reason=_nullable(STRING),
                        report=_nullable(
                            _object(
                                summary=_nullable(_ref("Bilingual")),
                                document=_nullable(STRING),
                                published_at=MOMENT,
                            )
                        ),
                    ),
                ]
            },
            "Submission": _object(
                receipt_number={"type": "string", "pattern": "^[0-9A-Z]{9}$"},
                receipt={"type": "string", "pattern": "^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$"},
                consultation_id={"type": "string", "format": "uuid"},
                status={"type": "string", "enum": STATUS},
                refusal_reason=_nullable(STRING),
                channel=CHANNEL,
                region=_nullable(REGION),
                language=STRING,
                received_at=MOMENT,
                published_at=_nullable(MOMENT),
                display_name=_nullable(STRING),
                text=_nullable(STRING),
                links=_object(self=LINK, html=LINK),
            ),
            "SubmissionPage": _object(
                items={"type": "array", "items": _ref("Submission")}, next=_nullable(LINK)
            ),
            "Breakdown": BREAKDOWN,
            "Statistics": _object(
                consultation_id={"type": "string", "format": "uuid"},
                received=COUNT,
                by_status=_ref("Breakdown"),
                by_channel={
                    "type": "array",
                    "items": {"allOf": [_ref("Breakdown"), _object(channel=CHANNEL)]},
                },
                by_region={
                    "type": "array",
                    "items": {"allOf": [_ref("Breakdown"), _object(region=_nullable(REGION))]},
                },
                reconciles={"type": "boolean"},
            ),
            "OpenSubmission": _object(
                receipt_number=STRING,
                published_at=MOMENT,
                received_at=MOMENT,
                channel=CHANNEL,
                region=_nullable(REGION),
                language=STRING,
                display_name=_nullable(STRING),
                text=STRING,
            ),
        }
    },
}
