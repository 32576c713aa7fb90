"""The clerks' mail going out: a printed batch of letters, recorded once."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from app.persistence.repository import Repository
from domain import PrintBatch, StaffId


async def mark_printed(
    repository: Repository, by: StaffId, at: datetime, submission_ids: list[UUID]
) -> int | None:
    """Who printed these acknowledgments, and when; the same batch marked twice (a
    double click) is recorded once (None)."""
    batch = PrintBatch.mark_printed(by=by, at=at, submission_ids=submission_ids)
    try:
        return await repository.save(batch)
    except IntegrityError:
        return None
