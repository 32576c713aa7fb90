"""The read tables say which public pages changed, at commit (migrations 0012, 0013).

The rows are what the projections write for events made through the aggregates; only
what no event does is a statement of the test's own: a change of no row, one rolled
back, and emptying a table (as a rebuild does).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
import pytest

from app.persistence.db import connect
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.services.commands import run_command
from app.web.pagecache import PageCache, cached_until_changed
from app.web.pagechanges import CHANNEL, follow_page_changes, tags_of
from domain import Consultation, ReceiptClaim, Submission, receipt_number
from projections.engine.runner import Runner
from projections.registry import all_projections
from tests.integration.test_services import open_consultation
from tests.moderation import FIRST
from tests.unit.builders import DURING, ORGANIZER, content
from tests.unit.builders import received as a_submission
from tests.unit.test_pagecache import SlowPage, reader_of


@pytest.fixture
async def notices(database_url: str) -> AsyncIterator[list[str]]:
    """The payloads of the notices sent while the test runs."""
    heard: list[str] = []
    conn = await connect(database_url)
    await conn.add_listener(CHANNEL, lambda *args: heard.append(args[3]))
    yield heard
    await conn.close()


async def projected(store: EventStore) -> None:
    await Runner(store, build_mapper(), all_projections()).catch_up_all()


async def an_open_consultation(store: EventStore) -> Consultation:
    consultation = await open_consultation(Repository(store, build_mapper()))
    await projected(store)
    return consultation


async def received(
    store: EventStore, count: int, consultation: Consultation | None = None
) -> list[Submission]:
    """Opinions received by an open consultation (projected before them), projected."""
    consultation = consultation or await an_open_consultation(store)
    repository = Repository(store, build_mapper())
    submissions = []
    for _ in range(count):
        token = str(uuid4())
        number = receipt_number(Submission.create_id(token))
        s = a_submission(consultation, form_token=token, receipt_number=number)
        submissions.append(s)
        await repository.save(s, ReceiptClaim(number=number, submission_id=s.id))
    await projected(store)
    return submissions


async def published(store: EventStore, submissions: list[Submission]) -> None:
    """Published by a moderator through the aggregate, saved together, projected in one
    batch (one UPDATE of all their rows, as a projector catching up writes it)."""
    for s in submissions:
        s.publish(FIRST, DURING)
    await Repository(store, build_mapper()).save(*submissions)
    await projected(store)


async def heard_before_a_marker(pool: asyncpg.Pool, notices: list[str]) -> list[str]:
    """What was heard before a change made now: notices arrive in the order of commits."""
    await pool.execute("SELECT pg_notify($1, '?marker')", CHANNEL)
    for _ in range(500):
        if notices and notices[-1] == "?marker":
            break
        await asyncio.sleep(0.01)
    else:
        pytest.fail("the marker's notice never came")
    heard = notices[:-1]
    notices.clear()
    return heard


async def heard_next(notices: list[str]) -> str:
    for _ in range(500):
        if notices:
            return notices.pop(0)
        await asyncio.sleep(0.01)
    pytest.fail("no notice came")


async def test_a_change_names_the_pages_of_the_rows_it_changed(
    store: EventStore, notices: list[str]
) -> None:
    consultation = await an_open_consultation(store)
    assert await heard_before_a_marker(store.pool, notices) == ["*"]  # added: every page
    first, second, _ = await received(store, 3, consultation)
    assert await heard_before_a_marker(store.pool, notices) == []  # new rows: no page kept
    await published(store, [first, second])
    heard = await heard_before_a_marker(store.pool, notices)
    assert [sorted(tags_of(payload) or []) for payload in heard] == [
        sorted([first.receipt_number, second.receipt_number])
    ]


async def test_a_change_of_no_row_and_a_change_rolled_back_say_nothing(
    store: EventStore, notices: list[str]
) -> None:
    await received(store, 1)
    await heard_before_a_marker(store.pool, notices)
    pool = store.pool
    await pool.execute("UPDATE public_submissions SET status = 'published' WHERE false")
    with pytest.raises(asyncpg.DivisionByZeroError):
        await refused_then_failed(pool)
    assert await heard_before_a_marker(pool, notices) == []


async def refused_then_failed(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("UPDATE public_submissions SET status = 'refused'")
        await conn.execute("SELECT 1 / 0")


async def test_many_rows_are_named_over_several_notices(
    store: EventStore, notices: list[str]
) -> None:
    """A projector catching up changes thousands of rows a batch, in one statement."""
    many = await received(store, 701)
    await heard_before_a_marker(store.pool, notices)
    await published(store, many)
    heard = await heard_before_a_marker(store.pool, notices)
    assert len(heard) == 2
    assert max(len(payload) for payload in heard) <= 7000  # a payload holds 8 000 bytes
    named = [tag for payload in heard for tag in tags_of(payload) or []]
    assert sorted(named) == sorted(s.receipt_number for s in many)


@pytest.mark.parametrize(
    "statement", ["TRUNCATE public_submissions", "DELETE FROM public_submissions"]
)
async def test_rows_emptied_mean_every_page(
    pool: asyncpg.Pool, notices: list[str], statement: str
) -> None:
    """As a rebuild does before it writes them again."""
    await pool.execute(statement)
    assert await heard_next(notices) == "*"


async def a_draft(store: EventStore) -> UUID:
    """A consultation drafted (its row is added, not yet public), projected."""
    c = Consultation.draft(uuid4(), by=ORGANIZER, at=datetime.now(UTC), **content())
    await Repository(store, build_mapper()).save(c)
    await projected(store)
    return c.id


async def test_a_consultation_added_means_every_page(store: EventStore, notices: list[str]) -> None:
    """A replay inserts it after pages of its submissions may have been read without it."""
    await a_draft(store)
    assert await heard_next(notices) == "*"


Command = Callable[[Consultation], object]
NOW = datetime.now(UTC)


@pytest.mark.parametrize(
    ("command", "heard"),
    [
        (lambda c: c.edit(ORGANIZER, NOW, title={"fr": "Eau", "en": "Water"}), ["*"]),
        (lambda c: c.cancel(ORGANIZER, NOW, "Reportée"), ["*"]),  # its title leaves the pages
        (lambda c: c.edit(ORGANIZER, NOW, phone="418 555-0100"), []),  # not on those pages
    ],
    ids=["title", "cancelled", "phone"],
)
async def test_a_consultation_changed_means_every_page_if_those_pages_show_it(
    store: EventStore, notices: list[str], command: Command, heard: list[str]
) -> None:
    consultation_id = await a_draft(store)
    await heard_before_a_marker(store.pool, notices)
    await run_command(Repository(store, build_mapper()), Consultation, consultation_id, command)
    await projected(store)
    assert await heard_before_a_marker(store.pool, notices) == heard


async def test_a_render_begun_before_the_worker_heard_notices_is_kept_for_the_ttl_only(
    database_url: str,
) -> None:
    """Its rows may predate a change whose notice came before the worker listened."""
    pages = PageCache(ttl=0.1)
    serve = cached_until_changed(lambda request: "X")(SlowPage(seconds=1.0))
    rendering = asyncio.ensure_future(serve(reader_of(pages)))
    listening = asyncio.create_task(follow_page_changes(database_url, pages))
    try:
        await rendering
        assert pages.following  # by the time the render was put away
        await asyncio.sleep(0.25)  # past the TTL and its grace
        assert (await serve(reader_of(pages))).body == b"<p>rendu 2</p>"
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
