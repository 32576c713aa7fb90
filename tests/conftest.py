from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from app.persistence.db import create_pool
from app.persistence.store import EventStore
from tests.pg import drop_database, fresh_database


@pytest.fixture(scope="module")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test module gets a fresh, migrated database, dropped afterwards."""
    yield fresh_database(request.module.__name__)
    asyncio.run(drop_database(request.module.__name__))


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=10)
    yield pool
    await pool.close()


@pytest.fixture
async def store(pool: asyncpg.Pool) -> EventStore:
    return EventStore(pool)
