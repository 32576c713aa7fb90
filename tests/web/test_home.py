"""The web application through httpx, against real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from app.asgi import create_app
from app.persistence.db import connect
from tests.idp import provider_env
from tests.web.asgi import served


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with served(create_app(database_url)) as c:
        yield c


async def test_the_home_page_is_french_first(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "<h1>Consultations publiques</h1>" in page.text
    assert 'href="#contenu"' in page.text


async def test_the_language_switch_gives_english(client: httpx.AsyncClient) -> None:
    page = await client.get("/", params={"lang": "en"})
    assert '<html lang="en">' in page.text
    assert "<h1>Public consultations</h1>" in page.text


async def test_every_response_carries_a_strict_content_security_policy(
    client: httpx.AsyncClient,
) -> None:
    headers = (await client.get("/")).headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_tribune_serve_with_a_database_url_migrates_serves_and_loads_no_demo(
    database_url: str,
) -> None:
    port = free_port()
    env = {**os.environ, **provider_env(), "DATABASE_URL": database_url, "PORT": str(port)}
    with subprocess.Popen(
        [sys.executable, "-m", "app", "serve"], env=env, stdout=subprocess.PIPE, text=True
    ) as server:
        try:
            assert server.stdout is not None
            assert f"http://127.0.0.1:{port}" in server.stdout.readline()
            page = wait_for(f"http://127.0.0.1:{port}/")
        finally:
            server.terminate()
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert asyncio.run(event_count(database_url)) == 0  # with DATABASE_URL: no demo data


async def event_count(database_url: str) -> int:
    conn = await connect(database_url)
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM stored_events")
    finally:
        await conn.close()
    return count


def wait_for(url: str, seconds: float = 20) -> httpx.Response:
    """The first answer from `url`; the test fails if none comes within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url)
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                pytest.fail(f"tribune serve did not answer at {url} within {seconds} s")
            time.sleep(0.1)
