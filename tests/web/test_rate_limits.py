"""Rate limits stop a script with a clear page and Retry-After; reading is never limited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from app.asgi import create_app
from app.settings import Settings
from tests.web.asgi import served


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = replace(Settings.from_env(), rate_per_address="5/minute")
    async with served(create_app(database_url, settings, projector=False)) as c:
        yield c


async def test_a_burst_of_forms_from_one_address_is_told_when_to_come_back(
    client: httpx.AsyncClient,
) -> None:
    answers = [(await client.post("/deconnexion", data={})).status_code for _ in range(6)]
    assert answers[:5] == [403] * 5  # refused for their missing token, but counted
    limited = await client.post("/deconnexion", data={})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    assert "Trop de demandes" in limited.text


async def test_reading_pages_is_never_limited(client: httpx.AsyncClient) -> None:
    for _ in range(20):
        assert (await client.get("/")).status_code == 200


async def test_https_deployments_send_strict_transport_security(database_url: str) -> None:
    settings = replace(Settings.from_env(), secure_cookies=True)
    async with served(
        create_app(database_url, settings, projector=False), base_url="https://tribune.test"
    ) as c:
        response = await c.get("/")
    assert "max-age=" in response.headers["strict-transport-security"]
