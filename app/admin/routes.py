"""The organizers' admin: draft, preview, schedule and run a consultation, then report.

Every route needs the organizer role; every POST carries the CSRF token, runs one
command (one atomic save) and answers 303, or shows the form again with its errors
and everything typed. After a command the page waits for the read models to hold
it (read your writes), so the next page shows what was just done.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.admin import documents as admin_documents
from app.admin import forms
from app.admin.common import (
    act,
    error_field,
    found,
    see,
    settle,
    show,
)
from app.persistence.repository import Repository
from app.persistence.staff import staff_names
from app.services.commands import ChangedMeanwhileError
from app.services.consultations import (
    cancel_consultation,
    close_early,
    draft_consultation,
    draft_id,
    edit_consultation,
    extend_deadline,
    open_consultation,
    schedule_consultation,
    set_double_keying,
)
from app.web.consultation_page import consultation_context
from app.web.csrf import protected
from app.web.forms import Errors, check_moment, check_text, texts
from app.web.pagecache import Endpoint
from app.web.roles import require, staff_id
from app.web.templating import render
from domain import DomainError, StaffId
from domain.content import MAX_GRACE_DAYS
from domain.values import MAX_NOTE_LENGTH
from projections import admin as read
from projections import clerk_queries
from projections.admin import AdminConsultation

# Pages ----------------------------------------------------------------------------


@require("organizer")
async def consultation_list(request: Request) -> Response:
    consultations = await read.consultations(request.state.pool)
    context = {"consultations": consultations, "now": datetime.now(UTC)}
    return render(request, "admin/admin_consultation_list.html", context)


@require("organizer")
async def consultation_show(request: Request) -> Response:
    return show(request, await found(request))


@require("organizer")
async def consultation_preview(request: Request) -> Response:
    """The public page, from the same context (app/web/consultation_page.py), under a banner."""
    c = await found(request)
    context = consultation_context(c.as_public(), datetime.now(UTC), preview=True)
    return render(request, "admin/admin_consultation_preview.html", context | {"admin": c})


@require("organizer")
async def consultation_history(request: Request) -> Response:
    c = await found(request)
    entries = await read.history(request.state.pool, c.id)
    return render(request, "admin/admin_consultation_history.html", {"c": c, "entries": entries})


@require("organizer")
async def consultation_corrections(request: Request) -> Response:
    """What clerks corrected in their keying of letters and calls: before and after."""
    c = await found(request)
    pool = request.state.pool
    corrections = await clerk_queries.corrections_of(pool, c.id)
    names = await staff_names(pool, [k.correction.clerk for k in corrections])
    context = {"c": c, "corrections": corrections, "names": names}
    return render(request, "admin/admin_consultation_corrections.html", context)


# Drafting -------------------------------------------------------------------------


def content_form(
    request: Request, form: forms.ContentForm, c: AdminConsultation | None = None
) -> Response:
    context = {
        "form": form,
        "c": c,
        "max_grace_days": MAX_GRACE_DAYS,
        "errors": form.errors,
        "values": form.values,
    }
    status = 400 if form.errors else 200
    return render(request, "admin/admin_consultation_form.html", context, status)


@require("organizer")
async def consultation_new(request: Request) -> Response:
    values = {"form_token": str(uuid.uuid4()), "mail_grace_days": "7"}
    return content_form(request, forms.ContentForm(values))


@require("organizer")
@protected
async def consultation_create(request: Request) -> Response:
    parsed = forms.parse_content(await request.form())
    if parsed.errors:
        return content_form(request, parsed)
    token = forms.form_token(parsed.values) or uuid.uuid4()
    consultation_id = draft_id(str(token))
    by, now = staff_id(request), datetime.now(UTC)
    try:
        position = await draft_consultation(
            request.state.repository, consultation_id, by, now, **parsed.content
        )
    except DomainError as error:
        parsed.errors[error_field(error, "closes_at", "consultation")] = error.code
        return content_form(request, parsed)
    await settle(request, position)
    return see(request, "admin_consultation_show", consultation_id=consultation_id)


@require("organizer")
async def consultation_edit(request: Request) -> Response:
    c = await found(request)
    if c.status != "draft":
        return see(request, "admin_consultation_show", consultation_id=c.id)
    return content_form(request, forms.ContentForm(forms.content_values(c)), c)


@require("organizer")
@protected
async def consultation_update(request: Request) -> Response:
    c = await found(request)
    parsed = forms.parse_content(await request.form())
    if parsed.errors:
        return content_form(request, parsed, c)
    version = parsed.values.get("version", "")
    try:
        by, now = staff_id(request), datetime.now(UTC)
        position = await edit_consultation(
            request.state.repository, c.id, by, now, parsed.content, version
        )
    except DomainError as error:
        parsed.errors[error_field(error, "closes_at", "consultation")] = error.code
        return content_form(request, parsed, c)
    except ChangedMeanwhileError:
        parsed.errors["consultation"] = "changed_meanwhile"
        return content_form(request, parsed, c)
    await settle(request, position)
    return see(request, "admin_consultation_show", consultation_id=c.id)


# Life cycle -----------------------------------------------------------------------


@require("organizer")
@protected
async def consultation_schedule(request: Request) -> Response:
    return await act(request, "schedule", schedule_consultation)


@require("organizer")
@protected
async def consultation_open(request: Request) -> Response:
    return await act(request, "open", open_consultation)


@require("organizer")
@protected
async def consultation_extend(request: Request) -> Response:
    errors: Errors = {}
    new = check_moment(errors, texts(await request.form()), "new_closes_at")

    async def step(
        repository: Repository, consultation_id: UUID, by: StaffId, at: datetime
    ) -> int | None:
        assert new is not None  # `act` runs it only when the form has no error
        return await extend_deadline(repository, consultation_id, by, at, to=new)

    return await act(request, "extend", step, errors, schedule_field="new_closes_at")


async def with_reason(request: Request, action: str, name: str, service: Reasoned) -> Response:
    errors: Errors = {}
    values = texts(await request.form())
    reason = check_text(errors, values, name, MAX_NOTE_LENGTH)
    return await act(request, action, partial(service, reason=reason), errors)


@require("organizer")
@protected
async def consultation_close_early(request: Request) -> Response:
    return await with_reason(request, "close", "close_reason", close_early)


@require("organizer")
@protected
async def consultation_cancel(request: Request) -> Response:
    return await with_reason(request, "cancel", "cancel_reason", cancel_consultation)


@require("organizer")
@protected
async def consultation_double_keying(request: Request) -> Response:
    """Letters keyed twice and reconciled, or once, from now on."""
    required = texts(await request.form()).get("required") == "1"
    return await act(request, "double_keying", partial(set_double_keying, required=required))


Reasoned = Callable[..., Awaitable[int | None]]
"""A life-cycle service that takes a `reason`: closing early, cancelling."""

ONE = "/consultations/{consultation_id:uuid}"


def post(path: str, endpoint: Endpoint, name: str) -> Route:
    return Route(path, endpoint, methods=["POST"], name=name)


routes = [
    Route("/", consultation_list, name="admin_consultation_list"),
    Route("/consultations/nouvelle", consultation_new, name="admin_consultation_new"),
    post("/consultations", consultation_create, "admin_consultation_create"),
    Route(ONE, consultation_show, name="admin_consultation_show"),
    Route(ONE + "/modifier", consultation_edit, name="admin_consultation_edit"),
    post(ONE + "/modifier", consultation_update, "admin_consultation_update"),
    Route(ONE + "/apercu", consultation_preview, name="admin_consultation_preview"),
    Route(ONE + "/historique", consultation_history, name="admin_consultation_history"),
    Route(ONE + "/corrections", consultation_corrections, name="admin_consultation_corrections"),
    post(ONE + "/programmer", consultation_schedule, "admin_consultation_schedule"),
    post(ONE + "/ouvrir", consultation_open, "admin_consultation_open"),
    post(ONE + "/prolonger", consultation_extend, "admin_consultation_extend"),
    post(ONE + "/fermer", consultation_close_early, "admin_consultation_close_early"),
    post(ONE + "/annuler", consultation_cancel, "admin_consultation_cancel"),
    post(ONE + "/double-saisie", consultation_double_keying, "admin_consultation_double_keying"),
    *admin_documents.routes,
]
"""Mounted at /admin."""
