"""Server-side sessions and CSRF, through the ASGI app against real PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from app.asgi import create_app
from app.web.sessions import revoke
from tests.web.asgi import served

COOKIE = "tribune_session"


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with served(create_app(database_url, projector=False)) as c:
        yield c


async def signed_in(pool: asyncpg.Pool, idle_seconds: int = 1800, **data: object) -> str:
    """A session row as sign-in leaves it; returns the cookie value."""
    session_id = secrets.token_urlsafe(32)
    await pool.execute(
        "INSERT INTO web_sessions (id_hash, data, idle_seconds, expires_at)"
        " VALUES ($1, $2, $3, now() + interval '1 hour')",
        hashlib.sha256(session_id.encode()).digest(),
        json.dumps({"kind": "citizen", "name": "Marie", "csrf": "jeton", **data}),
        idle_seconds,
    )
    return session_id


async def test_a_reader_of_public_pages_gets_no_session(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert "set-cookie" not in response.headers or COOKIE not in response.headers["set-cookie"]


async def test_a_signed_in_session_is_recognised_and_pages_are_not_stored(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    client.cookies.set(COOKIE, await signed_in(pool))
    response = await client.get("/")
    assert "Connecté : Marie" in response.text
    assert response.headers["cache-control"] == "no-store"


async def test_a_revoked_session_is_refused(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    session_id = await signed_in(pool)
    client.cookies.set(COOKIE, session_id)
    await revoke(pool, session_id)
    assert "Connecté" not in (await client.get("/")).text


async def test_an_idle_session_expires(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    session_id = await signed_in(pool, idle_seconds=60)
    await pool.execute("UPDATE web_sessions SET seen_at = now() - interval '2 minutes'")
    client.cookies.set(COOKIE, session_id)
    assert "Connecté" not in (await client.get("/")).text


async def test_a_post_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    client.cookies.set(COOKIE, await signed_in(pool))
    refused = await client.post("/deconnexion", data={})
    assert refused.status_code == 403
    forged = await client.post("/deconnexion", data={"csrf_token": "pas-le-bon"})
    assert forged.status_code == 403
    assert "Connecté : Marie" in (await client.get("/")).text  # still signed in


async def test_signing_out_ends_the_session_on_the_server(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    session_id = await signed_in(pool, id_token="")
    client.cookies.set(COOKIE, session_id)
    response = await client.post("/deconnexion", data={"csrf_token": "jeton"})
    assert response.status_code == 303
    digest = hashlib.sha256(session_id.encode()).digest()
    assert await pool.fetchval("SELECT count(*) FROM web_sessions WHERE id_hash = $1", digest) == 0
