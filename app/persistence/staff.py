"""Staff names by staff id, as the body's identity provider last gave them: for the
staff's own pages only. Events name staff by id alone."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from app.persistence.db import Conn


async def remember_staff(conn: Conn | asyncpg.Pool, staff_id: str, name: str) -> None:
    await conn.execute(
        "INSERT INTO staff_names (staff_id, name) VALUES ($1, $2) ON CONFLICT (staff_id)"
        " DO UPDATE SET name = excluded.name, seen_at = now()",
        staff_id,
        name,
    )


async def staff_names(conn: Conn | asyncpg.Pool, staff_ids: Iterable[str | None]) -> dict[str, str]:
    """Each known id's name; an id never seen signing in is left out (shown as is)."""
    wanted = sorted({i for i in staff_ids if i})
    rows = await conn.fetch(
        "SELECT staff_id, name FROM staff_names WHERE staff_id = ANY($1::text[])", wanted
    )
    return {row["staff_id"]: row["name"] for row in rows}
