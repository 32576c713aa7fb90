"""The print outbox: acknowledgments of keyed letters and calls not printed yet. "Print
the batch" gives one PDF, a letter a page; "Mark as printed" records who printed
which letters, and when (`PrintBatch.Printed`), and they leave the outbox.

These pages open names and addresses: they are never cached (`no-store`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.clerk.letters import Letter, letters_pdf
from app.services.participants import unseal_for
from app.services.printing import mark_printed
from app.web.csrf import protected
from app.web.pdf import pdf_response
from app.web.roles import require, staff_id
from app.web.settle import settle
from app.web.templating import render
from projections import clerk_queries, consultation_queries
from projections.clerk_queries import ClerkSubmission
from projections.consultation_queries import Consultation

PRIVATE = {"Cache-Control": "no-store"}
BATCH = 100
"""Letters in one batch: a stack a printer and a clerk handle at once."""


@dataclass(frozen=True)
class Outgoing:
    s: ClerkSubmission
    kind: str
    """"received" (an acknowledgment) or the decision owed."""
    letter: Letter | None
    """None when the person gave no postal address: told by phone, nothing to mail."""
    phone: str | None = None


async def outgoing(
    request: Request, ids: set[UUID] | None = None, decisions: set[UUID] | None = None
) -> list[Outgoing]:
    """The acknowledgments, then the decisions, not sent yet (those chosen, if any)."""
    pool = request.state.pool
    acks: list[tuple[ClerkSubmission, str, str | None]] = [
        (s, "received", None) for s in await clerk_queries.unprinted(pool, BATCH)
    ]
    owed = [(o.s, o.kind, o.reasons) for o in await clerk_queries.decisions_owed(pool, BATCH)]
    chosen = [a for a in acks if ids is None or a[0].id in ids]
    chosen += [o for o in owed if decisions is None or o[0].id in decisions]
    consultations = {c.id: c for c in await consultation_queries.consultations(pool)}
    return [await _outgoing(request, *item, consultations) for item in chosen]


async def _outgoing(
    request: Request,
    s: ClerkSubmission,
    kind: str,
    reasons: str | None,
    consultations: dict[UUID, Consultation],
) -> Outgoing:
    writer = await unseal_for(request.state.store, s.participant_id, s.sealed)
    c = consultations.get(s.consultation_id)
    if c is None or not writer.get("postal_address"):
        return Outgoing(s, kind, None, writer.get("phone"))
    public_url = request.app.state.settings.email.public_url or str(request.base_url).rstrip("/")
    letter = Letter(
        language=s.language,
        name=writer.get("name", ""),
        postal_address=writer["postal_address"],
        receipt_number=s.receipt_number,
        channel=s.channel,
        received_at=s.received_at,
        title=c.title.get(s.language) or c.title.get("fr", ""),
        return_address=c.postal_address,
        phone=c.phone,
        follow_url=f"{public_url}/suivi",
        late_reason=s.late_reason,
        kind=kind,
        reasons=reasons,
    )
    return Outgoing(s, kind, letter)


def private(response: Response) -> Response:
    response.headers.update(PRIVATE)
    return response


@require("clerk")
async def outbox(request: Request) -> Response:
    context = {
        "items": await outgoing(request),
        "printed": request.query_params.get("imprime"),
        "batch_token": secrets.token_urlsafe(16),
    }
    return private(render(request, "clerk/outbox.html", context))


def chosen_ids(values: list[str]) -> set[UUID]:
    ids = set()
    for value in values:
        try:
            ids.add(UUID(value))
        except ValueError:
            continue
    return ids


@require("clerk")
async def outbox_pdf(request: Request) -> Response:
    """The letters of the batch shown, as one PDF, a letter a page."""
    params = request.query_params
    items = await outgoing(
        request, chosen_ids(params.getlist("id")), chosen_ids(params.getlist("decision"))
    )
    letters = [item.letter for item in items if item.letter is not None]
    pdf = letters_pdf(letters, datetime.now(UTC))
    return private(pdf_response(pdf, "lettres.pdf"))


@require("clerk")
@protected
async def outbox_printed(request: Request) -> Response:
    """The batch shown, marked sent: who, when (one event per kind of letter)."""
    async with request.form() as form:
        ids = chosen_ids([v for v in form.getlist("id") if isinstance(v, str)])
        decisions = chosen_ids([v for v in form.getlist("decision") if isinstance(v, str)])
        token = str(form.get("batch_token", ""))[:64]
    by, now = staff_id(request), datetime.now(UTC)
    repository = request.state.repository
    position = await mark_printed(repository, by, now, list(ids), list(decisions), token)
    await settle(request, position, "clerk_submissions")
    url = request.url_for("clerk:outbox")
    return RedirectResponse(f"{url}?imprime={len(ids) + len(decisions)}", status_code=303)


routes = [
    Route("/envois", outbox, name="outbox"),
    Route("/envois/lot.pdf", outbox_pdf, name="outbox_pdf"),
    Route("/envois/imprimes", outbox_printed, methods=["POST"], name="outbox_printed"),
]
