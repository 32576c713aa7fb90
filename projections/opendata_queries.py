"""What the open-data files read: every published submission, page by page.

Oldest first, by keyset on (published_at, submission_id): a download of a million rows
holds one page in memory and no connection between pages, and rows published while it
runs land at the end of the file instead of shifting it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

PAGE_SIZE = 1000

# The published columns, in file order. Nothing else leaves the database.
COLUMNS = (
    "receipt_number",
    "published_at",
    "received_at",
    "channel",
    "region",
    "language",
    "display_name",
    "text",
)


@dataclass(frozen=True)
class PublishedRow:
    """One line of the open data; `position` is the keyset, not a published column."""

    position: tuple[datetime, UUID]
    receipt_number: str
    published_at: datetime
    received_at: datetime
    channel: str
    region: str | None
    language: str
    display_name: str | None
    text: str


_SELECT = (
    "SELECT submission_id, " + ", ".join(COLUMNS) + " FROM public_submissions"
    " WHERE consultation_id = $1 AND status = 'published'"
)


def _row(record: Any) -> PublishedRow:
    values = {name: record[name] for name in COLUMNS}
    return PublishedRow(position=(record["published_at"], record["submission_id"]), **values)


async def published_page(
    conn: Any,
    consultation_id: UUID,
    after: tuple[datetime, UUID] | None = None,
    limit: int = PAGE_SIZE,
) -> list[PublishedRow]:
    sql = _SELECT
    args: list[Any] = [consultation_id]
    if after is not None:
        sql += " AND (published_at, submission_id) > ($2, $3)"
        args += list(after)
    sql += f" ORDER BY published_at, submission_id LIMIT ${len(args) + 1}"
    return [_row(record) for record in await conn.fetch(sql, *args, limit)]


async def all_published(
    conn: Any, consultation_id: UUID, page_size: int = PAGE_SIZE
) -> AsyncGenerator[list[PublishedRow], None]:
    """Every published submission of a consultation, one page at a time."""
    after: tuple[datetime, UUID] | None = None
    while page := await published_page(conn, consultation_id, after, page_size):
        yield page
        if len(page) < page_size:
            return
        after = page[-1].position
