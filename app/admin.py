"""The organizers' admin: draft, preview, schedule and run a consultation, then report.

Every route needs the organizer role; every POST carries the CSRF token, runs one
command (one atomic save) and answers 303, or shows the form again with its errors
and everything typed. After a command the page waits for the read models to hold
it (read your writes), so the next page shows what was just done.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app import admin_forms as forms
from app.csrf import protected
from app.forms import Errors, check_text, texts
from app.pagecache import Endpoint
from app.pdf import MAX_PDF_BYTES, Pdf, pdf_response, read_pdf, too_large
from app.repository import AggregateNotFoundError
from app.roles import require
from app.services import ChangedMeanwhileError, run_command
from app.sessions import session_of
from app.templating import render
from domain import Consultation, DomainError, StaffId
from domain.content import MAX_GRACE_DAYS
from domain.values import MAX_NOTE_LENGTH
from projections import admin as read
from projections.admin import AdminConsultation, AdminConsultations

log = logging.getLogger(__name__)

READ_MODELS = (AdminConsultations.name, "public_consultations")
DRAFT_IDS = uuid.UUID("6f0b8e2c-3a59-4c47-9a0e-5d1f0c7b2a11")  # uuid5 namespace of drafts
Command = Callable[[Consultation], object]


def staff_id(request: Request) -> StaffId:
    return StaffId(session_of(request)["staff_id"])


async def settle(request: Request, position: int | None) -> None:
    """Read your writes: wait (briefly) until the read models hold the new events."""
    if position is None:
        return
    for name in READ_MODELS:
        try:
            await request.state.store.wait(name, position, timeout=2)
        except TimeoutError:
            log.warning("%s has not reached %s yet; the page may lag", name, position)


def see(request: Request, name: str, **params: Any) -> RedirectResponse:
    return RedirectResponse(request.url_for(name, **params), status_code=303)


async def found(request: Request) -> AdminConsultation:
    consultation_id: UUID = request.path_params["consultation_id"]
    consultation = await read.consultation(request.state.pool, consultation_id)
    if consultation is None:
        raise HTTPException(404)
    return consultation


async def run(request: Request, consultation_id: UUID, command: Command) -> int | None:
    try:
        return await run_command(request.state.repository, Consultation, consultation_id, command)
    except AggregateNotFoundError as error:
        raise HTTPException(404) from error


# Pages ----------------------------------------------------------------------------


@require("organizer")
async def consultation_list(request: Request) -> Response:
    consultations = await read.consultations(request.state.pool)
    context = {"consultations": consultations, "now": datetime.now(UTC)}
    return render(request, "admin/admin_consultation_list.html", context)


def allowed(c: AdminConsultation, now: datetime) -> set[str]:
    """What the show page offers, by phase; the domain still has the last word."""
    phase = c.phase(now)
    offered = {
        "draft": {"edit", "schedule", "open", "cancel", "document"},
        "upcoming": {"open", "extend", "cancel", "document"},
        "open": {"extend", "close", "cancel", "document"},
        "closed": {"document"} if c.report_published_at else {"report", "document"},
        "cancelled": set(),
    }
    return offered[phase]


def show(
    request: Request,
    c: AdminConsultation,
    errors: Errors | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    now = datetime.now(UTC)
    offered = allowed(c, now)
    context = {
        "c": c,
        "phase": c.phase(now),
        "allowed": offered,
        "decisions": bool(offered - {"edit", "document"}),
        "errors": errors or {},
        "values": values or {},
        "max_pdf_mb": MAX_PDF_BYTES // (1024 * 1024),
    }
    return render(request, "admin/admin_consultation_show.html", context, 400 if errors else 200)


@require("organizer")
async def consultation_show(request: Request) -> Response:
    return show(request, await found(request))


@require("organizer")
async def consultation_preview(request: Request) -> Response:
    """Exactly the public page, built from the draft, under a banner."""
    c = await found(request)
    public = c.as_public()
    context = {"c": public, "phase": public.phase(datetime.now(UTC)), "admin": c}
    return render(request, "admin/admin_consultation_preview.html", context)


@require("organizer")
async def consultation_history(request: Request) -> Response:
    c = await found(request)
    entries = await read.history(request.state.pool, c.id)
    return render(request, "admin/admin_consultation_history.html", {"c": c, "entries": entries})


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
    consultation_id = uuid.uuid5(DRAFT_IDS, str(token))
    try:
        c = Consultation.draft(
            consultation_id, by=staff_id(request), at=datetime.now(UTC), **parsed.content
        )
        position = await request.state.repository.save(c)
    except DomainError as error:
        parsed.errors[error_field(error, "closes_at", "consultation")] = error.code
        return content_form(request, parsed)
    except IntegrityError:
        position = None  # the same form sent twice: the first draft stands
    await settle(request, position)
    return see(request, "admin_consultation_show", consultation_id=consultation_id)


@require("organizer")
async def consultation_edit(request: Request) -> Response:
    c = await found(request)
    if c.status != "draft":
        return see(request, "admin_consultation_show", consultation_id=c.id)
    return content_form(request, forms.ContentForm(forms.content_values(c)), c)


def edit_command(by: StaffId, content: dict[str, Any], version: str) -> Command:
    """Only the fields that changed, and only if no one changed the draft meanwhile."""

    def command(c: Consultation) -> None:
        if str(c.version) != version:
            raise ChangedMeanwhileError(c.id)
        changes = {k: v for k, v in content.items() if getattr(c, k) != v}
        if changes:
            c.edit(by, datetime.now(UTC), **changes)

    return command


@require("organizer")
@protected
async def consultation_update(request: Request) -> Response:
    c = await found(request)
    parsed = forms.parse_content(await request.form())
    if parsed.errors:
        return content_form(request, parsed, c)
    version = parsed.values.get("version", "")
    try:
        command = edit_command(staff_id(request), parsed.content, version)
        position = await run(request, c.id, command)
    except DomainError as error:
        parsed.errors[error_field(error, "closes_at", "consultation")] = error.code
        return content_form(request, parsed, c)
    except ChangedMeanwhileError:
        parsed.errors["consultation"] = "changed_meanwhile"
        return content_form(request, parsed, c)
    await settle(request, position)
    return see(request, "admin_consultation_show", consultation_id=c.id)


def error_field(error: DomainError, schedule_field: str, form_name: str) -> str:
    """Where on the page the domain's refusal is shown: a schedule at its date field."""
    return schedule_field if error.code == "schedule_invalid" else form_name


# Life cycle -----------------------------------------------------------------------


async def act(
    request: Request,
    action: str,
    make: Callable[[StaffId, datetime], Command],
    errors: Errors | None = None,
    schedule_field: str | None = None,
) -> Response:
    """Run one life-cycle command, then 303 to the consultation; or its page with errors."""
    c = await found(request)
    values = texts(await request.form())
    errors = errors or {}
    if not errors:
        try:
            position = await run(request, c.id, make(staff_id(request), datetime.now(UTC)))
        except DomainError as error:
            errors[error_field(error, schedule_field or action, action)] = error.code
        except ChangedMeanwhileError:
            errors[action] = "changed_meanwhile"
        else:
            await settle(request, position)
            return see(request, "admin_consultation_show", consultation_id=c.id)
    return show(request, c, errors, values)


@require("organizer")
@protected
async def consultation_schedule(request: Request) -> Response:
    return await act(request, "schedule", lambda by, at: lambda c: c.schedule(by, at))


@require("organizer")
@protected
async def consultation_open(request: Request) -> Response:
    return await act(request, "open", lambda by, at: lambda c: c.open(by, at))


@require("organizer")
@protected
async def consultation_extend(request: Request) -> Response:
    errors: Errors = {}
    new = forms.check_moment(errors, texts(await request.form()), "new_closes_at")

    def make(by: StaffId, at: datetime) -> Command:
        assert new is not None
        return lambda c: c.extend_deadline(by, at, new)

    return await act(request, "extend", make, errors, schedule_field="new_closes_at")


async def with_reason(request: Request, action: str, name: str, method: str) -> Response:
    errors: Errors = {}
    values = texts(await request.form())
    reason = check_text(errors, values, name, MAX_NOTE_LENGTH)

    def make(by: StaffId, at: datetime) -> Command:
        return lambda c: getattr(c, method)(by, at, reason)

    return await act(request, action, make, errors)


@require("organizer")
@protected
async def consultation_close_early(request: Request) -> Response:
    return await with_reason(request, "close", "close_reason", "close_early")


@require("organizer")
@protected
async def consultation_cancel(request: Request) -> Response:
    return await with_reason(request, "cancel", "cancel_reason", "cancel")


# Documents and the report -----------------------------------------------------------


async def store_document(
    conn: Any, consultation_id: UUID, document_id: UUID, pdf: Pdf, by: str
) -> None:
    """A PDF's bytes, in the caller's transaction with the event that names it."""
    await conn.execute(
        "INSERT INTO documents (document_id, consultation_id, filename, content, size,"
        " sha256, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        document_id,
        consultation_id,
        pdf.filename,
        pdf.content,
        len(pdf.content),
        pdf.sha256,
        by,
    )


async def run_keeping(
    request: Request, c: AdminConsultation, pdf: Pdf, document_id: UUID, command: Command
) -> int | None:
    """The command's events and the PDF's bytes in one transaction: neither without the
    other. The domain decides first, so a refused command stores no bytes."""
    repository = request.state.repository
    consultation = await repository.get(c.id, Consultation)
    command(consultation)
    try:
        async with request.state.store.transaction() as conn:
            await store_document(conn, c.id, document_id, pdf, staff_id(request))
            position: int | None = await repository.save(consultation, conn=conn)
    except IntegrityError as error:
        raise ChangedMeanwhileError(c.id) from error
    return position


async def upload(
    request: Request,
    action: str,
    make: Callable[[StaffId, dict[str, str], UUID, Pdf], Command],
) -> Response:
    """A PDF and its two texts (titles, or the report's summary), checked, then kept."""
    c = await found(request)
    form = await request.form()
    values = texts(form)
    errors: Errors = {}
    titles = forms.bilingual(errors, values, action)
    try:
        pdf = await read_pdf(errors, form, f"{action}_file")
    finally:
        await form.close()  # the spooled upload: Starlette leaves closing it to us
    if not errors and pdf is not None:
        document_id = uuid.uuid4()
        command = make(staff_id(request), titles, document_id, pdf)
        try:
            position = await run_keeping(request, c, pdf, document_id, command)
        except DomainError as error:
            errors[action] = error.code
        except ChangedMeanwhileError:
            errors[action] = "changed_meanwhile"
        else:
            await settle(request, position)
            return see(request, "admin_consultation_show", consultation_id=c.id)
    return show(request, c, errors, values)


def bounded(action: str) -> Callable[[Endpoint], Endpoint]:
    """A body far over the limit is refused before it is read (or spooled to disk)."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def check(request: Request) -> Response:
            if too_large(request):
                return show(request, await found(request), {f"{action}_file": "file_too_large"})
            return await endpoint(request)

        return check

    return decorate


@require("organizer")
@bounded("document")
@protected
async def document_attach(request: Request) -> Response:
    def make(by: StaffId, title: dict[str, str], document_id: UUID, pdf: Pdf) -> Command:
        at, size = datetime.now(UTC), len(pdf.content)
        return lambda c: c.attach_document(
            by, at, document_id=document_id, title=title, filename=pdf.filename, size=size
        )

    return await upload(request, "document", make)


@require("organizer")
@bounded("report")
@protected
async def report_publish(request: Request) -> Response:
    def make(by: StaffId, summary: dict[str, str], document_id: UUID, _: Pdf) -> Command:
        at = datetime.now(UTC)
        return lambda c: c.publish_report(by, at, summary, str(document_id))

    return await upload(request, "report", make)


@require("organizer")
@protected
async def document_remove(request: Request) -> Response:
    document_id: UUID = request.path_params["document_id"]
    return await act(
        request, "document", lambda by, at: lambda c: c.remove_document(by, at, document_id)
    )


@require("organizer")
async def document_show(request: Request) -> Response:
    """Any document of any consultation, drafts included, for organizers."""
    params = request.path_params
    found_document = await read.document(
        request.state.pool, params["consultation_id"], params["document_id"], public=False
    )
    if found_document is None:
        raise HTTPException(404)
    return pdf_response(found_document.content, found_document.filename)


async def document_download(request: Request) -> Response:
    """Public: a document attached to a public consultation, or its report."""
    params = request.path_params
    found_document = await read.document(
        request.state.pool, params["consultation_id"], params["document_id"], public=True
    )
    if found_document is None:
        raise HTTPException(404)
    return pdf_response(found_document.content, found_document.filename)


ONE = "/consultations/{consultation_id:uuid}"
DOCUMENT = ONE + "/documents/{document_id:uuid}"


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
    post(ONE + "/programmer", consultation_schedule, "admin_consultation_schedule"),
    post(ONE + "/ouvrir", consultation_open, "admin_consultation_open"),
    post(ONE + "/prolonger", consultation_extend, "admin_consultation_extend"),
    post(ONE + "/fermer", consultation_close_early, "admin_consultation_close_early"),
    post(ONE + "/annuler", consultation_cancel, "admin_consultation_cancel"),
    post(ONE + "/rapport", report_publish, "admin_report_publish"),
    post(ONE + "/documents", document_attach, "admin_document_attach"),
    Route(DOCUMENT, document_show, name="admin_document_show"),
    post(DOCUMENT + "/retirer", document_remove, "admin_document_remove"),
]
"""Mounted at /admin."""

public_routes = [Route(DOCUMENT, document_download, name="document_download")]
"""Mounted with the public pages."""
