"""The organizers' documents and report: PDFs checked by their content, kept in the
same transaction as the event that names them."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.admin import forms
from app.admin.common import Command, act, attempt, found, show, staff_id
from app.services.submissions import ChangedMeanwhileError
from app.web.csrf import protected
from app.web.forms import Errors, texts
from app.web.pagecache import Endpoint
from app.web.pdf import Pdf, pdf_response, read_pdf, too_large
from app.web.roles import require
from domain import Consultation, StaffId
from projections import admin as read
from projections.admin import AdminConsultation


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
    document_id = uuid.uuid4()

    async def keep() -> int | None:  # only when the form has no errors: a PDF in hand
        assert pdf is not None
        command = make(staff_id(request), titles, document_id, pdf)
        return await run_keeping(request, c, pdf, document_id, command)

    return await attempt(request, c, errors, values, action, keep)


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
    return await document_pdf(request, public=False)


async def document_download(request: Request) -> Response:
    """Public: a document attached to a public consultation, or its report."""
    return await document_pdf(request, public=True)


async def document_pdf(request: Request, public: bool) -> Response:
    params = request.path_params
    found_document = await read.document(
        request.state.pool, params["consultation_id"], params["document_id"], public=public
    )
    if found_document is None:
        raise HTTPException(404)
    return pdf_response(found_document.content, found_document.filename)


ONE = "/consultations/{consultation_id:uuid}"
DOCUMENT = ONE + "/documents/{document_id:uuid}"
routes = [
    Route(ONE + "/rapport", report_publish, methods=["POST"], name="admin_report_publish"),
    Route(ONE + "/documents", document_attach, methods=["POST"], name="admin_document_attach"),
    Route(DOCUMENT, document_show, name="admin_document_show"),
    Route(DOCUMENT + "/retirer", document_remove, methods=["POST"], name="admin_document_remove"),
]
"""Mounted at /admin, with the other admin routes."""

public_routes = [Route(DOCUMENT, document_download, name="document_download")]
"""Mounted with the public pages."""
