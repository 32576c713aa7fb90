"""Every route of the app, for every role, against a table of expected outcomes.

A route missing from the table fails the test: a new route must say who may use it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from app.asgi import create_app
from app.dev.demo import load_demo
from app.persistence.store import EventStore
from app.settings import Settings
from app.workers.projector import build_runner
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
]  # fmt: skip
ADMIN = [
    "admin_consultation_list", "admin_consultation_new", "admin_consultation_create",
    "admin_consultation_show", "admin_consultation_edit", "admin_consultation_update",
    "admin_consultation_preview", "admin_consultation_history", "admin_consultation_schedule",
    "admin_consultation_open", "admin_consultation_extend", "admin_consultation_close_early",
    "admin_consultation_cancel", "admin_report_publish", "admin_document_attach",
    "admin_document_show", "admin_document_remove",
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
EXPECTED = {
    **dict.fromkeys(PUBLIC, EVERYONE),
    **dict.fromkeys(ADMIN, ORGANIZERS),
    **dict.fromkeys(CITIZEN, CITIZENS),
    # No session, so no CSRF token to match: refused before anything else.
    "auth_sign_out": {**EVERYONE, "anonymous": "forbidden"},
}
SESSIONS: dict[str, dict[str, Any]] = {
    "citizen": {"kind": "citizen", "name": "Marie", "participant_id": str(uuid4())},
    "clerk": {"kind": "staff", "staff_id": "c1", "name": "Greffier", "roles": ["clerk"]},
    "moderator": {"kind": "staff", "staff_id": "m1", "name": "Mod", "roles": ["moderator"]},
    "organizer": {"kind": "staff", "staff_id": "o1", "name": "Orga", "roles": ["organizer"]},
}


def endpoints(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(name, path template, method) of every route, mounts included, static aside."""
    for route in routes:
        if isinstance(route, Mount) and route.name != "static":
            yield from endpoints(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            method = "POST" if "POST" in (route.methods or ()) else "GET"
            yield route.name, prefix + route.path, method


@pytest.fixture
async def world(store: EventStore, database_url: str) -> dict[str, str]:
    """Demo data, projected: real ids for every path parameter."""
    if not await store.max_notification_id():
        await load_demo(database_url, Settings.from_env(), per_consultation=10)
        await build_runner(store, Settings.from_env()).catch_up_all()
    row = await store.pool.fetchrow(
        "SELECT c.consultation_id, s.receipt_number, d.document_id FROM public_consultations c"
        " JOIN public_submissions s USING (consultation_id), documents d"
        " WHERE s.status = 'published' LIMIT 1"
    )
    assert row is not None
    return {
        "consultation_id": str(row["consultation_id"]),
        "receipt": row["receipt_number"],
        "document_id": str(row["document_id"]),
        "kind": "citizen",
    }


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[tuple[Starlette, Any]]:
    """The application (for its routes) and the same app running its lifespan."""
    settings = replace(with_providers(), page_cache_seconds=0)
    application = create_app(database_url, settings, projector=False)
    async with LifespanManager(application) as manager:
        yield application, manager.app


def path_of(template: str, world: dict[str, str]) -> str:
    path = template
    for name, value in world.items():
        for suffix in (":uuid}", ":str}", "}"):
            path = path.replace("{" + name + suffix, value)
    return path


def outcome(response: httpx.Response) -> str:
    assert response.status_code < 500, f"{response.request.url}: {response.status_code}"
    if response.status_code == 403:
        return "forbidden"
    if response.is_redirect and "/connexion/" in response.headers["location"]:
        return "sign_in"
    return "allowed"


async def test_every_route_is_in_the_table(app: tuple[Starlette, Any]) -> None:
    names = {name for name, _, _ in endpoints(app[0].routes)}
    assert names == set(EXPECTED), f"add to the table: {names - set(EXPECTED)}"


async def test_every_route_answers_each_role_as_the_table_says(
    app: tuple[Starlette, Any], world: dict[str, str], pool: asyncpg.Pool
) -> None:
    application, running = app
    found: dict[tuple[str, str], str] = {}
    for role in ROLES:
        transport = httpx.ASGITransport(app=running)
        async with httpx.AsyncClient(transport=transport, base_url="http://tribune.test") as c:
            for name, template, method in endpoints(application.routes):
                c.cookies.clear()  # a fresh session each time: sign-out ends one
                if role != "anonymous":
                    c.cookies.set(COOKIE, await signed_in(pool, **SESSIONS[role]))
                path = path_of(template, world)
                if method == "POST":
                    response = await c.post(path, data={"csrf_token": "jeton"})
                else:
                    response = await c.get(path)
                found[name, role] = outcome(response)
    expected = {(name, role): EXPECTED[name][role] for name in EXPECTED for role in ROLES}
    wrong = {key: (found[key], want) for key, want in expected.items() if found[key] != want}
    assert not wrong, f"(route, role): (found, expected) {wrong}"
