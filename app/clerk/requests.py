"""A submission found by its receipt number, for a person who wrote or called: its
status, and what a clerk records for them (a withdrawal, an appeal) or fixes in their
own keying (a correction, before any moderator acts).

The page opens the writer's name and contact: it is never cached (`no-store`).
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

from app.persistence.files import scan_kind, scan_of
from app.persistence.repository import Repository
from app.persistence.staff import staff_names
from app.services.commands import ChangedMeanwhileError
from app.services.participants import unseal_for
from app.services.submissions import (
    appeal_on_request,
    correct_transcription,
    withdraw_on_request,
)
from app.web.csrf import protected
from app.web.forms import Errors, check_text, texts
from app.web.pdf import file_response
from app.web.roles import require, staff_id
from app.web.settle import settle
from app.web.templating import render
from domain import Channel, DomainError, InvalidReceiptNumberError, normalize_receipt
from projections import clerk_queries, consultation_queries
from projections.clerk_queries import ClerkSubmission

MAX_REQUEST_TEXT = 20_000
PRIVATE = {"Cache-Control": "no-store"}
Change = Callable[[Repository, UUID], Awaitable[int | None]]


def find_receipt(text: str) -> tuple[str | None, str | None]:
    """The number in canonical form, or why not: a typo (the check character says so)."""
    try:
        return normalize_receipt(text), None
    except InvalidReceiptNumberError:
        return None, "receipt_typo"


@require("clerk")
async def lookup(request: Request) -> Response:
    typed = request.query_params.get("numero", "").strip()
    error = None
    if typed:
        number, error = find_receipt(typed)
        if number is not None:
            if await clerk_queries.by_receipt(request.state.pool, number) is not None:
                url = request.url_for("clerk:submission_show", receipt=number)
                return RedirectResponse(str(url), status_code=303)
            error = "receipt_unknown"
    status = 404 if error == "receipt_unknown" else 400 if error else 200
    return render(request, "clerk/lookup.html", {"typed": typed, "error": error}, status=status)


async def found(request: Request) -> ClerkSubmission:
    number, _ = find_receipt(request.path_params["receipt"])
    s = await clerk_queries.by_receipt(request.state.pool, number) if number else None
    if s is None:
        raise HTTPException(404)
    return s


@require("clerk")
async def submission_show(request: Request) -> Response:
    return await show(request, await found(request))


async def show(
    request: Request,
    s: ClerkSubmission,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    pool = request.state.pool
    keyed = s.keyed_by is not None  # an online author acts from their own pages
    mine = s.keyed_by == staff_id(request)
    context: dict[str, Any] = {
        "s": s,
        "c": await consultation_queries.consultation(pool, s.consultation_id),
        "writer": await unseal_for(request.state.store, s.participant_id, s.sealed)
        if keyed
        else {},
        "keyed": keyed,
        "mine": mine,
        "text_shown": s.status != "keying" or mine,  # the second keying is blind
        "scan": await scan_kind(pool, s.id),
        "names": await staff_names(pool, [s.keyed_by, *(c.clerk for c in s.corrections)]),
        "errors": errors or {},
        "values": values or {"text": s.text},
        "now": datetime.now(UTC),
    }
    response = render(request, "clerk/submission_show.html", context, status=400 if errors else 200)
    response.headers.update(PRIVATE)
    return response


async def act(
    request: Request, s: ClerkSubmission, action: str, change: Change, values: dict[str, str]
) -> Response:
    """Run the change, then 303 to the submission; or its page with the reason."""
    try:
        position = await change(request.state.repository, s.id)
    except DomainError as error:
        closed = action == "withdraw" and error.code == "consultation_closed"
        return await show(
            request, s, {action: "withdrawal_closed" if closed else error.code}, values
        )
    except ChangedMeanwhileError:
        return await show(request, s, {action: "changed_meanwhile"}, values)
    await settle(request, position, "clerk_submissions", "public_submissions")
    url = request.url_for("clerk:submission_show", receipt=s.receipt_number)
    return RedirectResponse(str(url), status_code=303)


def requested_via(
    errors: Errors, values: dict[str, str], action: str, s: ClerkSubmission
) -> Channel:
    """How the person asked, and that the clerk checked it is them: by the name and the
    address or phone on file. An online author acts from their own pages (403)."""
    if s.keyed_by is None:
        raise HTTPException(403)
    if values.get("identity_checked") != "on":
        errors[f"{action}_identity"] = "identity_not_checked"
    if values.get("requested_via") not in (Channel.MAIL.value, Channel.PHONE.value):
        errors[f"{action}_via"] = "required"
        return Channel.PHONE
    return Channel(values["requested_via"])


@require("clerk")
@protected
async def withdraw(request: Request) -> Response:
    s = await found(request)
    values = texts(await request.form())
    errors: Errors = {}
    via = requested_via(errors, values, "withdraw", s)
    if errors:
        return await show(request, s, errors, values)
    c = await consultation_queries.consultation(request.state.pool, s.consultation_id)
    closes_at = c.closes_at if c else datetime.now(UTC)
    clerk, now = staff_id(request), datetime.now(UTC)

    async def change(repository: Repository, submission_id: UUID) -> int | None:
        return await withdraw_on_request(repository, submission_id, clerk, now, closes_at, via)

    return await act(request, s, "withdraw", change, values)


@require("clerk")
@protected
async def appeal(request: Request) -> Response:
    s = await found(request)
    values = texts(await request.form())
    errors: Errors = {}
    via = requested_via(errors, values, "appeal", s)
    text = check_text(errors, values, "appeal", MAX_REQUEST_TEXT)
    if errors:
        return await show(request, s, errors, values)
    clerk, now = staff_id(request), datetime.now(UTC)

    async def change(repository: Repository, submission_id: UUID) -> int | None:
        return await appeal_on_request(repository, submission_id, clerk, now, text, via)

    return await act(request, s, "appeal", change, values)


@require("clerk")
@protected
async def correct(request: Request) -> Response:
    s = await found(request)
    values = texts(await request.form())
    errors: Errors = {}
    text = check_text(errors, values, "text", MAX_REQUEST_TEXT)
    if errors:
        return await show(request, s, errors, values)
    clerk, now = staff_id(request), datetime.now(UTC)

    async def change(repository: Repository, submission_id: UUID) -> int | None:
        return await correct_transcription(repository, submission_id, clerk, now, text)

    return await act(request, s, "text", change, values)


@require("clerk")
async def scan(request: Request) -> Response:
    """The letter as it came: for the clerks (and, in time, the moderators) only."""
    s = await found(request)
    found_scan = await scan_of(request.state.pool, s.id)
    if found_scan is None:
        raise HTTPException(404)
    return file_response(found_scan, f"lettre-{s.receipt_number}", private=True)


ONE = "/avis/{receipt}"
routes = [
    Route("/avis", lookup, name="lookup"),
    Route(ONE, submission_show, name="submission_show"),
    Route(ONE + "/numerisation", scan, name="submission_scan"),
    Route(ONE + "/retrait", withdraw, methods=["POST"], name="submission_withdraw"),
    Route(ONE + "/appel", appeal, methods=["POST"], name="submission_appeal"),
    Route(ONE + "/correction", correct, methods=["POST"], name="submission_correct"),
]
