"""The OpenAPI document of the open data and the JSON API.

Written by hand: a test holds it to the routes in app.opendata.routes and to what they answer.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.opendata.api import PAGE_LIMIT, STATUSES
from app.web.i18n import LANGUAGES
from app.web.open_common import open_data
from domain import REGIONS, Channel
from projections.consultation_queries import PUBLIC_STATUSES


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
STATUS = ["received", "refusal_proposed", "published", "refused", "withdrawn", "late"]


def _parameter(name: str, where: str, schema: dict[str, Any], about: str) -> dict[str, Any]:
    required = where == "path"
    return {"name": name, "in": where, "required": required, "schema": schema, "description": about}


# What app/asgi.py answers on /api/ besides the 404 each operation documents.
ERRORS = ["not_found", "method_not_allowed", "internal_server_error"]
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
        "/api/charter": _get(
            "api_charter",
            "The moderation charter's reason codes, in French and English",
            "application/json",
            {"type": "array", "items": _ref("Reason")},
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
            "Error": _object(error={"type": "string", "enum": ERRORS}),
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
                        status={"type": "string", "enum": list(PUBLIC_STATUSES)},
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
            "Reason": _object(
                code=STRING,
                fr=_object(label=STRING, explanation=STRING),
                en=_object(label=STRING, explanation=STRING),
            ),
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


@open_data
async def openapi(request: Request) -> Response:
    return JSONResponse(OPENAPI)
