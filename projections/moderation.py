"""The moderators' queue: each submission waiting for a moderator, at its stage (a
first decision, a refusal to confirm, an appeal), with who took part so far. Blind by
construction: no channel, name or region is kept here.
"""

from __future__ import annotations

from domain import Submission
from projections.engine.base import Projection, events_of
from projections.engine.batch import Batch, Table

ITEMS = Table(
    "moderation_items",
    key="submission_id",
    types={
        "submission_id": "uuid",
        "consultation_id": "uuid",
        "received_at": "timestamptz",
        "recorded_at": "timestamptz",
        "stage": "text",
        "keyed_by": "text",
        "proposed_by": "text",
        "refused_by": "text",
        "reason": "text",
        "note": "text",
        "appeal_text": "text",
        "has_brief": "boolean",
        "has_scan": "boolean",
        "second_keyed_by": "text",
        "reconciled_by": "text",
    },
)
FIRST, CONFIRM, APPEAL = "first", "confirm", "appeal"


class ModerationQueue(Projection):
    name = "moderation_queue"
    tables = (ITEMS,)
    read_indexes = ("moderation_items_waiting_idx",)
    handles = events_of(
        Submission,
        "Received",
        "ReceivedLate",
        "SecondKeyingAwaited",
        "KeyedSecond",
        "Reconciled",
        "Published",
        "RefusalProposed",
        "Refused",
        "RefusalOverturned",
        "Withdrawn",
        "WithdrawnOnRequest",
        "Appealed",
        "AppealedOnRequest",
        "AppealDecided",
    )

    def _stage(
        self, batch: Batch, submission_id: object, stage: str | None, **more: object
    ) -> None:
        batch.update(ITEMS, submission_id, stage=stage, **more)

    def submission_received(self, batch: Batch, e: Submission.Received, _: int) -> None:
        batch.insert(
            ITEMS,
            submission_id=e.originator_id,
            consultation_id=e.consultation_id,
            received_at=e.received_at,
            recorded_at=e.timestamp,
            stage=FIRST,
            keyed_by=e.keyed_by,
            proposed_by=None,
            refused_by=None,
            reason=None,
            note=None,
            appeal_text=None,
            has_brief=e.brief_size is not None,
            has_scan=e.scan_size is not None,
            second_keyed_by=None,
            reconciled_by=None,
        )

    def submission_received_late(self, batch: Batch, e: Submission.ReceivedLate, _: int) -> None:
        self._stage(batch, e.originator_id, None)  # never moderated

    def submission_second_keying_awaited(
        self, batch: Batch, e: Submission.SecondKeyingAwaited, _: int
    ) -> None:
        self._stage(batch, e.originator_id, None)  # not before its keyings are reconciled

    def submission_keyed_second(self, batch: Batch, e: Submission.KeyedSecond, _: int) -> None:
        batch.update(ITEMS, e.originator_id, second_keyed_by=e.by)

    def submission_reconciled(self, batch: Batch, e: Submission.Reconciled, _: int) -> None:
        self._stage(batch, e.originator_id, FIRST, reconciled_by=e.by)

    def submission_published(self, batch: Batch, e: Submission.Published, _: int) -> None:
        self._stage(batch, e.originator_id, None)

    def submission_refusal_proposed(
        self, batch: Batch, e: Submission.RefusalProposed, _: int
    ) -> None:
        self._stage(batch, e.originator_id, CONFIRM, proposed_by=e.by, reason=e.reason, note=e.note)

    def submission_refused(self, batch: Batch, e: Submission.Refused, _: int) -> None:
        self._stage(batch, e.originator_id, None, refused_by=e.by)

    def submission_refusal_overturned(
        self, batch: Batch, e: Submission.RefusalOverturned, _: int
    ) -> None:
        self._stage(batch, e.originator_id, FIRST, proposed_by=None, reason=None, note=None)

    def submission_withdrawn(self, batch: Batch, e: Submission.Withdrawn, _: int) -> None:
        self._stage(batch, e.originator_id, None)

    def submission_withdrawn_on_request(
        self, batch: Batch, e: Submission.WithdrawnOnRequest, _: int
    ) -> None:
        self._stage(batch, e.originator_id, None)

    def submission_appealed(self, batch: Batch, e: Submission.Appealed, _: int) -> None:
        self._stage(batch, e.originator_id, APPEAL, appeal_text=e.text)

    def submission_appealed_on_request(
        self, batch: Batch, e: Submission.AppealedOnRequest, _: int
    ) -> None:
        self._stage(batch, e.originator_id, APPEAL, appeal_text=e.text)

    def submission_appeal_decided(self, batch: Batch, e: Submission.AppealDecided, _: int) -> None:
        self._stage(batch, e.originator_id, None)
