"""The test run's PostgreSQL: TEST_DATABASE_URL, or one embedded server per run."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from app.db import connect
from app.embedded import embedded_dsn, start_embedded
from app.migrate import migrate


@cache
def server_dsn() -> str:
    """Started once per test run, on first use."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    folder = Path(tempfile.mkdtemp(prefix="tribune-test-"))
    return embedded_dsn(start_embedded(folder / "pgdata"))


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(label: str) -> str:
    """Unique to this run, so two runs can share one server."""
    return f"t{os.getpid()}_" + re.sub(r"[^a-z0-9]+", "_", label.lower())[-45:]


async def drop_database(label: str) -> None:
    admin = await connect(server_dsn())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database_name(label)}" WITH (FORCE)')
    finally:
        await admin.close()


async def create_database(label: str, *, migrated: bool = True) -> str:
    """A new, empty (and by default migrated) database; returns its DSN."""
    name = database_name(label)
    admin = await connect(server_dsn())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = with_database(server_dsn(), name)
    if migrated:
        conn = await connect(dsn)
        try:
            await migrate(conn)
        finally:
            await conn.close()
    return dsn


def fresh_database(label: str, *, migrated: bool = True) -> str:
    """`create_database` for synchronous fixtures."""
    return asyncio.run(create_database(label, migrated=migrated))
