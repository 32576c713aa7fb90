"""Public pages are rendered once per short interval, then served from memory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.asgi import create_app
from app.persistence.db import init_connection
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.services.submissions import SubmissionForm, receive_submission
from app.settings import Settings
from app.web.pagecache import PageCache
from domain import Channel, Consultation
from projections.engine.runner import Runner
from projections.registry import all_projections
from tests.moderation import publish
from tests.unit.builders import ORGANIZER, content
from tests.web.asgi import served
from tests.web.test_sessions import signed_in

TTL = 1.0  # a page is kept 0.5 to 1 s


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = replace(Settings.from_env(), page_cache_seconds=TTL)
    app = create_app(database_url, settings, projector=False)
    async with served(app) as c:
        yield c


async def add_consultation(store: EventStore, title: str) -> UUID:
    """Drafted and scheduled as an organizer would, open since yesterday; projected."""
    now = datetime.now(UTC)
    fields = content(
        title={"fr": title, "en": title},
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
    )
    c = Consultation.draft(uuid4(), by=ORGANIZER, at=now - timedelta(days=2), **fields)
    c.schedule(ORGANIZER, now - timedelta(days=2))
    await Repository(store, build_mapper()).save(c)
    await projected(store)
    return c.id


async def projected(store: EventStore) -> None:
    await Runner(store, build_mapper(), all_projections()).catch_up_all()


async def test_a_page_is_served_from_memory_until_it_expires_then_rendered_anew(
    client: httpx.AsyncClient, store: EventStore
) -> None:
    assert "Eau potable" not in (await client.get("/")).text
    await add_consultation(store, "Eau potable")
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


Opinion = tuple[UUID, str]
"""A submission's id and receipt number."""


async def a_submission(store: EventStore, text: str) -> Opinion:
    """Received online (not yet published: its page does not show `text`), projected."""
    consultation_id = await add_consultation(store, "Une consultation")
    form = SubmissionForm(
        form_token=str(uuid4()),
        consultation_id=consultation_id,
        channel=Channel.ONLINE,
        participant_id=uuid4(),
        text=text,
        language="fr",
        region="03",
        received_at=datetime.now(UTC),
    )
    receipt = await receive_submission(Repository(store, build_mapper()), form)
    await projected(store)
    return receipt.submission_id, receipt.receipt_number


async def a_page_read(client: httpx.AsyncClient, store: EventStore, text: str) -> Opinion:
    """A new submission whose page was just read (and so kept)."""
    opinion = await a_submission(store, text)
    page = (await client.get(f"/avis/{opinion[1]}")).text
    assert "Reçu le" in page
    assert text not in page
    return opinion


async def published(store: EventStore, opinion: Opinion) -> None:
    """Published by a moderator; the read tables caught up, and the web workers told."""
    await publish(Repository(store, build_mapper()), opinion[0])
    await projected(store)


async def published_unheard(database_url: str, store: EventStore, opinion: Opinion) -> None:
    """Published and projected as ever, but the read tables' triggers do not fire (the
    projector's session is a replica's), so no web worker is told of it."""
    await publish(Repository(store, build_mapper()), opinion[0])
    quiet = await asyncpg.create_pool(
        database_url,
        min_size=1,
        max_size=2,
        init=init_connection,
        server_settings={"session_replication_role": "replica"},
    )
    try:
        await projected(EventStore(quiet))
    finally:
        await quiet.close()


async def test_a_submissions_page_is_kept_past_the_ttl_while_it_does_not_change(
    heard: Heard, store: EventStore, database_url: str
) -> None:
    client, _ = heard
    opinion = await a_page_read(client, store, "Un avis publié en silence.")
    await published_unheard(database_url, store, opinion)
    await asyncio.sleep(2 * TTL + 0.1)  # kept no longer than this, were it any page
    for _ in range(3):
        assert "publié en silence" not in (await client.get(f"/avis/{opinion[1]}")).text
        await asyncio.sleep(0.05)


async def test_a_change_to_a_submission_shows_on_its_page_at_once(
    heard_slowly: Heard, store: EventStore
) -> None:
    client, _ = heard_slowly
    opinion = await a_page_read(client, store, "Un avis publié à l'instant.")
    await published(store, opinion)
    for _ in range(250):  # 5 s at most: well before the TTL would expire the copy
        if "publié à l&#39;instant" in (await client.get(f"/avis/{opinion[1]}")).text:
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the page still shows the submission as it was")


async def test_once_its_connection_is_lost_such_pages_are_forgotten_and_heard_again(
    heard: Heard, store: EventStore, database_url: str
) -> None:
    client, pages = heard
    opinion = await a_page_read(client, store, "Publié pendant la coupure.")
    await published_unheard(database_url, store, opinion)
    await store.pool.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = 'tribune-page-changes' AND datname = current_database()"
    )
    await following(pages, hears=False)
    assert "Publié pendant la coupure" in (await client.get(f"/avis/{opinion[1]}")).text
    await following(pages)  # listening again, a second later


async def test_a_submissions_page_asked_for_with_another_query_is_kept_for_the_ttl_only(
    heard: Heard, store: EventStore, database_url: str
) -> None:
    """Such addresses are endless: each would hold a place in the cache for minutes."""
    client, _ = heard
    opinion = await a_submission(store, "Publié sans un mot.")
    await client.get(f"/avis/{opinion[1]}?page=2")
    await published_unheard(database_url, store, opinion)
    await asyncio.sleep(2 * TTL + 0.1)
    for _ in range(100):
        if "Publié sans un mot" in (await client.get(f"/avis/{opinion[1]}?page=2")).text:
            return
        await asyncio.sleep(0.02)
    pytest.fail("the page was kept past the TTL")
