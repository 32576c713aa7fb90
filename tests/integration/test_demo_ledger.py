"""The demo's ledger reads as the page says: newest first, and its dates agree."""

from __future__ import annotations

import asyncpg

from app.dev.demo import load_demo
from app.settings import Settings


async def test_the_demo_ledger_order_and_its_dates_agree(
    database_url: str, pool: asyncpg.Pool
) -> None:
    await load_demo(database_url, Settings.from_env(), per_consultation=30)
    rows = await pool.fetch(
        "SELECT consultation_id, decided_at FROM public_ledger"
        " ORDER BY consultation_id, notification_id DESC"
    )
    assert rows
    for earlier, later in zip(rows[1:], rows, strict=False):
        if earlier["consultation_id"] == later["consultation_id"]:
            assert earlier["decided_at"] <= later["decided_at"]
