"""The read-only JSON API: consultations, published submissions and their counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.web.forms import whole_number
from app.web.open_common import consultation_of, filters_of, not_found, open_data, utc
from domain import REGIONS, Channel, format_receipt, is_valid_receipt, normalize_receipt
from domain.charter import CHARTER
from projections import consultation_queries, ledger_queries
from projections.consultation_queries import Consultation
from projections.ledger_queries import Counts
from projections.submission_queries import Submission, published_submissions, submission_by_receipt

STATUSES = ("published", "pending", "refused", "withdrawn", "late")
PAGE_LIMIT, MAX_PAGE_LIMIT = 20, 100


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


def consultation_summary(request: Request, c: Consultation) -> dict[str, Any]:
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


def consultation_detail(request: Request, c: Consultation) -> dict[str, Any]:
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


def submission_json(request: Request, s: Submission) -> dict[str, Any]:
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
    found = await consultation_queries.consultations(request.state.pool)
    return JSONResponse([consultation_summary(request, c) for c in found])


@open_data
async def api_consultation_show(request: Request) -> Response:
    if (consultation := await consultation_of(request)) is None:
        return not_found()
    return JSONResponse(consultation_detail(request, consultation))


def page_limit(request: Request) -> int:
    limit = whole_number(request.query_params.get("limite"), 1, MAX_PAGE_LIMIT)
    return PAGE_LIMIT if limit is None else limit


@open_data
async def api_submission_list(request: Request) -> Response:
    if (consultation := await consultation_of(request)) is None:
        return not_found()
    filters, limit = filters_of(request), page_limit(request)
    page = await published_submissions(request.state.pool, consultation.id, filters, limit)
    here = request.url_for("api_submission_list", consultation_id=consultation.id)
    following = page.next_cursor and str(
        here.include_query_params(**filters.params(), apres=page.next_cursor, limite=limit)
    )
    items = [submission_json(request, s) for s in page.items]
    return JSONResponse({"items": items, "next": following})


def breakdown(counts: Counts, **where: str) -> dict[str, int]:
    return {**{s: counts.total(s, **where) for s in STATUSES}, "total": counts.total(**where)}


@open_data
async def api_statistics(request: Request) -> Response:
    if (consultation := await consultation_of(request)) is None:
        return not_found()
    counts = await ledger_queries.counts(request.state.pool, consultation.id)
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
async def api_charter(request: Request) -> Response:
    """The moderation charter's reason codes, their labels and what they cover."""
    return JSONResponse(
        [
            {"code": code.value, **{lang: r._asdict() for lang, r in texts.items()}}
            for code, texts in CHARTER.items()
        ]
    )


@open_data
async def api_submission_show(request: Request) -> Response:
    text = request.path_params["receipt"]
    if not is_valid_receipt(text):
        return not_found()
    found = await submission_by_receipt(request.state.pool, normalize_receipt(text))
    return not_found() if found is None else JSONResponse(submission_json(request, found))
