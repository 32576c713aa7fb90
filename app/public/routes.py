"""What anyone can read: consultations, published opinions, counts and the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.persistence.files import attachment_of
from app.web.consultation_page import consultation_context
from app.web.forms import whole_number
from app.web.i18n import LANGUAGES
from app.web.open_common import filters_of
from app.web.pagecache import cached, cached_until_changed, render_if_changed
from app.web.pdf import document_pdf, file_response
from app.web.templating import render
from domain import REGIONS, Channel, ReasonCode, is_valid_receipt, normalize_receipt
from projections import clerk_queries, consultation_queries, ledger_queries
from projections.consultation_queries import Consultation
from projections.submission_queries import published_submissions, submission_and_consultation

PHASES = ("open", "upcoming", "closed", "cancelled")


async def found_consultation(request: Request) -> Consultation:
    consultation_id: UUID = request.path_params["consultation_id"]
    found = await consultation_queries.consultation(request.state.reads, consultation_id)
    if found is None:
        raise HTTPException(404)
    return found


@cached
async def home(request: Request) -> Response:
    now = datetime.now(UTC)
    by_phase: dict[str, list[Consultation]] = {phase: [] for phase in PHASES}
    for consultation in await consultation_queries.consultations(request.state.reads):
        by_phase[consultation.phase(now)].append(consultation)
    return render(request, "public/home.html", {"by_phase": by_phase, "now": now})


@cached
async def consultation_show(request: Request) -> Response:
    consultation = await found_consultation(request)
    context = consultation_context(consultation, datetime.now(UTC))
    return render(request, "public/consultation_show.html", context)


@cached
async def submission_list(request: Request) -> Response:
    consultation = await found_consultation(request)
    filters = filters_of(request)
    page = await published_submissions(request.state.reads, consultation.id, filters)
    context: dict[str, Any] = {
        "c": consultation,
        "page": page,
        "filters": filters,
        "regions": sorted(REGIONS),
        "channels": [c.value for c in Channel],
    }
    partial = request.headers.get("HX-Request") == "true"
    name = "public/_submission_list.html" if partial else "public/submission_list.html"
    return render(request, name, context)


QUERIES_KEPT = {"", *(f"lang={language}" for language in LANGUAGES)}


def receipt_of(request: Request) -> str | None:
    """What names a submission's page in change notices (app/web/pagechanges.py).

    None (kept for the TTL only) when its address asks for more than a language: such
    addresses are endless, and each would hold a place in the cache for minutes.
    """
    if request.url.query not in QUERIES_KEPT:
        return None
    return normalize_receipt(request.path_params["receipt"])


@cached_until_changed(receipt_of)
async def submission_show(request: Request) -> Response:
    text = request.path_params["receipt"]
    if not is_valid_receipt(text):
        raise HTTPException(404)
    found = await submission_and_consultation(request.state.reads, normalize_receipt(text))
    if found is None:
        raise HTTPException(404)
    submission, consultation = found
    context = {"s": submission, "c": consultation}
    return render_if_changed(request, "public/submission_show.html", context)


@cached
async def statistics(request: Request) -> Response:
    consultation = await found_consultation(request)
    reads = request.state.reads
    counts = await ledger_queries.counts(reads, consultation.id)
    context = {
        "c": consultation,
        "counts": counts,
        "delays": await ledger_queries.decision_delays(reads, consultation.id),
        "double_keying": await clerk_queries.double_keying(reads, consultation.id),
        "regions": sorted(REGIONS),
        "channels": [c.value for c in Channel],
        "statuses": ("published", "pending", "refused", "withdrawn", "late"),
    }
    return render(request, "public/statistics.html", context)


@cached
async def ledger_show(request: Request) -> Response:
    consultation = await found_consultation(request)
    position = whole_number(request.query_params.get("avant"))
    pool = request.state.reads
    entries, next_position = await ledger_queries.ledger(pool, consultation.id, position)
    counts = await ledger_queries.counts(pool, consultation.id)
    context = {"c": consultation, "entries": entries, "next": next_position, "counts": counts}
    return render(request, "public/ledger_show.html", context)


@cached
async def charter(request: Request) -> Response:
    """The moderation charter, from its one source (domain/charter.py)."""
    return render(request, "public/charter.html", {"codes": [code.value for code in ReasonCode]})


async def attachment_download(request: Request) -> Response:
    """A published opinion's brief or scan, once a moderator published it with it."""
    text = request.path_params["receipt"]
    found = None
    if is_valid_receipt(text):
        found = await submission_and_consultation(request.state.reads, normalize_receipt(text))
    if found is None or found[0].status != "published" or not found[0].attachment_published:
        raise HTTPException(404)
    attachment = await attachment_of(request.state.reads, found[0].id)
    if attachment is None:  # erased with its author
        raise HTTPException(404)
    return file_response(attachment, f"piece-jointe-{found[0].receipt_number}", private=False)


async def document_download(request: Request) -> Response:
    """A document attached to a public consultation, or its report."""
    return await document_pdf(request, public=True)


ONE = "/consultations/{consultation_id:uuid}"
routes = [
    Route("/", home, name="home"),
    Route("/charte", charter, name="charter"),
    Route("/consultations/{consultation_id:uuid}", consultation_show, name="consultation_show"),
    Route("/consultations/{consultation_id:uuid}/avis", submission_list, name="submission_list"),
    Route("/consultations/{consultation_id:uuid}/statistiques", statistics, name="statistics"),
    Route("/consultations/{consultation_id:uuid}/registre", ledger_show, name="ledger_show"),
    Route("/avis/{receipt}", submission_show, name="submission_show"),
    Route("/avis/{receipt}/piece-jointe", attachment_download, name="attachment_download"),
    Route(ONE + "/documents/{document_id:uuid}", document_download, name="document_download"),
]
