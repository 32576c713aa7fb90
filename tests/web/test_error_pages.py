"""The error pages of a wrong method, and the API's errors, which are JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.asgi import create_app, http_error
from tests.web.asgi import served


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with served(create_app(database_url, projector=False)) as c:
        yield c


async def test_a_wrong_method_gives_the_site_error_page_with_405_and_allow(
    client: httpx.AsyncClient,
) -> None:
    for method, path, allowed in (("GET", "/deconnexion", "POST"), ("POST", "/", "GET")):
        response = await client.request(method, f"{path}?lang=fr")
        assert response.status_code == 405
        assert allowed in response.headers["allow"]
        assert "<h1>Action impossible à cette adresse</h1>" in response.text
    english = await client.get("/deconnexion?lang=en")
    assert english.status_code == 405
    assert english.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Not possible at this address</h1>" in english.text


async def test_api_errors_are_json_even_for_addresses_no_route_matches(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.get("/api/consultations/notauuid")
    assert (missing.status_code, missing.json()) == (404, {"error": "not_found"})
    assert missing.headers["access-control-allow-origin"] == "*"
    wrong = await client.post("/api/consultations")
    assert (wrong.status_code, wrong.json()) == (405, {"error": "method_not_allowed"})
    assert "GET" in wrong.headers["allow"]


async def test_an_api_server_error_is_json_readable_from_any_origin_and_not_cached(
    database_url: str, pool: asyncpg.Pool
) -> None:
    app = create_app(database_url, projector=False)
    async with served(app, raise_app_exceptions=False) as c:
        await pool.execute("ALTER TABLE public_consultations RENAME TO hidden_consultations")
        try:
            failed = await c.get("/api/consultations")
        finally:
            await pool.execute("ALTER TABLE hidden_consultations RENAME TO public_consultations")
    assert (failed.status_code, failed.json()) == (500, {"error": "internal_server_error"})
    assert failed.headers["access-control-allow-origin"] == "*"
    assert failed.headers["cache-control"] == "no-store"


async def test_an_api_error_with_a_status_outside_the_standard_ones_keeps_its_status() -> None:
    async def refuse(request: Request) -> Response:
        raise HTTPException(499)

    app = Starlette(
        routes=[Route("/api/refus", refuse)], exception_handlers={HTTPException: http_error}
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tribune.test") as c:
        refused = await c.get("/api/refus")
    assert (refused.status_code, refused.json()) == (499, {"error": "client_error"})
    assert refused.headers["access-control-allow-origin"] == "*"


async def test_api_without_its_trailing_slash_answers_in_json(client: httpx.AsyncClient) -> None:
    for path in ("/api", "/api/"):
        response = await client.get(path)
        assert (response.status_code, response.json()) == (404, {"error": "not_found"})
        assert response.headers["access-control-allow-origin"] == "*"
    assert "text/html" in (await client.get("/apiculture")).headers["content-type"]
