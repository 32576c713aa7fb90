"""The public site's read model of submissions: as published, their counts, and the
moderation ledger."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain import Participant, Submission, redact
from projections.engine.base import Projection, carried_over, events_of, rows_for
from projections.engine.batch import Batch
from projections.engine.recorded import Recorded
from projections.events import Acted, Dated
from projections.public_submission_tables import COUNTS, LEDGER, PARTICIPANTS, SUBMISSIONS, TEXTS

# Opens sealed personal fields with the person's key; None once the key is destroyed.
OpenSealed = Callable[[bytes | None, str | None], dict[str, str] | None]
PARTICIPANT_TOPICS = get_topic(Participant) + "."


class PublicSubmissions(Projection):
    """Submissions as the public sees them, their counts, and the moderation ledger."""

    name = "public_submissions"
    tables = (SUBMISSIONS, TEXTS, LEDGER, COUNTS, PARTICIPANTS)
    carries = True
    # Not public_submissions_participant_idx: erasing a person updates their rows by it.
    read_indexes = (
        "public_submissions_published_idx",
        "public_submissions_search_idx",
        "public_submissions_region_idx",
        "public_submissions_channel_idx",
        "public_ledger_consultation_idx",
    )
    handles = events_of(Participant, "Registered", "ContactChanged", "Erased") + events_of(
        Submission,
        "Received",
        "ReceivedLate",
        "SecondKeyingAwaited",
        "Reconciled",
        "TranscriptionCorrected",
        "Published",
        "RefusalProposed",
        "Refused",
        "RefusalOverturned",
        "Withdrawn",
        "WithdrawnOnRequest",
        "Appealed",
        "AppealedOnRequest",
        "AppealDecided",
        "AttachmentDecided",
    )

    def __init__(self, pseudonym_key: bytes, open_sealed: OpenSealed) -> None:
        super().__init__()
        self._pseudonym_key = pseudonym_key
        self._open_sealed = open_sealed
        self._known: dict[UUID, dict[str, Any]] = {}
        self._people: dict[UUID, dict[str, Any]] = {}
        self._pseudonyms: dict[str, str] = {}  # a few moderators, many decisions each

    async def prefetch(self, conn: Any, events: Sequence[Recorded], carried: bool = False) -> None:
        """What handlers need of earlier batches: a query for submissions, one for people.

        Carried, what the batch before touched comes from memory, as its handlers left
        it (the same values they wrote), and the rest from the tables: a replay prepares
        a batch while the one before is written (`projections.engine.replay.Replay`).
        """
        await self._prefetch_submissions(conn, events, carried)
        wanted = {k["participant_id"] for k in self._known.values() if k["show_name"]}
        for e in events:
            if e.topic.startswith(PARTICIPANT_TOPICS):
                wanted.add(e.originator_id)
            elif getattr(e, "show_name", False):
                wanted.add(e.participant_id)
        await self._prefetch_people(conn, wanted, carried)

    async def _prefetch_people(self, conn: Any, wanted: set[UUID], carried: bool) -> None:
        kept = carried_over(self._people, wanted, carried)
        rows = await rows_for(
            conn,
            "SELECT k.participant_id, k.key, p.sealed FROM participant_keys k"
            " LEFT JOIN private_participants p USING (participant_id)"
            " WHERE k.participant_id = ANY($1::uuid[])",
            wanted - kept.keys(),
        )
        self._people = kept | {r["participant_id"]: dict(r) for r in rows}

    def _name(self, participant_id: UUID) -> str | None:
        person = self._people.get(participant_id, {})
        fields = self._open_sealed(person.get("key"), person.get("sealed"))
        return (fields or {}).get("name") or None

    def _shown_name(self, submission_id: UUID) -> str | None:
        """The author's name, only where the author consented to show it."""
        known = self._known[submission_id]
        return self._name(known["participant_id"]) if known["show_name"] else None

    async def _prefetch_submissions(
        self, conn: Any, events: Sequence[Recorded], carried: bool
    ) -> None:
        wanted = {e.originator_id for e in events if e.originator_version > 1}
        kept = carried_over(self._known, wanted, carried)
        rows = await rows_for(
            conn,
            "SELECT s.submission_id, s.consultation_id, s.receipt_number, s.refusal_reason,"
            " s.participant_id, s.show_name, s.language, t.text FROM public_submissions s"
            " JOIN private_submission_texts t USING (submission_id)"
            " WHERE s.submission_id = ANY($1::uuid[])",
            wanted - kept.keys(),
        )
        self._known = kept | {row["submission_id"]: dict(row) for row in rows}

    def pseudonym(self, staff_id: str) -> str:
        known = self._pseudonyms.get(staff_id)
        if known is None:
            digest = hmac.new(self._pseudonym_key, staff_id.encode(), hashlib.sha256).hexdigest()
            known = self._pseudonyms[staff_id] = "M-" + digest[:8].upper()
        return known

    def _decide(
        self, batch: Batch, e: Acted, position: int, decision: str, reasons: str | None = None
    ) -> None:
        """A moderator's decision, in the ledger under their pseudonym."""
        self._enter(batch, e, position, decision, reasons, self.pseudonym(e.by))

    def _enter(
        self,
        batch: Batch,
        e: Dated,
        position: int,
        decision: str,
        reasons: str | None,
        moderator: str | None,
    ) -> None:
        known = self._known[e.originator_id]
        batch.insert(
            LEDGER,
            notification_id=position,
            consultation_id=known["consultation_id"],
            submission_id=e.originator_id,
            receipt_number=known["receipt_number"],
            decision=decision,
            reason_codes=reasons,
            moderator=moderator,
            decided_at=e.at,
        )

    def _set(self, batch: Batch, e: Aggregate.Event, **columns: Any) -> None:
        batch.update(SUBMISSIONS, e.originator_id, **columns)

    def participant_registered(self, batch: Batch, e: Participant.Registered, _: int) -> None:
        self._people.setdefault(e.originator_id, {})["sealed"] = e.sealed
        batch.insert(PARTICIPANTS, participant_id=e.originator_id, sealed=e.sealed, region=e.region)

    def participant_contact_changed(
        self, batch: Batch, e: Participant.ContactChanged, _: int
    ) -> None:
        self._people.setdefault(e.originator_id, {})["sealed"] = e.sealed
        batch.update(PARTICIPANTS, e.originator_id, sealed=e.sealed)
        batch.execute(
            "UPDATE public_submissions SET display_name = $2"
            " WHERE participant_id = $1 AND show_name AND status = 'published'",
            e.originator_id,
            self._name(e.originator_id),
        )

    def participant_erased(self, batch: Batch, e: Participant.Erased, _: int) -> None:
        # No key, no sealed fields: as the tables say once this batch is written, which
        # the next batch of a replay reads from here (`carried`), not from them.
        self._people[e.originator_id] = {"key": None, "sealed": None}
        batch.update(PARTICIPANTS, e.originator_id, sealed=None, erased_at=e.at)
        batch.execute(
            "UPDATE public_submissions SET display_name = NULL WHERE participant_id = $1",
            e.originator_id,
        )

    def submission_received(self, batch: Batch, e: Submission.Received, _: int) -> None:
        self._known[e.originator_id] = {
            "consultation_id": e.consultation_id,
            "receipt_number": e.receipt_number,
            "refusal_reason": None,
            "text": e.text,
            "participant_id": e.participant_id,
            "show_name": e.show_name,
            "language": e.language,
        }
        batch.insert(
            SUBMISSIONS,
            submission_id=e.originator_id,
            consultation_id=e.consultation_id,
            receipt_number=e.receipt_number,
            channel=e.channel,
            language=e.language,
            region=e.region,
            status="received",
            appeal_status="none",
            received_at=e.received_at,
            participant_id=e.participant_id,
            show_name=e.show_name,
        )
        sealed = getattr(e, "sealed", None)  # events stored before postal codes lack it
        batch.insert(TEXTS, submission_id=e.originator_id, text=e.text, sealed=sealed)

    def submission_received_late(self, batch: Batch, e: Submission.ReceivedLate, _: int) -> None:
        """Recorded and counted as late; never moderated, so never on the ledger."""
        self._set(batch, e, status="late")

    def submission_second_keying_awaited(
        self, batch: Batch, e: Submission.SecondKeyingAwaited, _: int
    ) -> None:
        self._set(batch, e, status="keying")

    def submission_reconciled(self, batch: Batch, e: Submission.Reconciled, _: int) -> None:
        """The two keyings settled into one text: the letter enters moderation."""
        self._set(batch, e, status="received")
        self._keep_text(batch, e.originator_id, e.text)

    def submission_transcription_corrected(
        self, batch: Batch, e: Submission.TranscriptionCorrected, _: int
    ) -> None:
        self._keep_text(batch, e.originator_id, e.text)

    def _keep_text(self, batch: Batch, submission_id: UUID, text: str) -> None:
        self._known[submission_id]["text"] = text
        batch.update(TEXTS, submission_id, text=text)

    def submission_published(self, batch: Batch, e: Submission.Published, position: int) -> None:
        known = self._known[e.originator_id]
        text = redact(known["text"], e.redactions, known["language"])
        name = self._shown_name(e.originator_id)
        self._set(batch, e, status="published", published_at=e.at, text=text, display_name=name)
        reasons = ",".join(sorted({str(r[2]) for r in e.redactions})) or None
        decision = "published_with_redactions" if e.redactions else "published"
        self._decide(batch, e, position, decision, reasons)

    def submission_refusal_proposed(
        self, batch: Batch, e: Submission.RefusalProposed, position: int
    ) -> None:
        self._known[e.originator_id]["refusal_reason"] = e.reason
        self._set(batch, e, status="refusal_proposed", refusal_reason=e.reason)
        self._decide(batch, e, position, "refusal_proposed", e.reason)

    def submission_refused(self, batch: Batch, e: Submission.Refused, position: int) -> None:
        self._set(batch, e, status="refused")
        self._decide(batch, e, position, "refused", self._known[e.originator_id]["refusal_reason"])

    def submission_refusal_overturned(
        self, batch: Batch, e: Submission.RefusalOverturned, position: int
    ) -> None:
        self._known[e.originator_id]["refusal_reason"] = None
        self._set(batch, e, status="received", refusal_reason=None)
        self._decide(batch, e, position, "refusal_overturned")

    def submission_withdrawn(self, batch: Batch, e: Submission.Withdrawn, position: int) -> None:
        self._withdraw(batch, e, position)

    def submission_withdrawn_on_request(
        self, batch: Batch, e: Submission.WithdrawnOnRequest, position: int
    ) -> None:
        self._withdraw(batch, e, position)  # asked by mail or phone: the same

    def _withdraw(
        self,
        batch: Batch,
        e: Submission.Withdrawn | Submission.WithdrawnOnRequest,
        position: int,
    ) -> None:
        """The author's own act, even when a clerk recorded it: no moderator on the ledger."""
        self._set(batch, e, status="withdrawn", text=None, display_name=None)
        self._enter(batch, e, position, "withdrawn", None, None)

    def submission_appealed(self, batch: Batch, e: Submission.Appealed, _: int) -> None:
        self._set(batch, e, appeal_status="pending")

    def submission_appealed_on_request(
        self, batch: Batch, e: Submission.AppealedOnRequest, _: int
    ) -> None:
        self._set(batch, e, appeal_status="pending")  # asked by mail or phone: the same

    def submission_appeal_decided(
        self, batch: Batch, e: Submission.AppealDecided, position: int
    ) -> None:
        if e.granted:
            text = self._known[e.originator_id]["text"]
            name = self._shown_name(e.originator_id)
            self._set(
                batch,
                e,
                status="published",
                appeal_status="granted",
                published_at=e.at,
                text=text,
                display_name=name,
            )
            self._decide(batch, e, position, "appeal_granted")
        else:
            self._set(batch, e, appeal_status="dismissed")
            self._decide(batch, e, position, "appeal_dismissed")

    def submission_attachment_decided(
        self, batch: Batch, e: Submission.AttachmentDecided, _: int
    ) -> None:
        self._set(batch, e, attachment_published=e.published)
