"""Calibration items: a decided opinion shown again, blind (nothing says it was decided,
nor how), to a moderator who neither keyed it nor decided it; their decision is
recorded beside the first and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.moderation.forms import Decision, read_decision
from app.moderation.leases import TAKE_CALIBRATION, lease_of, release, take_next
from app.moderation.routes import home_url, show
from app.services.commands import ChangedMeanwhileError
from app.services.moderation import record_calibration
from app.web.csrf import protected
from app.web.forms import texts
from app.web.roles import require, staff_id
from app.web.settle import settle
from domain import DomainError
from projections import moderation_queries
from projections.moderation_queries import Item

LEASES = "calibration_leases"
OUTCOMES = {"publish": "publish", "redact": "publish_with_redactions", "propose_refusal": "refuse"}


@require("moderator")
@protected
async def calibration_next(request: Request) -> Response:
    taken = await take_next(request.state.pool, staff_id(request), sql=TAKE_CALIBRATION)
    if taken is None:
        return home_url(request, fait="vide")
    url = request.url_for("moderation:calibration_show", submission_id=taken)
    return RedirectResponse(str(url), status_code=303)


async def held_item(request: Request) -> tuple[Item, float]:
    """The item and the seconds left on this moderator's hold of it; 403 otherwise."""
    submission_id: UUID = request.path_params["submission_id"]
    pool = request.state.pool
    left = await lease_of(pool, submission_id, staff_id(request), LEASES)
    found = await moderation_queries.item(pool, submission_id)
    if left is None or found is None:
        raise HTTPException(403)
    return found, left.total_seconds()


@require("moderator")
async def calibration_show(request: Request) -> Response:
    item, left = await held_item(request)
    return show(request, item, Decision({}), left, calibrating=True)


@require("moderator")
@protected
async def calibration_decide(request: Request) -> Response:
    item, left = await held_item(request)
    decision = read_decision(texts(await request.form()), item.text)
    if decision.action and decision.action not in OUTCOMES:
        decision.errors["action"] = "action_not_at_this_stage"
    if decision.errors:
        return show(request, item, decision, left, status=400, calibrating=True)
    reasons = [r.value for _, _, r in decision.redactions] or (
        [decision.reason.value] if decision.reason else []
    )
    me, now = staff_id(request), datetime.now(UTC)
    try:
        position = await record_calibration(
            request.state.repository, item.id, me, now, OUTCOMES[decision.action], reasons
        )
    except (DomainError, ChangedMeanwhileError):
        position = None  # calibrated meanwhile, or no longer calibratable: nothing to add
    await release(request.state.pool, item.id, me, LEASES)
    await settle(request, position, "calibration")
    return home_url(request, fait="calibre")


ONE = "/calibration/{submission_id:uuid}"
routes = [
    Route("/calibration", calibration_next, methods=["POST"], name="calibration_next"),
    Route(ONE, calibration_show, name="calibration_show"),
    Route(ONE + "/decision", calibration_decide, methods=["POST"], name="calibration_decide"),
]
