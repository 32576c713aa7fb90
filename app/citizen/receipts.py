"""After sending: a citizen follows, prints, withdraws and appeals their own opinions.

The receipt number is the key: the author's pages here show everything they sent; the
public page of the same number (app/public/routes.py) shows only its status, and the text
once published. Someone else's number looks like no one's. A brief is for its author
and, when their screens come, the moderators: no public page serves it until a
moderator has reviewed it as such (publishing the text does not review the PDF).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.citizen.forms import participant_of
from app.persistence.files import brief_of, brief_size
from app.persistence.repository import Repository
from app.services.commands import ChangedMeanwhileError
from app.services.participants import unseal_for
from app.services.submissions import appeal_refusal, withdraw_submission
from app.web.csrf import protected
from app.web.forms import texts
from app.web.pdf import pdf_response
from app.web.roles import require
from app.web.sessions import session_of
from app.web.settle import settle
from app.web.templating import render
from domain import DomainError, is_valid_receipt, normalize_receipt
from projections import consultation_queries
from projections.submission_queries import (
    Submission,
    sent_submission,
    submission_by_receipt,
    submissions_of,
)

Change = Callable[[Repository, UUID], Awaitable[int | None]]
MAX_APPEAL = 5_000
"""The appeal box's `maxlength`: the server refuses what the box would not take."""
FIELD_ERRORS = frozenset({"text_invalid"})
"""Errors in what was typed (shown at the field too), not in the opinion's state."""


def to_receipt(request: Request, number: str) -> Response:
    return RedirectResponse(str(request.url_for("my_receipt", receipt=number)), status_code=303)


async def wait_for_projection(request: Request, position: int | None) -> None:
    """Read your writes: the receipt page should show what was just sent."""
    await settle(request, position, "public_submissions")


async def own_submission(request: Request) -> Submission:
    text = request.path_params["receipt"]
    found = None
    if is_valid_receipt(text):
        found = await submission_by_receipt(request.state.pool, normalize_receipt(text))
    owner = await _owner(request, found)
    if found is None or owner != participant_of(session_of(request)):
        raise HTTPException(404)  # someone else's looks like no one's
    return found


async def _owner(request: Request, found: Submission | None) -> UUID | None:
    if found is None:
        return None
    owner: UUID | None = await request.state.pool.fetchval(
        "SELECT participant_id FROM public_submissions WHERE submission_id = $1", found.id
    )
    return owner


@require("citizen")
async def my_submissions(request: Request) -> Response:
    pool = request.state.pool
    mine = await submissions_of(pool, participant_of(session_of(request)))
    return render(request, "citizen/my_submissions.html", {"mine": mine, "now": datetime.now(UTC)})


@require("citizen")
async def my_receipt(request: Request) -> Response:
    s = await own_submission(request)
    return render(request, "citizen/my_receipt.html", await receipt_context(request, s))


async def receipt_context(request: Request, s: Submission) -> dict[str, Any]:
    pool = request.state.pool
    c = await consultation_queries.consultation(pool, s.consultation_id)
    size = await brief_size(pool, s.id)
    return {"s": s, "c": c, "now": datetime.now(UTC), "brief_size": size, "max_appeal": MAX_APPEAL}


async def _act(
    request: Request, s: Submission, change: Change, typed: dict[str, str] | None = None
) -> Response:
    try:
        position = await change(request.state.repository, s.id)
    except (DomainError, ChangedMeanwhileError) as error:
        code = error.code if isinstance(error, DomainError) else "changed_meanwhile"
        return await _refused(request, s, code, typed or {})
    await wait_for_projection(request, position)
    return to_receipt(request, s.receipt_number)


async def _refused(request: Request, s: Submission, code: str, typed: dict[str, str]) -> Response:
    """The receipt again, with the reason at the top, and at the field when it is what
    was typed; the text comes back as typed, never lost."""
    errors = dict.fromkeys(typed, code) if code in FIELD_ERRORS else {}
    context = {**await receipt_context(request, s), "error": code}
    context.update(values=typed, errors=errors)
    return render(request, "citizen/my_receipt.html", context, status=400 if errors else 409)


@require("citizen")
@protected
async def withdraw(request: Request) -> Response:
    s = await own_submission(request)
    c = await consultation_queries.consultation(request.state.pool, s.consultation_id)
    closes_at = c.closes_at if c else datetime.now(UTC)
    who, now = participant_of(session_of(request)), datetime.now(UTC)

    async def change(repository: Repository, submission_id: UUID) -> int | None:
        return await withdraw_submission(repository, submission_id, who, now, closes_at)

    return await _act(request, s, change)


@require("citizen")
@protected
async def appeal(request: Request) -> Response:
    s = await own_submission(request)
    text = texts(await request.form()).get("appeal", "")
    who, now = participant_of(session_of(request)), datetime.now(UTC)

    async def change(repository: Repository, submission_id: UUID) -> int | None:
        return await appeal_refusal(repository, submission_id, who, now, text, MAX_APPEAL)

    return await _act(request, s, change, {"appeal": text})


@require("citizen")
async def printable_receipt(request: Request) -> Response:
    """Everything the author sent, on one page made for paper."""
    s = await own_submission(request)
    pool = request.state.pool
    c = await consultation_queries.consultation(pool, s.consultation_id)
    sent = await sent_submission(pool, s.id)
    if sent is None:
        raise HTTPException(404)
    owner = participant_of(session_of(request))
    personal = await unseal_for(request.state.store, owner, sent.sealed)
    context = {
        "s": s,
        "c": c,
        "sent": sent,
        "postal_code": personal.get("postal_code"),
        "brief_size": await brief_size(pool, s.id),
    }
    return render(request, "citizen/my_receipt_print.html", context)


@require("citizen")
async def own_brief(request: Request) -> Response:
    s = await own_submission(request)
    brief = await brief_of(request.state.pool, s.id)
    if brief is None:
        raise HTTPException(404)
    return pdf_response(brief.content, f"memoire-{s.receipt_number}.pdf")


MINE = "/mes-avis/{receipt}"
routes = [
    Route("/mes-avis", my_submissions, name="my_submissions"),
    Route(MINE, my_receipt, name="my_receipt"),
    Route(MINE + "/imprimer", printable_receipt, name="my_receipt_print"),
    Route(MINE + "/memoire", own_brief, name="my_brief"),
    Route(MINE + "/retirer", withdraw, methods=["POST"], name="my_withdraw"),
    Route(MINE + "/appel", appeal, methods=["POST"], name="my_appeal"),
]
