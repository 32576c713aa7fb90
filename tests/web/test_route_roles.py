"""Every route of the app, for every role, against a table of expected outcomes; and
each route a role may use is used for real, and shown to have done what it says.

A route missing from the table fails the test: a new route must say who may use it,
and how to see that it worked (tests/web/route_uses.py). A role refused leaves no
trace in the event store.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from app.asgi import create_app
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from projections.engine.runner import Runner
from projections.registry import all_projections
from tests.web.asgi import BASE_URL
from tests.web.route_uses import CITIZEN_USES, PUBLIC_USES, Seen, Use
from tests.web.route_uses_admin import ADMIN_USES
from tests.web.route_uses_desk import DESK_USES
from tests.web.route_uses_moderation import MODERATION_USES
from tests.web.route_world import World, build_world, draft_with_brief, keyed_at_the_desk
from tests.web.test_sessions import COOKIE, signed_in
from tests.web.test_sign_in import settings as with_providers

ROLES = ("anonymous", "citizen", "clerk", "moderator", "organizer")
EVERYONE = dict.fromkeys(ROLES, "allowed")
ORGANIZERS = {
    "anonymous": "sign_in",
    "citizen": "forbidden",
    "clerk": "forbidden",
    "moderator": "forbidden",
    "organizer": "allowed",
}
PUBLIC = [
    "home", "consultation_show", "submission_list", "statistics", "ledger_show",
    "submission_show", "document_download", "submissions_csv", "submissions_json", "feed",
    "api_consultation_list", "api_consultation_show", "api_submission_list", "api_statistics",
    "api_submission_show", "openapi", "auth_sign_in", "auth_callback", "auth_sign_out", "health",
    "status_lookup", "charter", "api_charter", "attachment_download",
]  # fmt: skip
ADMIN = [
    "admin_consultation_list", "admin_consultation_new", "admin_consultation_create",
    "admin_consultation_show", "admin_consultation_edit", "admin_consultation_update",
    "admin_consultation_preview", "admin_consultation_history", "admin_consultation_schedule",
    "admin_consultation_open", "admin_consultation_extend", "admin_consultation_close_early",
    "admin_consultation_cancel", "admin_report_publish", "admin_document_attach",
    "admin_document_show", "admin_document_remove", "admin_consultation_corrections",
    "admin_consultation_double_keying",
]  # fmt: skip
CITIZENS = {
    "anonymous": "sign_in",
    "citizen": "allowed",
    "clerk": "forbidden",
    "moderator": "forbidden",
    "organizer": "forbidden",
}
CITIZEN = [
    "opinion_form",
    "opinion_post",
    "my_submissions",
    "opinion_brief",
    "my_receipt",
    "my_receipt_print",
    "my_brief",
    "my_withdraw",
    "my_appeal",
]
CLERKS = {
    "anonymous": "sign_in",
    "citizen": "forbidden",
    "clerk": "allowed",
    "moderator": "forbidden",
    "organizer": "forbidden",
}
DESK = [
    "clerk:home", "clerk:letter_form", "clerk:letter_create", "clerk:call_form",
    "clerk:call_create", "clerk:call_receipt", "clerk:lookup", "clerk:submission_show",
    "clerk:submission_scan", "clerk:submission_withdraw", "clerk:submission_appeal",
    "clerk:submission_correct", "clerk:outbox", "clerk:outbox_pdf", "clerk:outbox_printed",
    "clerk:verification", "clerk:verification_letter", "clerk:verification_post",
]  # fmt: skip
MODERATORS = {
    "anonymous": "sign_in",
    "citizen": "forbidden",
    "clerk": "forbidden",
    "moderator": "allowed",
    "organizer": "forbidden",
}
MODERATION = [
    "moderation:home", "moderation:queue_next", "moderation:item_show",
    "moderation:item_decide", "moderation:item_release", "moderation:dashboard",
    "moderation:item_attachment",
    "moderation:calibration_next", "moderation:calibration_show", "moderation:calibration_decide",
]  # fmt: skip
EXPECTED = {
    **dict.fromkeys(PUBLIC, EVERYONE),
    **dict.fromkeys(ADMIN, ORGANIZERS),
    **dict.fromkeys(CITIZEN, CITIZENS),
    **dict.fromkeys(DESK, CLERKS),
    **dict.fromkeys(MODERATION, MODERATORS),
    # No session, so no CSRF token to match: refused before anything else.
    "auth_sign_out": {**EVERYONE, "anonymous": "forbidden"},
}
SESSIONS: dict[str, dict[str, Any]] = {
    "citizen": {"kind": "citizen", "name": "Marie", "participant_id": str(uuid4())},
    "clerk": {"kind": "staff", "staff_id": "c1", "name": "Greffier", "roles": ["clerk"]},
    "another clerk": {"kind": "staff", "staff_id": "c2", "name": "Greffière", "roles": ["clerk"]},
    "moderator": {"kind": "staff", "staff_id": "m1", "name": "Mod", "roles": ["moderator"]},
    "organizer": {"kind": "staff", "staff_id": "o1", "name": "Orga", "roles": ["organizer"]},
}
USES = PUBLIC_USES | ADMIN_USES | CITIZEN_USES | DESK_USES | MODERATION_USES


def endpoints(
    routes: list[BaseRoute], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, str]]:
    """(name, path template, method) of every route, mounts included, static aside; a
    named mount's routes by their `url_for` names ("clerk:home")."""
    for route in routes:
        if isinstance(route, Mount) and route.name != "static":
            inner = f"{namespace}{route.name}:" if route.name else namespace
            yield from endpoints(route.routes, prefix + route.path, inner)
        elif isinstance(route, Route):
            method = "POST" if "POST" in (route.methods or ()) else "GET"
            yield namespace + route.name, prefix + route.path, method


@pytest.fixture
async def app(database_url: str, store: EventStore) -> AsyncIterator[tuple[Starlette, Any]]:
    """The application (for its routes) and the same app running its lifespan, with a
    projector beside it as in production."""
    settings = replace(with_providers(), page_cache_seconds=0, rate_per_address="10000/minute")
    application = create_app(database_url, settings, projector=False)
    stop = asyncio.Event()
    runner = Runner(store, build_mapper(), all_projections(), poll_interval=0.1)
    running = asyncio.create_task(runner.run(stop))
    try:
        async with LifespanManager(application) as manager:
            yield application, manager.app
    finally:
        stop.set()
        await running


@asynccontextmanager
async def client_of(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
async def world(store: EventStore, app: tuple[Starlette, Any], pool: asyncpg.Pool) -> World:
    """Made through the services and aggregates; the citizen's draft saved through the
    form, the clerk's letters and call keyed through the desk's; projected."""
    repository = Repository(store, build_mapper())
    built = await build_world(repository, UUID(SESSIONS["citizen"]["participant_id"]))
    await projected(store)
    async with (
        client_of(app[1]) as citizen,
        client_of(app[1]) as clerk,
        client_of(app[1]) as other,
    ):
        for client, role in ((citizen, "citizen"), (clerk, "clerk"), (other, "another clerk")):
            client.cookies.set(COOKIE, await signed_in(pool, **SESSIONS[role]))
        await draft_with_brief(citizen, built)
        await keyed_at_the_desk(clerk, other, repository, built)
    await projected(store)
    return built


async def projected(store: EventStore) -> None:
    """Every read model holds every event stored so far (the projector runs beside)."""
    head = await store.max_notification_id()
    for projection in all_projections():
        await store.wait(projection.name, head, timeout=10)


def path_of(template: str, params: dict[str, str]) -> str:
    path = template
    for name, value in params.items():
        for suffix in (":uuid}", ":str}", "}"):
            path = path.replace("{" + name + suffix, value)
    assert "{" not in path, f"no value for {path}"
    return path


def outcome(response: httpx.Response) -> str:
    assert response.status_code < 500, f"{response.request.url}: {response.status_code}"
    if response.status_code == 403:
        return "forbidden"
    if response.is_redirect and "/connexion/" in response.headers["location"]:
        return "sign_in"
    return "allowed"


async def send(c: httpx.AsyncClient, method: str, path: str, use: Use, w: World) -> httpx.Response:
    if use.send is not None:
        return await use.send(c, path, w)
    if use.query is not None:
        path = f"{path}?{use.query(w)}"
    if method == "POST":
        form = use.form(w) if use.form else {"csrf_token": "jeton"}
        return await c.post(path, data=form, files=use.files)
    return await c.get(path)


@pytest.fixture
async def witnesses(
    app: tuple[Starlette, Any], pool: asyncpg.Pool
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Who reads the site after each request: anyone, and an organizer."""
    async with client_of(app[1]) as public, client_of(app[1]) as organizer:
        organizer.cookies.set(COOKIE, await signed_in(pool, **SESSIONS["organizer"]))
        yield public, organizer


async def test_every_route_is_in_the_table_with_a_way_to_see_it_work(
    app: tuple[Starlette, Any],
) -> None:
    names = {name for name, _, _ in endpoints(app[0].routes)}
    assert names == set(EXPECTED), f"add to the table: {names - set(EXPECTED)}"
    assert names == set(USES), f"add to route_uses.py: {names - set(USES)}"


async def test_every_route_answers_each_role_as_the_table_says_and_does_what_it_says(
    app: tuple[Starlette, Any],
    world: World,
    witnesses: tuple[httpx.AsyncClient, httpx.AsyncClient],
    pool: asyncpg.Pool,
    store: EventStore,
) -> None:
    application, running = app
    found: dict[tuple[str, str], str] = {}
    undone: dict[tuple[str, str], str] = {}
    for role in ROLES:
        async with client_of(running) as c:
            for name, template, method in endpoints(application.routes):
                if name not in USES:
                    continue  # not in the table yet: the test above says so
                c.cookies.clear()  # a fresh session each time: sign-out ends one
                session = None if role == "anonymous" else await signed_in(pool, **SESSIONS[role])
                if session is not None:
                    c.cookies.set(COOKIE, session)
                before = await store.max_notification_id()
                use = USES[name]
                answer = await send(c, method, path_of(template, use.params(world)), use, world)
                found[name, role] = outcome(answer)
                seen = Seen(world, answer, c, session, *witnesses, store)
                if problem := await effect(use, seen, found[name, role], before):
                    undone[name, role] = problem
    expected = {(name, role): EXPECTED[name][role] for name in EXPECTED for role in ROLES}
    wrong = {key: (found[key], want) for key, want in expected.items() if found[key] != want}
    assert not wrong, f"(route, role): (found, expected) {wrong}"
    assert not undone, f"(route, role): what went wrong {undone}"


async def effect(use: Use, seen: Seen, found: str, before: int | None) -> str | None:
    """Allowed: what the route says it does, seen done. Refused: nothing recorded."""
    if found != "allowed":
        after = await seen.store.max_notification_id()
        return None if after == before else f"refused, yet events {before}..{after} recorded"
    try:
        await use.check(seen)
    except AssertionError as error:
        return str(error) or repr(error)
    return None
