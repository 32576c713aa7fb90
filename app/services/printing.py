"""The clerks' mail going out: a printed batch of letters, recorded once."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from app.persistence.repository import Repository
from domain import PrintBatch, StaffId
from domain.print_batch import ACKNOWLEDGMENT, DECISION


async def mark_printed(
    repository: Repository,
    by: StaffId,
    at: datetime,
    acknowledged: list[UUID],
    decided: list[UUID] | None = None,
    token: str = "",
) -> int | None:
    """Who sent these acknowledgments and the decisions owed on those submissions (by
    letter, or by a call back), and when, in one save; the same page's batch marked twice
    (a double click: the same `token`) is recorded once (None)."""
    batches = [
        PrintBatch.mark_printed(by=by, at=at, submission_ids=ids, kind=kind, token=token)
        for ids, kind in ((acknowledged, ACKNOWLEDGMENT), (decided or [], DECISION))
        if ids
    ]
    if not batches:
        return None
    try:
        return await repository.save(*batches)
    except IntegrityError:
        return None
