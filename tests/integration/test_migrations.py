"""Migrations: in order, recorded, idempotent, and all-or-nothing per file."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from app.persistence.db import connect
from app.persistence.migrate import load_migrations, migrate
from tests.pg import create_database, drop_database


async def test_migrating_twice_applies_nothing_the_second_time() -> None:
    conn = await connect(await create_database("migrations-twice", migrated=False))
    try:
        first = await migrate(conn)
        second = await migrate(conn)
        recorded = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY 1")
    finally:
        await conn.close()
        await drop_database("migrations-twice")
    assert first == [m.name for m in load_migrations()]
    assert second == []
    assert [r["name"] for r in recorded] == first


async def test_a_failing_migration_leaves_no_trace(tmp_path: Path) -> None:
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE good (n int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (n int); SELECT nonsense;")
    conn = await connect(await create_database("migrations-bad", migrated=False))
    try:
        with pytest.raises(asyncpg.UndefinedColumnError):
            await migrate(conn, tmp_path)
        versions = await conn.fetch("SELECT version FROM schema_migrations")
        half = await conn.fetchval("SELECT to_regclass('half')")
    finally:
        await conn.close()
        await drop_database("migrations-bad")
    assert [r["version"] for r in versions] == [1]
    assert half is None


def test_a_gap_in_the_numbering_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0003_c.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match="without gaps"):
        load_migrations(tmp_path)
