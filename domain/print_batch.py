"""A batch of letters a clerk printed and put in the mail: acknowledgments of letters
and calls (and later the moderators' decision letters), recorded as printed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidContentError
from domain.values import StaffId

PRINT_BATCH_NAMESPACE = UUID("0d8f3c55-7a51-4c1e-9d8c-2f6e4b1a9c37")
"""Never change: batch ids already stored were derived from it."""
ACKNOWLEDGMENT = "acknowledgment"
DECISION = "decision"
"""The outcome notices owed so far: a decision letter printed, or a caller phoned back."""


class PrintBatch(Aggregate):
    """Who printed which letters, and when: one event for the whole batch."""

    @staticmethod
    def create_id(kind: str, submission_ids: list[UUID], token: str = "") -> UUID:
        """The same batch marked twice (a double click on one page, the same `token`) is
        one batch; another page's batch of the same letters (a later decision) is not."""
        names = ",".join(sorted(str(i) for i in submission_ids))
        return uuid5(PRINT_BATCH_NAMESPACE, f"{kind}:{token}:{names}")

    @classmethod
    def mark_printed(
        cls,
        *,
        by: StaffId,
        at: datetime,
        submission_ids: list[UUID],
        kind: str = ACKNOWLEDGMENT,
        token: str = "",
    ) -> PrintBatch:
        if not submission_ids:
            raise InvalidContentError("a printed batch holds at least one letter")
        ids = sorted(set(submission_ids), key=str)
        batch_id = cls.create_id(kind, ids, token)
        return cls(id=batch_id, by=by, at=at, submission_ids=ids, kind=kind)

    class Printed(Aggregate.Created):
        by: StaffId
        at: datetime
        submission_ids: list[UUID]
        kind: str

    @event(Printed)
    def __init__(
        self, id: UUID, *, by: StaffId, at: datetime, submission_ids: list[UUID], kind: str
    ) -> None:
        self.printed_by, self.printed_at = by, at
        self.submission_ids, self.kind = submission_ids, kind
