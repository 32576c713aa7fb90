"""The online channel: a citizen writes, checks, sends, follows, withdraws, appeals.

One page, one POST: the button pressed says what to do (save the draft, check the
answer, change it, send it). Nothing typed is ever lost: errors, a closed
consultation and an unreachable database all bring the form back as it was sent.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from limits import parse
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.citizen_forms import OpinionForm, new_form, participant_of, read_form, submission_fields
from app.csrf import protected
from app.forms import texts
from app.ratelimit import refused
from app.roles import require
from app.services import (
    ChangedMeanwhileError,
    SubmissionForm,
    existing_receipt,
    receive_submission,
    run_command,
)
from app.sessions import session_of
from app.templating import render
from domain import REGIONS, DomainError, Submission, is_valid_receipt, normalize_receipt
from projections import queries

log = logging.getLogger(__name__)
SUBMISSIONS_PER_ACCOUNT = parse("10/hour")


async def consultation_of(request: Request) -> queries.Consultation:
    found = await queries.consultation(request.state.pool, request.path_params["consultation_id"])
    if found is None:
        raise HTTPException(404)
    return found


async def load_draft(request: Request, consultation: queries.Consultation) -> OpinionForm:
    row = await request.state.pool.fetchrow(
        "SELECT data FROM citizen_drafts WHERE participant_id = $1 AND consultation_id = $2",
        participant_of(session_of(request)),
        consultation.id,
    )
    return OpinionForm(json.loads(row["data"])) if row else new_form()


async def save_draft(
    request: Request, consultation: queries.Consultation, form: OpinionForm
) -> None:
    await request.state.pool.execute(
        "INSERT INTO citizen_drafts (participant_id, consultation_id, form_token, data)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (participant_id, consultation_id)"
        " DO UPDATE SET data = excluded.data, form_token = excluded.form_token, saved_at = now()",
        participant_of(session_of(request)),
        consultation.id,
        form.values.get("form_token", ""),
        json.dumps(form.values),
    )


def show_form(
    request: Request, c: queries.Consultation, form: OpinionForm, status: int = 200, **more: Any
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
    saved = request.query_params.get("enregistre") == "1"
    return show_form(request, c, await load_draft(request, c), saved=saved)


async def opinion_post(request: Request) -> Response:
    """Reached even when the database is down: then the text comes back, unsaved."""
    if request.scope.get("database_down"):
        return await unavailable(request)
    return await _opinion_post(request)


@require("citizen")
@protected
async def _opinion_post(request: Request) -> Response:
    values = texts(await request.form())
    action = values.pop("action", "verifier")
    c = await consultation_of(request)
    form = read_form(values, c)
    if action == "enregistrer" and any("\x00" in v for v in values.values()):
        form.errors.setdefault("form", "text_invalid")  # PostgreSQL text holds no NUL
        return show_form(request, c, form, status=400)
    if action == "enregistrer":
        await save_draft(request, c, OpinionForm(values))
        if request.headers.get("HX-Request") == "true":
            return render(request, "citizen/_draft_status.html", {"saved_at": datetime.now(UTC)})
        url = request.url_for("opinion_form", consultation_id=c.id)
        return RedirectResponse(f"{url}?enregistre=1", status_code=303)
    if action == "modifier" or form.errors:
        return show_form(request, c, form, status=400 if form.errors else 200)
    await save_draft(request, c, form)
    if action == "verifier":
        name = session_of(request).get("name")
        context = {"c": c, "form": form, "session_name": name, **submission_fields(form, c)}
        return render(request, "citizen/opinion_check.html", context)
    return await send(request, c, form)


async def send(request: Request, c: queries.Consultation, form: OpinionForm) -> Response:
    participant = participant_of(session_of(request))
    fields = submission_fields(form, c)
    repository = request.state.repository
    sent_before = await existing_receipt(repository, Submission.create_id(fields["form_token"]))
    if sent_before is not None:  # a double click or a retry: the first receipt, not a limit
        return to_receipt(request, sent_before.receipt_number)
    if first_sending(request, fields["form_token"]):
        limit, key = SUBMISSIONS_PER_ACCOUNT, str(participant)
        limited = await refused(request, limit, "submission", key)
        if limited is not None:
            return limited
    submission = SubmissionForm(participant_id=participant, received_at=datetime.now(UTC), **fields)
    try:
        receipt = await receive_submission(repository, submission)
    except DomainError as error:
        form.errors["form"] = error.code
        return show_form(request, c, form, status=409)
    await request.state.pool.execute(
        "DELETE FROM citizen_drafts WHERE participant_id = $1 AND consultation_id = $2",
        participant,
        c.id,
    )
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


def to_receipt(request: Request, number: str) -> Response:
    return RedirectResponse(str(request.url_for("my_receipt", receipt=number)), status_code=303)


async def wait_for_projection(request: Request, position: int | None) -> None:
    """Read your writes: the receipt page should show what was just sent."""
    try:
        await request.state.store.wait("public_submissions", position, timeout=2)
    except TimeoutError:
        log.warning("public_submissions has not reached %s yet", position)


async def unavailable(request: Request) -> Response:
    values = texts(await request.form())
    answers = [v for k, v in sorted(values.items()) if k.startswith("answer_")]
    return render(request, "citizen/unavailable.html", {"answers": answers}, status=503)


async def own_submission(request: Request) -> queries.Submission:
    text = request.path_params["receipt"]
    found = None
    if is_valid_receipt(text):
        found = await queries.submission_by_receipt(request.state.pool, normalize_receipt(text))
    owner = await _owner(request, found)
    if found is None or owner != participant_of(session_of(request)):
        raise HTTPException(404)  # someone else's looks like no one's
    return found


async def _owner(request: Request, found: queries.Submission | None) -> UUID | None:
    if found is None:
        return None
    owner: UUID | None = await request.state.pool.fetchval(
        "SELECT participant_id FROM public_submissions WHERE submission_id = $1", found.id
    )
    return owner


@require("citizen")
async def my_submissions(request: Request) -> Response:
    pool = request.state.pool
    mine = await queries.submissions_of(pool, participant_of(session_of(request)))
    return render(request, "citizen/my_submissions.html", {"mine": mine, "now": datetime.now(UTC)})


@require("citizen")
async def my_receipt(request: Request) -> Response:
    s = await own_submission(request)
    c = await queries.consultation(request.state.pool, s.consultation_id)
    return render(request, "citizen/my_receipt.html", {"s": s, "c": c, "now": datetime.now(UTC)})


async def _act(request: Request, command: Any) -> Response:
    s = await own_submission(request)
    try:
        position = await run_command(request.state.repository, Submission, s.id, command)
    except (DomainError, ChangedMeanwhileError) as error:
        code = error.code if isinstance(error, DomainError) else "changed_meanwhile"
        c = await queries.consultation(request.state.pool, s.consultation_id)
        context = {"s": s, "c": c, "now": datetime.now(UTC), "error": code}
        return render(request, "citizen/my_receipt.html", context, status=409)
    await wait_for_projection(request, position)
    return to_receipt(request, s.receipt_number)


@require("citizen")
@protected
async def withdraw(request: Request) -> Response:
    s = await own_submission(request)
    c = await queries.consultation(request.state.pool, s.consultation_id)
    closes_at = c.closes_at if c else datetime.now(UTC)
    who, now = participant_of(session_of(request)), datetime.now(UTC)
    return await _act(request, lambda sub: sub.withdraw(who, now, closes_at))


@require("citizen")
@protected
async def appeal(request: Request) -> Response:
    text = texts(await request.form()).get("appeal", "")
    who, now = participant_of(session_of(request)), datetime.now(UTC)
    return await _act(request, lambda sub: sub.appeal(who, now, text))


CONSULTATION = "/consultations/{consultation_id:uuid}/participer"
routes = [
    Route(CONSULTATION, opinion_form, methods=["GET"], name="opinion_form"),
    Route(CONSULTATION, opinion_post, methods=["POST"], name="opinion_post"),
    Route("/mes-avis", my_submissions, name="my_submissions"),
    Route("/mes-avis/{receipt}", my_receipt, name="my_receipt"),
    Route("/mes-avis/{receipt}/retirer", withdraw, methods=["POST"], name="my_withdraw"),
    Route("/mes-avis/{receipt}/appel", appeal, methods=["POST"], name="my_appeal"),
]
