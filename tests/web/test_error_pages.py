"""The error pages of a wrong method, and the API's errors, which are JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.web import create_app


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(create_app(database_url, projector=False)) as m:
        transport = httpx.ASGITransport(app=m.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tribune.test") as c:
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
