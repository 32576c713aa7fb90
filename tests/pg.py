"""The test run's PostgreSQL: TEST_DATABASE_URL, or one embedded server per run."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from functools import cache
from pathlib import Path

from app.dev import databases
from app.dev.embedded import embedded_dsn, start_embedded


@cache
def server_dsn() -> str:
    """Started once per test run, on first use."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    folder = Path(tempfile.mkdtemp(prefix="tribune-test-"))
    return embedded_dsn(start_embedded(folder / "pgdata"))


def database_name(label: str) -> str:
    """Unique to this run, so two runs can share one server."""
    return f"t{os.getpid()}_" + re.sub(r"[^a-z0-9]+", "_", label.lower())[-45:]


async def drop_database(label: str) -> None:
    await databases.drop_database(server_dsn(), database_name(label))


async def create_database(label: str, *, migrated: bool = True) -> str:
    """A new, empty (and by default migrated) database; returns its DSN."""
    return await databases.create_database(server_dsn(), database_name(label), migrated=migrated)


def fresh_database(label: str, *, migrated: bool = True) -> str:
    """`create_database` for synchronous fixtures."""
    return asyncio.run(create_database(label, migrated=migrated))
