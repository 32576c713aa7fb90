"""The moderators' workspace at /moderation: a blind queue, oldest first; "take the
next one" leases an item for a few minutes; each decision is one command, and a
decision made meanwhile by someone else is said, with its outcome.

Separation of duties holds here, before the domain: what a moderator keyed as a clerk,
a second opinion on their own proposal, an appeal on a submission they took part in,
are never offered, and posting a decision on them is refused (403).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.moderation.forms import Decision, read_decision
from app.moderation.leases import lease_of, release, take_next
from app.persistence.files import attachment_of
from app.services.commands import ChangedMeanwhileError
from app.services.moderation import (
    TextChangedError,
    decide_appeal,
    propose_refusal,
    publish_submission,
    second_opinion,
)
from app.web.csrf import protected
from app.web.forms import texts
from app.web.pdf import file_response
from app.web.roles import require, staff_id
from app.web.settle import settle
from app.web.templating import render
from domain import DomainError, InvalidRedactionError, ReasonCode, StaffId
from projections import dashboard_queries, moderation_queries
from projections.moderation_queries import Item

READ_MODELS = ("moderation_queue", "public_submissions")
STAGE_ACTIONS = {
    "first": ("publish", "redact", "propose_refusal"),
    "confirm": ("confirm", "overturn"),
    "appeal": ("grant", "dismiss"),
}
"""What each stage of the queue asks of a moderator."""
Run = Callable[[], Awaitable[int | None]]


def home_url(request: Request, **query: str) -> RedirectResponse:
    url = str(request.url_for("moderation:home"))
    return RedirectResponse(f"{url}?{urlencode(query)}" if query else url, status_code=303)


@require("moderator")
async def home(request: Request) -> Response:
    waiting = await moderation_queries.waiting_for(request.state.pool, staff_id(request))
    context = {"waiting": waiting, "notice": request.query_params.get("fait")}
    return render(request, "moderation/home.html", context)


@require("moderator")
@protected
async def queue_next(request: Request) -> Response:
    taken = await take_next(request.state.pool, staff_id(request))
    if taken is None:
        return home_url(request, fait="vide")
    return RedirectResponse(str(request.url_for("moderation:item_show", submission_id=taken)), 303)


class DecidedMeanwhileError(Exception):
    """The item left the queue: someone decided on it (or it was withdrawn)."""


async def eligible_item(request: Request) -> Item:
    """The item, if it still waits and this moderator may decide on it; 403 when they
    may not (never a 404 that would say whether it exists)."""
    submission_id: UUID = request.path_params["submission_id"]
    pool = request.state.pool
    found = await moderation_queries.item(pool, submission_id)
    if found is None:
        raise HTTPException(403)
    if found.stage is None:
        raise DecidedMeanwhileError(submission_id)
    if not await moderation_queries.may_decide(pool, submission_id, staff_id(request)):
        raise HTTPException(403)
    return found


@require("moderator")
async def item_show(request: Request) -> Response:
    try:
        item = await eligible_item(request)
    except DecidedMeanwhileError:
        return await decided_meanwhile(request, request.path_params["submission_id"])
    left = await lease_of(request.state.pool, item.id, staff_id(request))
    if left is None:
        return home_url(request, fait="expire")
    return show(request, item, Decision({}), left.total_seconds())


def show(
    request: Request,
    item: Item,
    decision: Decision,
    seconds_left: float,
    status: int = 200,
    calibrating: bool = False,
) -> Response:
    """The item's page; calibrating, blind to the decision already taken."""
    context: dict[str, Any] = {
        "calibrating": calibrating,
        "text_sha256": sha256(item.text.encode()).hexdigest(),
        "item": item,
        "errors": decision.errors,
        "values": decision.values,
        "minutes_left": max(1, round(seconds_left / 60)),
        "codes": [code.value for code in ReasonCode],
        "passages": range(1, 6),
    }
    return render(request, "moderation/item.html", context, status=status)


@require("moderator")
@protected
async def item_decide(request: Request) -> Response:
    try:
        item = await eligible_item(request)
    except DecidedMeanwhileError:
        return await decided_meanwhile(request, request.path_params["submission_id"])
    has_attachment = item.has_brief or item.has_scan
    decision = read_decision(texts(await request.form()), item.text, has_attachment)
    me = staff_id(request)
    if decision.action and decision.action not in STAGE_ACTIONS.get(item.stage or "", ()):
        decision.errors["action"] = "action_not_at_this_stage"
    if decision.errors:
        left = await lease_of(request.state.pool, item.id, me)
        return show(request, item, decision, left.total_seconds() if left else 60, status=400)
    try:
        position = await command(request, item.id, me, decision)()
    except TextChangedError:
        decision.errors["texte"] = "text_changed"
        return show(request, item, decision, 60, status=409)
    except InvalidRedactionError:
        decision.errors["passage_1"] = "passages_overlap"
        left = await lease_of(request.state.pool, item.id, me)
        return show(request, item, decision, left.total_seconds() if left else 60, status=400)
    except (DomainError, ChangedMeanwhileError):  # decided, withdrawn or appealed meanwhile
        return await decided_meanwhile(request, item.id)
    await release(request.state.pool, item.id, me)
    await settle(request, position, *READ_MODELS)
    return home_url(request, fait=decision.action)


def command(request: Request, submission_id: UUID, me: StaffId, d: Decision) -> Run:
    """The service call a decision names."""
    repository, now = request.state.repository, datetime.now(UTC)
    calls: dict[str, Run] = {
        "publish": lambda: publish_submission(
            repository, submission_id, me, now, [], d.text_sha256, d.attachment
        ),
        "redact": lambda: publish_submission(
            repository, submission_id, me, now, d.redactions, d.text_sha256, d.attachment
        ),
        "propose_refusal": lambda: propose_refusal(
            repository,
            submission_id,
            me,
            now,
            d.reason or ReasonCode.OFF_TOPIC,
            d.note,
            d.text_sha256,
        ),
        "confirm": lambda: second_opinion(repository, submission_id, me, now, confirm=True),
        "overturn": lambda: second_opinion(repository, submission_id, me, now, confirm=False),
        "grant": lambda: decide_appeal(repository, submission_id, me, now, True, d.note),
        "dismiss": lambda: decide_appeal(repository, submission_id, me, now, False, d.note),
    }
    return calls[d.action]


async def decided_meanwhile(request: Request, submission_id: UUID) -> Response:
    """Someone decided first: say so, and what they decided (409)."""
    await release(request.state.pool, submission_id, staff_id(request))
    item = await moderation_queries.item(request.state.pool, submission_id)
    context = {"item": item}
    return render(request, "moderation/decided_meanwhile.html", context, status=409)


@require("moderator")
async def item_attachment(request: Request) -> Response:
    """The brief or the scan, for the moderator who decides on it (never cached)."""
    try:
        item = await eligible_item(request)
    except DecidedMeanwhileError as error:
        raise HTTPException(404) from error
    found = await attachment_of(request.state.pool, item.id)
    if found is None:
        raise HTTPException(404)
    return file_response(found, "piece-jointe", private=True)


@require("moderator")
@protected
async def item_release(request: Request) -> Response:
    await release(request.state.pool, request.path_params["submission_id"], staff_id(request))
    return home_url(request, fait="rendu")


@require("moderator")
async def dashboard(request: Request) -> Response:
    """The queue, the pace, and whether all channels are treated alike."""
    board = await dashboard_queries.dashboard(request.state.pool)
    return render(request, "moderation/dashboard.html", {"board": board})


ONE = "/avis/{submission_id:uuid}"
routes = [
    Route("/", home, name="home"),
    Route("/suivant", queue_next, methods=["POST"], name="queue_next"),
    Route("/tableau", dashboard, name="dashboard"),
    Route(ONE, item_show, name="item_show"),
    Route(ONE + "/decision", item_decide, methods=["POST"], name="item_decide"),
    Route(ONE + "/rendre", item_release, methods=["POST"], name="item_release"),
    Route(ONE + "/piece-jointe", item_attachment, name="item_attachment"),
]
"""Mounted at /moderation, named `moderation`."""
