"""A PostgreSQL advisory lock per projection: one process applies it at a time."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

LOCK_NAMESPACE = 7203  # first key of pg_advisory_lock(int, int); the second hashes the name


async def try_lock(conn: Any, name: str) -> bool:
    with _closed_if_in_doubt(conn):
        locked: bool = await conn.fetchval(
            "SELECT pg_try_advisory_lock($1, hashtext($2))", LOCK_NAMESPACE, name
        )
    return locked


async def unlock(conn: Any, name: str) -> None:
    with contextlib.suppress(Exception), _closed_if_in_doubt(conn):
        await conn.execute("SELECT pg_advisory_unlock($1, hashtext($2))", LOCK_NAMESPACE, name)


@contextlib.contextmanager
def _closed_if_in_doubt(conn: Any) -> Iterator[None]:
    """A lock taken or given back, or the connection closed (which gives it back).

    The pool does not unlock a connection it takes back (app/db.no_reset_query): one
    interrupted here, cancelled or broken, may still hold the lock, so it is closed.
    """
    try:
        yield
    except BaseException:
        conn.terminate()
        raise
