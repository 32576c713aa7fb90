"""Calibration: the first decisions sent back, blind, to a second moderator (a fixed
share, chosen by submission id: `domain.calibration.sampled`), and the pairs of
decisions their agreement is measured on."""

from __future__ import annotations

from domain import Calibration, Submission
from domain.calibration import DEFAULT_SHARE, sampled
from projections.engine.base import Projection, events_of
from projections.engine.batch import Batch, Table

ITEMS = Table(
    "calibration_items",
    key="submission_id",
    types={
        "submission_id": "uuid",
        "consultation_id": "uuid",
        "received_at": "timestamptz",
        "recorded_at": "timestamptz",
        "keyed_by": "text",
        "decided_by": "text",
        "ready": "boolean",
        "done": "boolean",
    },
)
PAIRS = Table(
    "calibration_pairs",
    key="submission_id",
    types={
        "submission_id": "uuid",
        "first_outcome": "text",
        "first_reasons": "text",
        "second_outcome": "text",
        "second_reasons": "text",
        "recorded_at": "timestamptz",
    },
)


class CalibrationQueue(Projection):
    name = "calibration"
    tables = (ITEMS, PAIRS)
    read_indexes = ("calibration_items_ready_idx",)
    handles = events_of(
        Submission, "Received", "Published", "RefusalProposed", "Withdrawn", "WithdrawnOnRequest"
    ) + events_of(Calibration, "Recorded")

    def __init__(self, share: float = DEFAULT_SHARE) -> None:
        super().__init__()
        self._share = share

    def submission_received(self, batch: Batch, e: Submission.Received, _: int) -> None:
        if sampled(e.originator_id, self._share):
            batch.insert(
                ITEMS,
                submission_id=e.originator_id,
                consultation_id=e.consultation_id,
                received_at=e.received_at,
                recorded_at=e.timestamp,
                keyed_by=e.keyed_by,
                decided_by=None,
                ready=False,
                done=False,
            )

    def _decided(self, batch: Batch, e: Submission.Published | Submission.RefusalProposed) -> None:
        if sampled(e.originator_id, self._share):
            batch.update(ITEMS, e.originator_id, decided_by=e.by, ready=True)

    def submission_published(self, batch: Batch, e: Submission.Published, _: int) -> None:
        self._decided(batch, e)

    def submission_refusal_proposed(
        self, batch: Batch, e: Submission.RefusalProposed, _: int
    ) -> None:
        self._decided(batch, e)

    def _gone(self, batch: Batch, e: Submission.Withdrawn | Submission.WithdrawnOnRequest) -> None:
        if sampled(e.originator_id, self._share):
            batch.update(ITEMS, e.originator_id, ready=False)

    def submission_withdrawn(self, batch: Batch, e: Submission.Withdrawn, _: int) -> None:
        self._gone(batch, e)

    def submission_withdrawn_on_request(
        self, batch: Batch, e: Submission.WithdrawnOnRequest, _: int
    ) -> None:
        self._gone(batch, e)

    def calibration_recorded(self, batch: Batch, e: Calibration.Recorded, _: int) -> None:
        batch.insert(
            PAIRS,
            submission_id=e.submission_id,
            first_outcome=e.first_outcome,
            first_reasons=",".join(e.first_reasons),
            second_outcome=e.outcome,
            second_reasons=",".join(e.reasons),
            recorded_at=e.at,
        )
        batch.update(ITEMS, e.submission_id, done=True)
