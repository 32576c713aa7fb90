"""GET /health: what a load balancer or an operator asks before sending readers here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from app.asgi import create_app
from tests.web.asgi import served
from tests.web.outage import database_refusing


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Server errors come back as responses, as a load balancer would see them."""
    app = create_app(database_url, projector=False)
    async with served(app, raise_app_exceptions=False) as c:
        yield c


async def test_health_says_ok_while_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert (response.status_code, response.text) == (200, "ok")
    assert response.headers["content-type"].startswith("text/plain")


async def test_health_never_says_ok_while_the_database_is_gone_and_does_again_once_back(
    client: httpx.AsyncClient, database_url: str
) -> None:
    async with database_refusing(database_url):
        down = await client.get("/health")
    assert (down.status_code, down.text) == (503, "database unavailable")
    assert down.text != "ok"
    assert await health_within(client, seconds=10) == (200, "ok")


async def health_within(client: httpx.AsyncClient, seconds: float) -> tuple[int, str]:
    """The first 200 within `seconds`, or the last answer."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        response = await client.get("/health")
        if response.status_code == 200 or asyncio.get_running_loop().time() > deadline:
            return response.status_code, response.text
        await asyncio.sleep(0.05)
