"""Verified transcription: where a consultation asks for it, each letter is keyed a
second time by another clerk, blind (by its scan and its place in the stack, never by
the first keying), then a clerk who keyed neither compares the two word by word and
settles the text; only then is the letter moderated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.clerk.diff import word_diff
from app.clerk.requests import PRIVATE, found
from app.persistence.files import scan_kind
from app.persistence.repository import Repository
from app.persistence.staff import staff_names
from app.services.commands import ChangedMeanwhileError
from app.services.submissions import key_second, reconcile_keyings
from app.web.csrf import protected
from app.web.forms import Errors, check_text, texts
from app.web.roles import require, staff_id
from app.web.settle import settle
from app.web.templating import render
from domain import DomainError, StaffId
from projections import clerk_queries, consultation_queries
from projections.clerk_queries import ClerkSubmission

MAX_TEXT = 20_000
Step = Callable[[Repository, UUID, StaffId, datetime, str], Awaitable[int | None]]


@require("clerk")
async def waiting(request: Request) -> Response:
    pool = request.state.pool
    letters = await clerk_queries.awaiting_keying(pool, staff_id(request))
    consultations = {c.id: c for c in await consultation_queries.consultations(pool)}
    context = {"letters": letters, "consultations": consultations}
    return render(request, "clerk/verification_list.html", context)


async def page(
    request: Request, s: ClerkSubmission, errors: Errors | None = None, text: str = ""
) -> Response:
    """The second keying (blind) or the reconciliation (both keyings compared)."""
    if s.status != "keying":
        url = request.url_for("clerk:submission_show", receipt=s.receipt_number)
        return RedirectResponse(str(url), status_code=303)
    second = s.second_keyed_by is not None
    pool = request.state.pool
    context: dict[str, Any] = {
        "s": s,
        "c": await consultation_queries.consultation(pool, s.consultation_id),
        "scan": await scan_kind(pool, s.id),
        "errors": errors or {},
        "text": text or (s.text if second else ""),
        "reconciling": second,
    }
    if second:
        assert s.second_text is not None
        context["first"], context["second"] = word_diff(s.text, s.second_text)
        context["names"] = await staff_names(pool, [s.keyed_by, s.second_keyed_by])
    response = render(request, "clerk/verification_form.html", context, 400 if errors else 200)
    response.headers.update(PRIVATE)
    return response


@require("clerk")
async def letter(request: Request) -> Response:
    return await page(request, await found(request))


@require("clerk")
@protected
async def settle_letter(request: Request) -> Response:
    """The second keying, or the reconciliation, as the letter stands."""
    s = await found(request)
    values = texts(await request.form())
    errors: Errors = {}
    text = check_text(errors, values, "text", MAX_TEXT)
    step: Step = reconcile_keyings if s.second_keyed_by else key_second
    if not errors:
        try:
            position = await step(
                request.state.repository, s.id, staff_id(request), datetime.now(UTC), text
            )
        except DomainError as error:
            errors["text" if error.code == "text_invalid" else "form"] = error.code
        except ChangedMeanwhileError:
            errors["form"] = "changed_meanwhile"
        else:
            await settle(request, position, "clerk_submissions", "public_submissions")
            return RedirectResponse(str(request.url_for("clerk:verification")), status_code=303)
    return await page(request, s, errors, text)


routes = [
    Route("/verification", waiting, name="verification"),
    Route("/verification/{receipt}", letter, name="verification_letter"),
    Route("/verification/{receipt}", settle_letter, methods=["POST"], name="verification_post"),
]
