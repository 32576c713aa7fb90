"""Connections going back to the pool: no reset round trip, and no advisory lock kept."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import psycopg
import pytest

from projections.engine import locks


async def test_a_connection_goes_back_to_the_pool_without_a_reset_query(
    pool: asyncpg.Pool,
) -> None:
    sent: list[str] = []
    async with pool.acquire() as conn:
        conn.add_query_logger(lambda logged: sent.append(logged.query))
        await conn.fetchval("SELECT 1")
    async with pool.acquire() as conn:  # the same connection (a pool of one idle)
        await conn.fetchval("SELECT 2")
    assert sent[0] == "SELECT 1"
    assert "RESET ALL" not in " ".join(sent)


async def test_an_open_transaction_is_still_rolled_back_when_it_goes_back(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        await conn.execute("BEGIN")
        await conn.execute("CREATE TABLE left_open (n int)")
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT to_regclass('left_open')") is None


async def test_a_lock_attempt_interrupted_midway_leaves_no_lock_behind(
    pool: asyncpg.Pool, database_url: str
) -> None:
    async with pool.acquire() as conn:
        assert await locks.try_lock(conn, "interrupted")  # its statement now prepared
        await locks.unlock(conn, "interrupted")
        attempt = asyncio.ensure_future(locks.try_lock(conn, "interrupted"))
        await asyncio.sleep(0)  # the statement is sent
        taken_by_the_server(database_url, "interrupted")  # the answer waits, unread
        attempt.cancel()  # before the answer is read
        assert (await asyncio.gather(attempt, return_exceptions=True))[0] is not True
    assert await _released_soon(pool), "the lock outlived the attempt that took it"


HELD = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
    " AND classid = %s AND objid = hashtext(%s)::oid"
)


def taken_by_the_server(database_url: str, name: str, seconds: float = 5) -> None:
    """Until the server holds the lock, asked from another connection without letting the
    event loop run (it would read the answer)."""
    deadline = time.monotonic() + seconds
    with psycopg.connect(database_url, autocommit=True) as other:
        while other.execute(HELD, (locks.LOCK_NAMESPACE, name)).fetchone() == (0,):
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not take the lock {name!r} within {seconds} s")
            time.sleep(0.01)


async def _released_soon(pool: asyncpg.Pool) -> bool:
    """Nobody holds the lock (the server gives a closed connection's locks back)."""
    for _ in range(50):
        held = await pool.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
            " AND classid = $1 AND objid = hashtext('interrupted')::oid",
            locks.LOCK_NAMESPACE,
        )
        if held == 0:
            return True
        await asyncio.sleep(0.1)
    return False
