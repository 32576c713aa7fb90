"""The read tables say which public pages changed, at commit (migration 0012)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
import pytest

from app.persistence.db import connect
from app.web.pagecache import PageCache, cached_until_changed
from app.web.pagechanges import CHANNEL, follow_page_changes, tags_of
from tests.unit.test_pagecache import SlowPage, reader_of


@pytest.fixture
async def notices(database_url: str) -> AsyncIterator[list[str]]:
    """The payloads of the notices sent while the test runs."""
    heard: list[str] = []
    conn = await connect(database_url)
    await conn.add_listener(CHANNEL, lambda *args: heard.append(args[3]))
    yield heard
    await conn.close()


async def received(pool: asyncpg.Pool, *receipts: str) -> None:
    await pool.execute(
        "INSERT INTO public_submissions (submission_id, consultation_id, receipt_number,"
        " channel, language, status, received_at)"
        " SELECT gen_random_uuid(), $1, r, 'web', 'fr', 'received', $2 FROM unnest($3::text[]) r",
        uuid4(),
        datetime.now(UTC),
        list(receipts),
    )


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
    pool: asyncpg.Pool, notices: list[str]
) -> None:
    await received(pool, "AAA111AAA", "BBB222BBB", "CCC333CCC")
    assert await heard_before_a_marker(pool, notices) == []  # new rows: no page was kept
    await pool.execute(
        "UPDATE public_submissions SET status = 'published'"
        " WHERE receipt_number IN ('AAA111AAA', 'BBB222BBB')"
    )
    payload = await heard_next(notices)
    assert sorted(tags_of(payload) or []) == ["AAA111AAA", "BBB222BBB"]


async def test_a_change_of_no_row_and_a_change_rolled_back_say_nothing(
    pool: asyncpg.Pool, notices: list[str]
) -> None:
    await received(pool, "DDD444DDD")
    await pool.execute("UPDATE public_submissions SET status = 'x' WHERE receipt_number = 'none'")
    with pytest.raises(asyncpg.DivisionByZeroError):
        await refused_then_failed(pool)
    assert await heard_before_a_marker(pool, notices) == []


async def refused_then_failed(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("UPDATE public_submissions SET status = 'refused'")
        await conn.execute("SELECT 1 / 0")


async def test_many_rows_are_named_over_several_notices(
    pool: asyncpg.Pool, notices: list[str]
) -> None:
    many = [f"M{n:08d}" for n in range(701)]
    await received(pool, *many)
    await pool.execute(
        "UPDATE public_submissions SET region = 'QC-06' WHERE receipt_number LIKE 'M%'"
    )
    first, second = await heard_next(notices), await heard_next(notices)
    assert max(len(first), len(second)) <= 7000  # a payload holds 8 000 bytes at most
    assert sorted((tags_of(first) or []) + (tags_of(second) or [])) == many
    assert await heard_before_a_marker(pool, notices) == []


@pytest.mark.parametrize(
    "statement", ["TRUNCATE public_submissions", "DELETE FROM public_submissions"]
)
async def test_rows_emptied_mean_every_page(
    pool: asyncpg.Pool, notices: list[str], statement: str
) -> None:
    await pool.execute(statement)
    assert await heard_next(notices) == "*"


async def a_consultation(pool: asyncpg.Pool) -> UUID:
    consultation_id = uuid4()
    await pool.execute(
        "INSERT INTO public_consultations (consultation_id, status, title, summary, body,"
        " questions, opens_at, closes_at, mail_grace_days, postal_address, phone, phone_hours)"
        " VALUES ($1, 'open', '{}', '{}', '{}', '[]', now(), now(), 7, '', '', '{}')",
        consultation_id,
    )
    return consultation_id


async def test_a_consultation_added_means_every_page(
    pool: asyncpg.Pool, notices: list[str]
) -> None:
    """A replay inserts it after pages of its submissions may have been read without it."""
    await a_consultation(pool)
    assert await heard_next(notices) == "*"


@pytest.mark.parametrize(
    ("change", "heard"),
    [
        ('title = \'{"fr": "Eau"}\'', ["*"]),
        ("status = 'cancelled'", ["*"]),  # no longer public: its title leaves the pages
        ("phone = '418 555-0100'", []),  # not shown on a submission's page
    ],
)
async def test_a_consultation_changed_means_every_page_if_those_pages_show_it(
    pool: asyncpg.Pool, notices: list[str], change: str, heard: list[str]
) -> None:
    consultation_id = await a_consultation(pool)
    await heard_before_a_marker(pool, notices)
    await pool.execute(
        f"UPDATE public_consultations SET {change} WHERE consultation_id = $1", consultation_id
    )
    assert await heard_before_a_marker(pool, notices) == heard


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
