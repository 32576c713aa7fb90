"""The database gone while the app runs: it refuses new connections, and the ones the
app held are cut."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg

from app.dev.databases import with_database


@asynccontextmanager
async def database_refusing(database_url: str, seconds: float = 10) -> AsyncIterator[None]:
    """Inside the block, the app's database takes no connection and holds none."""
    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(with_database(database_url, "postgres"))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        await _until_no_connection(admin, name, seconds)
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        await admin.close()


async def _until_no_connection(admin: asyncpg.Connection, name: str, seconds: float) -> None:
    """A terminated backend takes a moment to go: the app's next query must find none."""
    deadline = asyncio.get_running_loop().time() + seconds
    count = "SELECT count(*) FROM pg_stat_activity WHERE datname = $1"
    while left := await admin.fetchval(count, name):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{left} connection(s) to {name} still open after {seconds} s")
        await asyncio.sleep(0.02)
