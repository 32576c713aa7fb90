"""The organizers' documents and report: PDFs checked by their content, kept in the
same transaction as the event that names them."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.admin import forms
from app.admin.common import act, attempt, found, show
from app.persistence.files import Pdf
from app.persistence.repository import Repository
from app.services.consultations import attach_document, publish_report, remove_document
from app.web.csrf import protected
from app.web.forms import Errors, texts
from app.web.pagecache import Endpoint
from app.web.pdf import document_pdf, read_pdf, too_large
from app.web.roles import require, staff_id
from domain import StaffId

Keep = Callable[[Repository, UUID, StaffId, datetime, dict[str, str], Pdf], Awaitable[int | None]]
"""A service that keeps a PDF with its event: `attach_document`, `publish_report`."""


async def upload(request: Request, action: str, keep: Keep) -> Response:
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

    async def command() -> int | None:  # only when the form has no errors: a PDF in hand
        assert pdf is not None
        by, now = staff_id(request), datetime.now(UTC)
        return await keep(request.state.repository, c.id, by, now, titles, pdf)

    return await attempt(request, c, errors, values, action, command)


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
    return await upload(request, "document", attach_document)


@require("organizer")
@bounded("report")
@protected
async def report_publish(request: Request) -> Response:
    return await upload(request, "report", publish_report)


@require("organizer")
@protected
async def document_remove(request: Request) -> Response:
    document_id: UUID = request.path_params["document_id"]
    return await act(request, "document", partial(remove_document, document=document_id))


@require("organizer")
async def document_show(request: Request) -> Response:
    """Any document of any consultation, drafts included, for organizers."""
    return await document_pdf(request, public=False)


ONE = "/consultations/{consultation_id:uuid}"
DOCUMENT = ONE + "/documents/{document_id:uuid}"
routes = [
    Route(ONE + "/rapport", report_publish, methods=["POST"], name="admin_report_publish"),
    Route(ONE + "/documents", document_attach, methods=["POST"], name="admin_document_attach"),
    Route(DOCUMENT, document_show, name="admin_document_show"),
    Route(DOCUMENT + "/retirer", document_remove, methods=["POST"], name="admin_document_remove"),
]
"""Mounted at /admin, with the other admin routes."""
