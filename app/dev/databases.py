"""Whole databases on a server, made and dropped: for the tests and the benchmarks."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from app.persistence.db import connect
from app.persistence.migrate import migrate_database


def with_database(dsn: str, name: str) -> str:
    """The same server, another database."""
    return urlunsplit(urlsplit(dsn)._replace(path="/" + name))


async def drop_database(server_dsn: str, name: str) -> None:
    admin = await connect(server_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def create_database(server_dsn: str, name: str, *, migrated: bool = True) -> str:
    """A new, empty (and by default migrated) database, replacing any of that name."""
    await drop_database(server_dsn, name)
    admin = await connect(server_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = with_database(server_dsn, name)
    if migrated:
        await migrate_database(dsn)
    return dsn
