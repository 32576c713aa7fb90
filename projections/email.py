"""Notices owed to authors, whatever their channel: one row per message (received,
published, refused, appealed...), written from the events.

The sender emails those who have an email address (online, or given to a clerk with a
letter or a call); the clerks print the decisions owed to letter writers and callers
from the same rows (app/clerk/outbox.py). A row names the participant, never an
address: the sender (app/workers/email.py) opens the address through the vault at send
time, so an erasure stops mail not yet sent. Rows are keyed by the event's notification
id, so a replay writes the same rows; what was sent is kept by the sender in
`email_deliveries`, a table this projection does not own, so a rebuild never sends
anything twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import Submission
from projections.engine.base import Projection, events_of, rows_for
from projections.engine.batch import Batch, Table
from projections.engine.recorded import Recorded

OUTGOING = Table(
    "outgoing_email",
    key="email_id",
    types={
        "email_id": "bigint",
        "submission_id": "uuid",
        "participant_id": "uuid",
        "kind": "text",
        "language": "text",
        "receipt_number": "text",
        "consultation_id": "uuid",
        "reasons": "text",
        "created_at": "timestamptz",
    },
)
KNOWN = Table(
    "email_submissions",
    key="submission_id",
    types={
        "submission_id": "uuid",
        "participant_id": "uuid",
        "language": "text",
        "receipt_number": "text",
        "consultation_id": "uuid",
        "refusal_reason": "text",
    },
)

RECEIVED = "received"
RECEIVED_LATE = "received_late"
PUBLISHED = "published"
REFUSED = "refused"
WITHDRAWN = "withdrawn"
APPEALED = "appealed"
APPEAL_GRANTED = "appeal_granted"
APPEAL_DISMISSED = "appeal_dismissed"
KINDS = (
    RECEIVED,
    RECEIVED_LATE,
    PUBLISHED,
    REFUSED,
    WITHDRAWN,
    APPEALED,
    APPEAL_GRANTED,
    APPEAL_DISMISSED,
)


class OutgoingEmail(Projection):
    name = "outgoing_email"
    tables = (OUTGOING, KNOWN)
    read_indexes = ("outgoing_email_created_idx",)
    handles = events_of(
        Submission,
        "Received",
        "ReceivedLate",
        "Published",
        "RefusalProposed",
        "Refused",
        "Withdrawn",
        "WithdrawnOnRequest",
        "Appealed",
        "AppealedOnRequest",
        "AppealDecided",
    )

    def __init__(self) -> None:
        super().__init__()
        self._known: dict[UUID, dict[str, Any]] = {}
        self._received: dict[UUID, int] = {}  # this batch's "received" rows, by submission

    async def prefetch(
        self, conn: Any, events: Sequence[Recorded], carried: bool = False
    ) -> None:  # not `carries`: measured, replaying it side by side gained nothing
        wanted = {e.originator_id for e in events if e.originator_version > 1}
        rows = await rows_for(
            conn, "SELECT * FROM email_submissions WHERE submission_id = ANY($1::uuid[])", wanted
        )
        self._known = {r["submission_id"]: dict(r) for r in rows}
        self._received = {}

    def _mail(
        self, batch: Batch, e: Aggregate.Event, position: int, kind: str, reasons: str | None = None
    ) -> None:
        known = self._known.get(e.originator_id)
        if known is None:  # not projected: received before this projection existed
            return
        batch.insert(
            OUTGOING,
            email_id=position,
            submission_id=e.originator_id,
            participant_id=known["participant_id"],
            kind=kind,
            language=known["language"],
            receipt_number=known["receipt_number"],
            consultation_id=known["consultation_id"],
            reasons=reasons,
            created_at=e.timestamp,
        )

    def submission_received(self, batch: Batch, e: Submission.Received, position: int) -> None:
        known = {
            "submission_id": e.originator_id,
            "participant_id": e.participant_id,
            "language": e.language,
            "receipt_number": e.receipt_number,
            "consultation_id": e.consultation_id,
            "refusal_reason": None,
        }
        self._known[e.originator_id] = known
        self._received[e.originator_id] = position
        batch.insert(KNOWN, **known)
        self._mail(batch, e, position, RECEIVED)

    def submission_received_late(
        self, batch: Batch, e: Submission.ReceivedLate, position: int
    ) -> None:
        """Saved with `Received`: its notice says late, not "a moderator will read it"."""
        received = self._received.get(e.originator_id)
        if received is None:  # read in another batch: the late notice follows on its own
            self._mail(batch, e, position, RECEIVED_LATE)
        elif e.originator_id in self._known:
            batch.update(OUTGOING, received, kind=RECEIVED_LATE)

    def submission_published(self, batch: Batch, e: Submission.Published, position: int) -> None:
        reasons = ",".join(sorted({str(r[2]) for r in e.redactions})) or None
        self._mail(batch, e, position, PUBLISHED, reasons)

    def submission_refusal_proposed(
        self, batch: Batch, e: Submission.RefusalProposed, _: int
    ) -> None:
        """No email yet (a second moderator decides), but the reason is kept."""
        if e.originator_id in self._known:
            self._known[e.originator_id]["refusal_reason"] = e.reason
            batch.update(KNOWN, e.originator_id, refusal_reason=e.reason)

    def submission_refused(self, batch: Batch, e: Submission.Refused, position: int) -> None:
        reason = self._known.get(e.originator_id, {}).get("refusal_reason")
        self._mail(batch, e, position, REFUSED, reason)

    def submission_withdrawn(self, batch: Batch, e: Submission.Withdrawn, position: int) -> None:
        self._mail(batch, e, position, WITHDRAWN)

    def submission_withdrawn_on_request(
        self, batch: Batch, e: Submission.WithdrawnOnRequest, position: int
    ) -> None:
        """An online author who asked by mail or phone is told by email all the same."""
        self._mail(batch, e, position, WITHDRAWN)

    def submission_appealed(self, batch: Batch, e: Submission.Appealed, position: int) -> None:
        self._mail(batch, e, position, APPEALED)

    def submission_appealed_on_request(
        self, batch: Batch, e: Submission.AppealedOnRequest, position: int
    ) -> None:
        self._mail(batch, e, position, APPEALED)

    def submission_appeal_decided(
        self, batch: Batch, e: Submission.AppealDecided, position: int
    ) -> None:
        if e.granted:
            self._mail(batch, e, position, APPEAL_GRANTED)
        else:
            reason = self._known.get(e.originator_id, {}).get("refusal_reason")
            self._mail(batch, e, position, APPEAL_DISMISSED, reason)
