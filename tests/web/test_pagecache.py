"""Public pages are rendered once per short interval, then served from memory."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.asgi import create_app
from app.settings import Settings
from app.web.pagecache import PageCache
from domain.receipt import receipt_number
from tests.web.asgi import served
from tests.web.test_sessions import signed_in

TTL = 1.0  # a page is kept 0.5 to 1 s


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = replace(Settings.from_env(), page_cache_seconds=TTL)
    app = create_app(database_url, settings, projector=False)
    async with served(app) as c:
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


Heard = tuple[httpx.AsyncClient, PageCache]


@pytest.fixture
async def heard(database_url: str) -> AsyncIterator[Heard]:
    """A client, and the page cache of its app once it hears change notices."""
    async with hearing(database_url, TTL) as both:
        yield both


@pytest.fixture
async def heard_slowly(database_url: str) -> AsyncIterator[Heard]:
    """The same, with pages kept a minute: whatever shows sooner, a notice showed."""
    async with hearing(database_url, 60) as both:
        yield both


@asynccontextmanager
async def hearing(database_url: str, ttl: float) -> AsyncIterator[Heard]:
    settings = replace(Settings.from_env(), page_cache_seconds=ttl)
    app = create_app(database_url, settings, projector=False)
    async with LifespanManager(app) as manager:
        pages: PageCache = app.state.pages
        await following(pages)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tribune.test") as c:
            yield c, pages


async def following(pages: PageCache, hears: bool = True, seconds: float = 10) -> None:
    """Wait until the cache hears change notices (or, `hears=False`, no longer does)."""
    for _ in range(int(seconds / 0.01)):
        if pages.following is hears:
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"the page cache {'does not hear' if hears else 'still hears'} notices")


async def a_submission(pool: asyncpg.Pool) -> str:
    """A received submission, straight into the read table; its receipt number."""
    number = receipt_number(uuid4())
    await pool.execute(
        "INSERT INTO public_submissions (submission_id, consultation_id, receipt_number,"
        " channel, language, status, received_at) VALUES ($1, $2, $3, 'web', 'fr', 'received',"
        " now())",
        uuid4(),
        uuid4(),
        number,
    )
    return number


async def a_page_read(client: httpx.AsyncClient, pool: asyncpg.Pool) -> str:
    """A new submission whose page was just read (and so kept); its receipt number."""
    number = await a_submission(pool)
    assert "Reçu" in (await client.get(f"/avis/{number}")).text
    return number


async def unheard(pool: asyncpg.Pool, sql: str, *args: object) -> None:
    """A change the read tables do not tell the web workers of (triggers off)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(sql, *args)


PUBLISHED = "UPDATE public_submissions SET status = 'published', published_at = now(),"
PUBLISHED += " text = $2 WHERE receipt_number = $1"


async def test_a_submissions_page_is_kept_past_the_ttl_while_it_does_not_change(
    heard: Heard, pool: asyncpg.Pool
) -> None:
    client, _ = heard
    number = await a_page_read(client, pool)
    await unheard(pool, PUBLISHED, number, "Un avis publié en silence.")
    await asyncio.sleep(2 * TTL + 0.1)  # kept no longer than this, were it any page
    for _ in range(3):
        assert "publié en silence" not in (await client.get(f"/avis/{number}")).text
        await asyncio.sleep(0.05)


async def test_a_change_to_a_submission_shows_on_its_page_at_once(
    heard_slowly: Heard, pool: asyncpg.Pool
) -> None:
    client, _ = heard_slowly
    number = await a_page_read(client, pool)
    await pool.execute(PUBLISHED, number, "Un avis publié à l'instant.")
    for _ in range(250):  # 5 s at most: well before the TTL would expire the copy
        if "publié à l&#39;instant" in (await client.get(f"/avis/{number}")).text:
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the page still shows the submission as it was")


async def test_once_its_connection_is_lost_such_pages_are_forgotten_and_heard_again(
    heard: Heard, pool: asyncpg.Pool
) -> None:
    client, pages = heard
    number = await a_page_read(client, pool)
    await unheard(pool, PUBLISHED, number, "Publié pendant la coupure.")
    await pool.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = 'tribune-page-changes' AND datname = current_database()"
    )
    await following(pages, hears=False)
    assert "Publié pendant la coupure" in (await client.get(f"/avis/{number}")).text
    await following(pages)  # listening again, a second later


async def test_a_submissions_page_asked_for_with_another_query_is_kept_for_the_ttl_only(
    heard: Heard, pool: asyncpg.Pool
) -> None:
    """Such addresses are endless: each would hold a place in the cache for minutes."""
    client, _ = heard
    number = await a_submission(pool)
    await client.get(f"/avis/{number}?page=2")
    await unheard(pool, PUBLISHED, number, "Publié sans un mot.")
    await asyncio.sleep(2 * TTL + 0.1)
    for _ in range(100):
        if "Publié sans un mot" in (await client.get(f"/avis/{number}?page=2")).text:
            return
        await asyncio.sleep(0.02)
    pytest.fail("the page was kept past the TTL")
