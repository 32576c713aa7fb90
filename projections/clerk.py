"""The clerks' read model: every submission as the clerks handle it (keyed by whom,
late or not, decided or not, its acknowledgment printed or not) and the history of
the corrections made to a keying. Ciphertext only: names and addresses are opened
by the pages that need them, through the vault, from `private_participants`.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from domain import PrintBatch, Status, Submission
from domain.print_batch import DECISION
from projections.engine.base import Projection, events_of
from projections.engine.batch import Batch, Table

SUBMISSIONS = Table(
    "clerk_submissions",
    key="submission_id",
    types={
        "submission_id": "uuid",
        "consultation_id": "uuid",
        "receipt_number": "text",
        "channel": "text",
        "language": "text",
        "participant_id": "uuid",
        "keyed_by": "text",
        "keyed_at": "timestamptz",
        "received_at": "timestamptz",
        "postmarked_at": "timestamptz",
        "call_started_at": "timestamptz",
        "status": "text",
        "late_reason": "text",
        "decided": "boolean",
        "printed_at": "timestamptz",
        "printed_by": "text",
        "second_keyed_by": "text",
        "second_keyed_at": "timestamptz",
        "second_text": "text",
        "reconciled_by": "text",
        "agreed": "boolean",
        "decisions_sent_at": "timestamptz",
        "decisions_sent_by": "text",
    },
)
CORRECTIONS = Table(
    "clerk_corrections",
    key="position",
    types={
        "position": "bigint",
        "submission_id": "uuid",
        "clerk": "text",
        "corrected_at": "timestamptz",
        "previous_text": "text",
        "text": "text",
    },
)


class ClerkSubmissions(Projection):
    name = "clerk_submissions"
    tables = (SUBMISSIONS, CORRECTIONS)
    handles = events_of(
        Submission,
        "Received",
        "ReceivedLate",
        "SecondKeyingAwaited",
        "KeyedSecond",
        "Reconciled",
        "TranscriptionCorrected",
        "Published",
        "RefusalProposed",
        "Refused",
        "RefusalOverturned",
        "Withdrawn",
        "WithdrawnOnRequest",
        "AppealDecided",
    ) + events_of(PrintBatch, "Printed")

    def submission_received(self, batch: Batch, e: Submission.Received, _: int) -> None:
        batch.insert(
            SUBMISSIONS,
            submission_id=e.originator_id,
            consultation_id=e.consultation_id,
            receipt_number=e.receipt_number,
            channel=e.channel,
            language=e.language,
            participant_id=e.participant_id,
            keyed_by=e.keyed_by,
            keyed_at=e.timestamp,
            received_at=e.received_at,
            postmarked_at=e.postmarked_at,
            call_started_at=e.call_started_at,
            status=Status.RECEIVED.value,
            late_reason=None,
            decided=False,
            printed_at=None,
            printed_by=None,
            second_keyed_by=None,
            second_keyed_at=None,
            second_text=None,
            reconciled_by=None,
            agreed=None,
            decisions_sent_at=None,
            decisions_sent_by=None,
        )

    def submission_received_late(self, batch: Batch, e: Submission.ReceivedLate, _: int) -> None:
        batch.update(SUBMISSIONS, e.originator_id, status=Status.LATE.value, late_reason=e.reason)

    def submission_second_keying_awaited(
        self, batch: Batch, e: Submission.SecondKeyingAwaited, _: int
    ) -> None:
        batch.update(SUBMISSIONS, e.originator_id, status=Status.KEYING.value)

    def submission_keyed_second(self, batch: Batch, e: Submission.KeyedSecond, _: int) -> None:
        batch.update(
            SUBMISSIONS,
            e.originator_id,
            second_keyed_by=e.by,
            second_keyed_at=e.at,
            second_text=e.text,
        )

    def submission_reconciled(self, batch: Batch, e: Submission.Reconciled, _: int) -> None:
        batch.update(
            SUBMISSIONS,
            e.originator_id,
            status=Status.RECEIVED.value,
            reconciled_by=e.by,
            agreed=e.agreed,
        )

    def submission_transcription_corrected(
        self, batch: Batch, e: Submission.TranscriptionCorrected, position: int
    ) -> None:
        batch.insert(
            CORRECTIONS,
            position=position,
            submission_id=e.originator_id,
            clerk=e.by,
            corrected_at=e.at,
            previous_text=e.previous_text,
            text=e.text,
        )

    def _status(
        self, batch: Batch, e: Aggregate.Event, status: Status, decided: bool = True
    ) -> None:
        batch.update(SUBMISSIONS, e.originator_id, status=status.value, decided=decided)

    def submission_published(self, batch: Batch, e: Submission.Published, _: int) -> None:
        self._status(batch, e, Status.PUBLISHED)

    def submission_refusal_proposed(
        self, batch: Batch, e: Submission.RefusalProposed, _: int
    ) -> None:
        self._status(batch, e, Status.REFUSAL_PROPOSED)

    def submission_refused(self, batch: Batch, e: Submission.Refused, _: int) -> None:
        self._status(batch, e, Status.REFUSED)

    def submission_refusal_overturned(
        self, batch: Batch, e: Submission.RefusalOverturned, _: int
    ) -> None:
        self._status(batch, e, Status.RECEIVED)  # moderation has started: still decided

    def submission_withdrawn(self, batch: Batch, e: Submission.Withdrawn, _: int) -> None:
        batch.update(SUBMISSIONS, e.originator_id, status=Status.WITHDRAWN.value)

    def submission_withdrawn_on_request(
        self, batch: Batch, e: Submission.WithdrawnOnRequest, _: int
    ) -> None:
        batch.update(SUBMISSIONS, e.originator_id, status=Status.WITHDRAWN.value)  # the same

    def submission_appeal_decided(self, batch: Batch, e: Submission.AppealDecided, _: int) -> None:
        if e.granted:
            self._status(batch, e, Status.PUBLISHED)

    def print_batch_printed(self, batch: Batch, e: PrintBatch.Printed, _: int) -> None:
        """An acknowledgment, or the decisions owed so far, printed (or phoned)."""
        sent = (
            {"decisions_sent_at": e.at, "decisions_sent_by": e.by}
            if e.kind == DECISION
            else {"printed_at": e.at, "printed_by": e.by}
        )
        for submission_id in e.submission_ids:
            batch.update(SUBMISSIONS, submission_id, **sent)
