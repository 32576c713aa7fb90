"""The read tables say which public pages changed, at commit (migration 0012)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import pytest

from app.db import connect
from app.pagechanges import CHANNEL, tags_of


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
    await pool.execute("UPDATE public_consultations SET phone = phone WHERE false")  # '*'
    for _ in range(500):
        if notices and notices[-1] == "*":
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


async def test_more_rows_than_one_notice_holds_mean_every_page(
    pool: asyncpg.Pool, notices: list[str]
) -> None:
    await received(pool, *(f"M{n:08d}" for n in range(501)))
    await pool.execute("UPDATE public_submissions SET region = 'QC-06'")
    assert await heard_next(notices) == "*"


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE public_submissions",
        "DELETE FROM public_submissions",
        "UPDATE public_consultations SET status = 'cancelled'",  # titles shown on the pages
    ],
)
async def test_rows_emptied_or_a_consultation_changed_mean_every_page(
    pool: asyncpg.Pool, notices: list[str], statement: str
) -> None:
    await pool.execute(statement)
    assert await heard_next(notices) == "*"
