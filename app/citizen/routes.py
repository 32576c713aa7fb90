"""The online channel: a citizen writes, checks, sends, follows, withdraws, appeals.

One page, one POST: the button pressed says what to do (save the draft, check the
answer, change it, send it). Nothing typed is ever lost: errors, a closed
consultation and an unreachable database all bring the form back as it was sent.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from limits import parse
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.citizen import receipts
from app.citizen.drafts import KEEP, draft_brief, forget_draft, load_draft, save_draft
from app.citizen.forms import (
    MAX_ANSWER,
    NOT_OPEN,
    OpinionForm,
    not_open_status,
    participant_of,
    personal_fields,
    read_form,
    submission_fields,
)
from app.citizen.receipts import to_receipt, wait_for_projection
from app.services.participants import seal_for
from app.services.submissions import (
    SubmissionForm,
    existing_receipt,
    receive_submission,
)
from app.web.csrf import protected
from app.web.forms import texts
from app.web.pdf import FORM_SLACK, MAX_PDF_BYTES, pdf_response, read_pdf, too_large
from app.web.ratelimit import refused
from app.web.roles import require
from app.web.sessions import session_of
from app.web.templating import render
from domain import REGIONS, DomainError, Submission
from projections import consultation_queries
from projections.consultation_queries import Consultation

log = logging.getLogger(__name__)
SUBMISSIONS_PER_ACCOUNT = parse("10/hour")
BODY_LIMIT = 2 * MAX_PDF_BYTES + MAX_ANSWER * 4 * 10 + FORM_SLACK
"""Twice the largest brief, ten answers of 20 000 four-byte characters and the rest.
Below it the form is read, so a PDF over 10 MB is refused with the text kept; above
it nothing is read, and the last saved draft comes back."""


PINNED = "brief_sha256"
"""The check page's hidden field: the brief it showed, by SHA-256."""


async def consultation_of(request: Request) -> Consultation:
    found = await consultation_queries.consultation(
        request.state.pool, request.path_params["consultation_id"]
    )
    if found is None:
        raise HTTPException(404)
    return found


def show_form(
    request: Request, c: Consultation, form: OpinionForm, status: int = 200, **more: Any
) -> Response:
    context = {
        "c": c,
        "form": form,
        "values": form.values,
        "errors": form.errors,
        "regions": sorted(REGIONS),
        **more,
    }
    return render(request, "citizen/opinion_form.html", context, status=status)


@require("citizen")
async def opinion_form(request: Request) -> Response:
    c = await consultation_of(request)
    if (phase := c.phase(datetime.now(UTC))) != "open":
        return await not_open(request, c, phase)
    saved = request.query_params.get("enregistre") == "1"
    return show_form(request, c, await load_draft(request, c), saved=saved)


async def not_open(request: Request, c: Consultation, phase: str) -> Response:
    """Said up front, with no form to fill in for nothing. Not yet open is 403 (it will
    be allowed later); closed or cancelled is 410, for a consultation never reopens.
    A draft kept from before is shown to copy, and left in place."""
    form = await load_draft(request, c)
    answers = [(q, a) for q, a in zip(c.questions, form.answers(c), strict=True) if a.strip()]
    context = {"c": c, "phase": phase, "answers": answers}
    status = not_open_status(phase)
    return render(request, "citizen/opinion_not_open.html", context, status=status)


async def opinion_post(request: Request) -> Response:
    """Reached even when the database is down: then the text comes back, unsaved."""
    if too_large(request, BODY_LIMIT):
        if request.scope.get("database_down"):
            return render(request, "citizen/unavailable.html", {"answers": []}, status=503)
        return await _refuse_large_body(request)
    if request.scope.get("database_down"):
        return await unavailable(request)
    return await _opinion_post(request)


@require("citizen")
@protected
async def _opinion_post(request: Request) -> Response:
    data = await request.form()
    try:
        values = texts(data)
        action, remove = values.pop("action", "verifier"), values.pop("remove_brief", "") == "on"
        c = await consultation_of(request)
        form = read_form(values, c)
        upload = await read_pdf(form.errors, data, "brief", required=False)
    finally:
        await data.close()  # the spooled upload: Starlette leaves closing it to us
    if any("\x00" in v for v in values.values()):
        form.errors.setdefault("form", "text_invalid")  # PostgreSQL text holds no NUL
        return show_form(request, c, form, status=400)
    await save_draft(request, c, form, upload.content if upload else None if remove else KEEP)
    phase = c.phase(datetime.now(UTC))
    if action == "enregistrer" and "brief" not in form.errors:
        if request.headers.get("HX-Request") == "true":  # saved, and whether it can be sent
            note = {"saved_at": datetime.now(UTC), "not_open": NOT_OPEN.get(phase)}
            return render(request, "citizen/_draft_status.html", note)
        url = request.url_for("opinion_form", consultation_id=c.id)
        return RedirectResponse(f"{url}?enregistre=1", status_code=303)
    if action != "envoyer" and phase in NOT_OPEN:
        form.errors["form"] = NOT_OPEN[phase]  # said first: nothing checked now could be sent
        return show_form(request, c, form, status=not_open_status(phase))
    if action in ("modifier", "enregistrer") or form.errors:
        return show_form(request, c, form, status=400 if form.errors else 200)
    if action == "verifier":
        form.values[PINNED] = form.brief_sha256
        name = session_of(request).get("name")
        fields = {**submission_fields(form, c), **personal_fields(form)}
        context = {"c": c, "form": form, "session_name": name, **fields}
        return render(request, "citizen/opinion_check.html", context)
    return await send(request, c, form)


@require("citizen")
async def _refuse_large_body(request: Request) -> Response:
    """Over the limit, unread: the form comes back as last saved, with the reason."""
    c = await consultation_of(request)
    form = await load_draft(request, c)
    form.errors["brief"] = "body_too_large"
    return show_form(request, c, form, status=413)


async def send(request: Request, c: Consultation, form: OpinionForm) -> Response:
    participant = participant_of(session_of(request))
    fields = submission_fields(form, c)
    repository = request.state.repository
    sent_before = await existing_receipt(repository, Submission.create_id(fields["form_token"]))
    if sent_before is not None:  # a double click or a retry: the first receipt, not a limit
        await forget_draft(request, c, fields["form_token"])
        return to_receipt(request, sent_before.receipt_number)
    if form.values.get(PINNED, "") != form.brief_sha256:  # changed in another tab meanwhile
        form.errors["brief"] = "brief_changed"
        return show_form(request, c, form, status=409)
    if first_sending(request, fields["form_token"]):
        limit, key = SUBMISSIONS_PER_ACCOUNT, str(participant)
        back_to = str(request.url_for("opinion_form", consultation_id=c.id))
        limited = await refused(request, limit, "submission", key, back_to=back_to)
        if limited is not None:
            return limited
    sealed = await seal_for(request.state.store, participant, personal_fields(form))
    brief = await draft_brief(request, c.id)
    submission = SubmissionForm(
        participant_id=participant,
        received_at=datetime.now(UTC),
        sealed=sealed,
        brief=brief,
        **fields,
    )
    try:
        receipt = await receive_submission(repository, submission)
    except DomainError as error:
        form.errors["form"] = error.code
        return show_form(request, c, form, status=409)
    await forget_draft(request, c, fields["form_token"])
    await wait_for_projection(request, receipt.notification_id)
    return to_receipt(request, receipt.receipt_number)


def first_sending(request: Request, form_token: str) -> bool:
    """Count a form once against the limit, however many times it is posted at once."""
    seen: OrderedDict[str, None] = request.app.state.forms_counted
    if form_token in seen:
        return False
    seen[form_token] = None
    while len(seen) > 10_000:
        seen.popitem(last=False)
    return True


@require("citizen")
async def draft_brief_download(request: Request) -> Response:
    """The brief kept with the person's own draft, to check it before sending."""
    brief = await draft_brief(request, request.path_params["consultation_id"])
    if brief is None:
        raise HTTPException(404)
    return pdf_response(brief, "memoire.pdf")


async def unavailable(request: Request) -> Response:
    async with request.form() as data:
        values = texts(data)
    answers = [v for k, v in sorted(values.items()) if k.startswith("answer_")]
    return render(request, "citizen/unavailable.html", {"answers": answers}, status=503)


CONSULTATION = "/consultations/{consultation_id:uuid}/participer"
routes = [
    Route(CONSULTATION, opinion_form, methods=["GET"], name="opinion_form"),
    Route(CONSULTATION, opinion_post, methods=["POST"], name="opinion_post"),
    Route(CONSULTATION + "/memoire", draft_brief_download, name="opinion_brief"),
    *receipts.routes,
]
