"""What the organizers' admin pages share: who acts, the consultation in hand, one
command run and settled (read your writes), and the consultation's page with errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.persistence.repository import AggregateNotFoundError, Repository
from app.services.commands import ChangedMeanwhileError
from app.web.forms import Errors, texts
from app.web.pdf import MAX_PDF_BYTES
from app.web.roles import staff_id
from app.web.settle import settle as settle_read_models
from app.web.templating import render
from domain import DomainError, StaffId
from projections import admin as read
from projections.admin import AdminConsultation, AdminConsultations

Step = Callable[[Repository, UUID, StaffId, datetime], Awaitable[int | None]]
"""A life-cycle service of app/services/consultations.py, its own values bound."""
READ_MODELS = (AdminConsultations.name, "public_consultations")


async def settle(request: Request, position: int | None) -> None:
    await settle_read_models(request, position, *READ_MODELS)


def see(request: Request, name: str, **params: Any) -> RedirectResponse:
    return RedirectResponse(request.url_for(name, **params), status_code=303)


async def found(request: Request) -> AdminConsultation:
    consultation_id: UUID = request.path_params["consultation_id"]
    consultation = await read.consultation(request.state.pool, consultation_id)
    if consultation is None:
        raise HTTPException(404)
    return consultation


def allowed(c: AdminConsultation, now: datetime) -> set[str]:
    """What the show page offers, by phase; the domain still has the last word."""
    phase = c.phase(now)
    offered = {
        "draft": {"edit", "schedule", "open", "cancel", "document", "double_keying"},
        "upcoming": {"open", "extend", "cancel", "document", "double_keying"},
        "open": {"extend", "close", "cancel", "document", "double_keying"},
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


async def act(
    request: Request,
    action: str,
    step: Step,
    errors: Errors | None = None,
    schedule_field: str | None = None,
) -> Response:
    """Run one life-cycle service, then 303 to the consultation; or its page with errors."""
    c = await found(request)
    values = texts(await request.form())

    async def command() -> int | None:
        try:
            return await step(request.state.repository, c.id, staff_id(request), datetime.now(UTC))
        except AggregateNotFoundError as error:
            raise HTTPException(404) from error

    return await attempt(request, c, errors or {}, values, action, command, schedule_field)


async def attempt(
    request: Request,
    c: AdminConsultation,
    errors: Errors,
    values: dict[str, str],
    action: str,
    command: Callable[[], Awaitable[int | None]],
    schedule_field: str | None = None,
) -> Response:
    """Unless the form has errors, run the command: 303 to the consultation once the read
    models hold it, or the consultation's page with the domain's refusal and all typed."""
    if not errors:
        try:
            position = await command()
        except DomainError as error:
            errors[error_field(error, schedule_field or action, action)] = error.code
        except ChangedMeanwhileError:
            errors[action] = "changed_meanwhile"
        else:
            await settle(request, position)
            return see(request, "admin_consultation_show", consultation_id=c.id)
    return show(request, c, errors, values)


def error_field(error: DomainError, schedule_field: str, form_name: str) -> str:
    """Where on the page the domain's refusal is shown: a schedule at its date field."""
    return schedule_field if error.code == "schedule_invalid" else form_name
