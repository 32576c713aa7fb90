"""Receipt numbers unique across all submissions, without a lookup table.

A claim's id derives from the number, so a second claim of the same number is
refused by the store's version-1 uniqueness, in the same transaction that would
have saved the submission.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

RECEIPT_NAMESPACE = UUID("0f8b1d56-3c2e-4a8e-9a71-5d0c6f2b7e41")
"""Never change: claims already stored were derived from it."""


class ReceiptClaim(Aggregate):
    @staticmethod
    def create_id(number: str) -> UUID:
        return uuid5(RECEIPT_NAMESPACE, number)

    class Claimed(Aggregate.Created):
        number: str
        submission_id: UUID

    @event(Claimed)
    def __init__(self, number: str, submission_id: UUID) -> None:
        self.number = number
        self.submission_id = submission_id
