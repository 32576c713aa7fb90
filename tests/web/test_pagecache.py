"""Public pages are rendered once per short interval, then served from memory."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.settings import Settings
from app.web import create_app
from tests.web.test_sessions import signed_in

TTL = 1.0  # a page is kept 0.5 to 1 s


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = replace(Settings.from_env(), page_cache_seconds=TTL)
    app = create_app(database_url, settings, projector=False)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tribune.test") as c:
            yield c


async def add_consultation(pool: asyncpg.Pool, title: str) -> None:
    """Straight into the read table, as the projector would."""
    text = json.dumps({"fr": title, "en": title})
    now = datetime.now(UTC)
    await pool.execute(
        "INSERT INTO public_consultations (consultation_id, status, title, summary, body,"
        " questions, opens_at, closes_at, mail_grace_days, postal_address, phone, phone_hours)"
        " VALUES ($1, 'scheduled', $2, $2, $2, '[]', $3, $4, 7, 'adresse', '1', $2)",
        uuid4(),
        text,
        now - timedelta(days=1),
        now + timedelta(days=1),
    )


async def test_a_page_is_served_from_memory_until_it_expires_then_rendered_anew(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    assert "Eau potable" not in (await client.get("/")).text
    await add_consultation(pool, "Eau potable")
    assert "Eau potable" not in (await client.get("/")).text  # the copy of a moment ago
    await asyncio.sleep(TTL + 0.05)
    # Expired: the copy is sent once more, at once, while it is rendered anew.
    assert "Eau potable" not in (await client.get("/")).text
    for _ in range(100):
        if "Eau potable" in (await client.get("/")).text:
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the page was not rendered anew")


async def test_each_language_has_its_own_copy(client: httpx.AsyncClient) -> None:
    assert '<html lang="fr">' in (await client.get("/?lang=fr")).text
    assert '<html lang="en">' in (await client.get("/?lang=en")).text


async def test_a_missing_page_is_not_kept(client: httpx.AsyncClient) -> None:
    assert (await client.get("/avis/ABC-DEF-GHJ")).status_code == 404
    assert (await client.get("/avis/ABC-DEF-GHJ")).status_code == 404


async def test_a_copy_served_again_says_what_the_first_said(client: httpx.AsyncClient) -> None:
    first = await client.get("/?lang=en")
    client.cookies.clear()  # a second reader, who has not chosen a language yet
    again = await client.get("/?lang=en")  # answered from memory, before routing
    assert again.content == first.content
    for header in ("content-type", "content-length", "content-security-policy", "set-cookie"):
        assert again.headers[header] == first.headers[header]
    assert "tribune_lang=en" in again.headers["set-cookie"]


async def test_a_signed_in_reader_never_gets_the_shared_copy(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    assert "Connecté" not in (await client.get("/")).text  # kept for everyone
    client.cookies.set("tribune_session", await signed_in(pool))
    response = await client.get("/")
    assert "Connecté : Marie" in response.text
    assert response.headers["cache-control"] == "no-store"


async def test_a_page_asked_for_under_another_host_name_is_not_shown_to_others(
    client: httpx.AsyncClient,
) -> None:
    """Its links are made from the Host header: kept for everyone, it would send every
    reader of the next few seconds to the other site."""
    forged = await client.get("/", headers={"Host": "evil.example"})
    assert "http://evil.example/" in forged.text
    assert "evil.example" not in (await client.get("/")).text
