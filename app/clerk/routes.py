"""The clerks' workspace: the day's work, and letters and calls keyed in.

A letter is keyed in stack mode: once saved, the form comes back blank for the next
one, keeping the consultation and the date received, and shows the receipt number
just given (with htmx, in place). A call ends on its receipt number, large, grouped
for reading aloud, with a word per character in the caller's language.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.clerk import forms
from app.clerk.outbox import routes as outbox_routes
from app.clerk.requests import routes as request_routes
from app.clerk.verification import routes as verification_routes
from app.persistence.staff import staff_names
from app.services.commands import ChangedMeanwhileError
from app.services.submissions import receive_submission
from app.web.csrf import protected
from app.web.formatting import MONTREAL
from app.web.forms import local_input, texts
from app.web.pdf import FORM_SLACK, MAX_PDF_BYTES, read_scan, too_large
from app.web.roles import require, staff_id
from app.web.settle import settle
from app.web.templating import render
from domain import REGIONS, Channel, DomainError, is_valid_receipt, normalize_receipt
from projections import clerk_queries, consultation_queries
from projections.consultation_queries import Consultation

READ_MODELS = ("clerk_submissions", "public_submissions")
BODY_LIMIT = 2 * MAX_PDF_BYTES + forms.MAX_TEXT * 4 + FORM_SLACK
"""Below it the form is read, so a scan over 10 MB is refused with everything typed
kept; above it nothing is read."""
Keyed = tuple[str, str | None]
"""A receipt number, and why the letter was recorded late (or None)."""
FIELD_OF_ERROR = {
    "postmark_missing": "postmarked_on",
    "consultation_not_open": "moment",
    "consultation_closed": "moment",
    "grace_period_over": "received_on",
    "dates_inconsistent": "moment",
    "call_start_missing": "call_started_at",
    "call_not_live": "call_started_at",
    "read_back_not_confirmed": "read_back",
    "text_invalid": "text",
    "region_invalid": "region",
}
"""Where a refusal from the domain is shown: at its field, and in the summary."""


def today() -> datetime:
    """The start of today in Montréal: the clerks' day."""
    now = datetime.now(MONTREAL)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


async def keyable(request: Request) -> list[Consultation]:
    """Consultations a letter or a call may be keyed for: opened and not cancelled (a
    letter that comes too late is still recorded, as late)."""
    now = datetime.now(UTC)
    found = await consultation_queries.consultations(request.state.pool)
    return [c for c in found if c.status != "cancelled" and c.opens_at <= now]


@require("clerk")
async def home(request: Request) -> Response:
    now = datetime.now(UTC)
    taking = [c for c in await keyable(request) if c.takes_mail(now)]
    counts = await clerk_queries.keyed_since(request.state.pool, today())
    names = await staff_names(request.state.pool, [row.keyed_by for row in counts])
    context = {"consultations": taking, "counts": counts, "names": names, "now": now}
    return render(request, "clerk/home.html", context)


def show_form(
    request: Request,
    kind: str,
    form: forms.KeyedForm,
    consultations: list[Consultation],
    **more: Any,
) -> Response:
    context = {
        "form": form,
        "values": form.values,
        "errors": form.errors,
        "consultations": consultations,
        "regions": sorted(REGIONS),
        "illegible": forms.ILLEGIBLE,
        **more,
    }
    partial = request.headers.get("HX-Request") == "true"
    # htmx swaps only 2xx answers: in place, the form with its errors must come back as one
    status = 400 if form.errors and not partial else 200
    name = f"clerk/_{kind}_form.html" if partial else f"clerk/{kind}_form.html"
    return render(request, name, context, status=status)


@require("clerk")
async def letter_form(request: Request) -> Response:
    params = request.query_params
    form = blank_letter(params.get("consultation_id", ""), params.get("received_on", ""))
    last = _last_receipt(params.get("dernier"))
    late = params.get("retard") or None
    return show_form(request, "letter", form, await keyable(request), last=last, late=late)


def blank_letter(consultation_id: str, received_on: str) -> forms.KeyedForm:
    """The next letter of the stack: the same consultation and day received."""
    values = {
        "form_token": forms.fresh_token(),
        "consultation_id": consultation_id,
        "received_on": received_on or today().date().isoformat(),
        "language": "fr",
        "show_name": "not_stated",
    }
    return forms.KeyedForm(values)


def _last_receipt(text: str | None) -> str | None:
    return normalize_receipt(text) if text and is_valid_receipt(text) else None


@require("clerk")
@protected
async def letter_create(request: Request) -> Response:
    consultations = await keyable(request)
    if too_large(request, BODY_LIMIT):
        form = blank_letter(request.query_params.get("consultation_id", ""), "")
        form.errors["scan"] = "body_too_large"
        return show_form(request, "letter", form, consultations)
    async with request.form() as data:
        values = texts(data)
        form = forms.read_letter(values, {c.id for c in consultations}, today().date())
        form.scan = await read_scan(form.errors, data, "scan")
    receipt = await _receive(request, form, Channel.MAIL)
    if receipt is None:
        return show_form(request, "letter", form, consultations)
    number, late = receipt
    if request.headers.get("HX-Request") == "true":  # the next blank letter, in place
        blank = blank_letter(values["consultation_id"], values["received_on"])
        return show_form(request, "letter", blank, consultations, last=number, late=late)
    query = {"consultation_id": values["consultation_id"], "received_on": values["received_on"]}
    query.update(dernier=number, **({"retard": late} if late else {}))
    url = request.url_for("clerk:letter_form")
    return RedirectResponse(f"{url}?{urlencode(query)}", status_code=303)


@require("clerk")
async def call_form(request: Request) -> Response:
    values = {
        "form_token": forms.fresh_token(),
        "consultation_id": request.query_params.get("consultation_id", ""),
        "call_started_at": local_input(datetime.now(UTC)),
        "language": "fr",
    }
    return show_form(request, "call", forms.KeyedForm(values), await keyable(request))


@require("clerk")
@protected
async def call_create(request: Request) -> Response:
    consultations = await keyable(request)
    values = texts(await request.form())
    form = forms.read_call(values, {c.id for c in consultations}, datetime.now(UTC))
    receipt = await _receive(request, form, Channel.PHONE)
    if receipt is None:
        return show_form(request, "call", form, consultations)
    url = request.url_for("clerk:call_receipt", receipt=receipt[0])
    return RedirectResponse(f"{url}?langue={values['language']}", status_code=303)


async def _receive(
    request: Request, form: forms.KeyedForm, channel: Channel
) -> tuple[str, str | None] | None:
    """The receipt number (and why it is late), or None with the errors in the form."""
    if form.errors:
        return None
    now = datetime.now(UTC)
    submission = forms.submission_form(form, channel, staff_id(request), now)
    try:
        receipt = await receive_submission(request.state.repository, submission)
    except DomainError as error:
        form.errors[_field(error.code, channel)] = error.code
        return None
    except ChangedMeanwhileError:
        form.errors["form"] = "changed_meanwhile"
        return None
    await settle(request, receipt.notification_id, *READ_MODELS)
    return receipt.receipt_number, receipt.late_reason


def _field(code: str, channel: Channel) -> str:
    field = FIELD_OF_ERROR.get(code, "form")
    if field == "moment":
        return "postmarked_on" if channel is Channel.MAIL else "call_started_at"
    return field


@require("clerk")
async def call_receipt(request: Request) -> Response:
    """The number to read to the caller, who is still on the line."""
    text = request.path_params["receipt"]
    found = None
    if is_valid_receipt(text):
        found = await clerk_queries.by_receipt(request.state.pool, normalize_receipt(text))
    if found is None or found.channel != Channel.PHONE.value:
        raise HTTPException(404)
    language = request.query_params.get("langue", found.language)
    context = {"s": found, "caller_language": language if language in ("fr", "en") else "fr"}
    return render(request, "clerk/call_receipt.html", context)


routes = [
    Route("/", home, name="home"),
    Route("/lettre", letter_form, methods=["GET"], name="letter_form"),
    Route("/lettre", letter_create, methods=["POST"], name="letter_create"),
    Route("/appel", call_form, methods=["GET"], name="call_form"),
    Route("/appel", call_create, methods=["POST"], name="call_create"),
    Route("/appel/{receipt}", call_receipt, name="call_receipt"),
    *request_routes,
    *verification_routes,
    *outbox_routes,
]
"""Mounted at /saisie, named `clerk`."""
