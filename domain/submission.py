"""A submission (an opinion) and its moderation, whatever channel it came by.

Checks against the outside world (the consultation's window, who is acting) run
once, in the public command; checks on the submission's own state run in the
`@event` body, which is replayed every time the submission is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.consultation import Consultation
from domain.errors import (
    AlreadyAppealedError,
    AlreadyDecidedError,
    AppealNotAllowedError,
    ConsultationClosedError,
    InvalidProvenanceError,
    InvalidRedactionError,
    ModerationStartedError,
    NoPendingAppealError,
    NotAuthorError,
    NotKeyingClerkError,
    NotPendingError,
    ReadBackNotConfirmedError,
    SeparationOfDutiesError,
    SubmissionWithdrawnError,
)
from domain.intake import check_brief, check_fields, check_provenance, check_scan
from domain.receipt import normalize_receipt
from domain.values import (
    MAX_NOTE_LENGTH,
    AppealStatus,
    Channel,
    Language,
    ReasonCode,
    Redaction,
    StaffId,
    Status,
    validate_text,
)

SUBMISSION_NAMESPACE = UUID("6c72f7fb-b8f9-458a-b679-0c17949957df")
"""Never change: submission ids already stored were derived from it."""

REDACTION_MARKS = {"fr": "[passage retiré : {reason}]", "en": "[passage removed: {reason}]"}
"""What stands in a published text for a passage withheld, in the text's language."""


class Submission(Aggregate):
    """One opinion given to one consultation, moderated against the charter."""

    @staticmethod
    def create_id(form_token: str) -> UUID:
        """The same form saved twice gets the same id, so the store refuses the copy."""
        return uuid5(SUBMISSION_NAMESPACE, form_token)

    @classmethod
    def receive(
        cls,
        *,
        form_token: str,
        consultation: Consultation,
        channel: Channel,
        participant_id: UUID,
        text: str,
        language: str,
        region: str | None,
        received_at: datetime,
        postmarked_at: datetime | None = None,
        call_started_at: datetime | None = None,
        keyed_by: StaffId | None = None,
        source_reference: str | None = None,
        show_name: bool = False,
        receipt_number: str,
        read_back_confirmed: bool = False,
        sealed: str | None = None,
        brief_size: int | None = None,
        brief_sha256: str | None = None,
        scan_size: int | None = None,
        scan_sha256: str | None = None,
        scan_type: str | None = None,
    ) -> Submission:
        """Receive an opinion if the consultation accepts it on this channel."""
        channel = Channel(channel)
        late = None
        if channel is Channel.MAIL:  # a late letter is recorded as such, not refused
            late = consultation.letter_lateness(received_at, postmarked_at)
        else:
            consultation.check_accepts(
                channel, received_at=received_at, call_started_at=call_started_at
            )
        check_provenance(channel, keyed_by, postmarked_at, call_started_at)
        if channel is Channel.PHONE and not read_back_confirmed:
            raise ReadBackNotConfirmedError
        check_fields(text, language, region, source_reference)
        check_brief(brief_size, brief_sha256)
        check_scan(channel, scan_size, scan_sha256, scan_type)
        submission = cls(
            id=cls.create_id(form_token),
            consultation_id=consultation.id,
            channel=channel.value,
            participant_id=participant_id,
            text=text,
            language=language,
            region=region,
            received_at=received_at,
            postmarked_at=postmarked_at,
            call_started_at=call_started_at,
            keyed_by=keyed_by,
            source_reference=source_reference,
            show_name=bool(show_name),
            receipt_number=normalize_receipt(receipt_number),
            sealed=sealed or None,
            brief_size=brief_size,
            brief_sha256=brief_sha256,
            scan_size=scan_size,
            scan_sha256=scan_sha256,
            scan_type=scan_type,
        )
        if late is not None:
            submission._record_late(late)
        elif channel is Channel.MAIL and consultation.letters_keyed_twice:
            submission._await_second_keying()
        return submission

    class Received(Aggregate.Created):
        consultation_id: UUID
        channel: str
        participant_id: UUID
        text: str
        language: str
        region: str | None
        received_at: datetime
        postmarked_at: datetime | None
        call_started_at: datetime | None
        keyed_by: StaffId | None
        source_reference: str | None
        show_name: bool
        receipt_number: str
        # Added later: events stored before lack them, and the aggregate gets None.
        sealed: str | None = None
        brief_size: int | None = None
        brief_sha256: str | None = None
        scan_size: int | None = None
        scan_sha256: str | None = None
        scan_type: str | None = None

    @event(Received)
    def __init__(
        self,
        id: UUID,
        *,
        consultation_id: UUID,
        channel: str,
        participant_id: UUID,
        text: str,
        language: str,
        region: str | None,
        received_at: datetime,
        postmarked_at: datetime | None,
        call_started_at: datetime | None,
        keyed_by: StaffId | None,
        source_reference: str | None,
        show_name: bool,
        receipt_number: str,
        sealed: str | None = None,
        brief_size: int | None = None,
        brief_sha256: str | None = None,
        scan_size: int | None = None,
        scan_sha256: str | None = None,
        scan_type: str | None = None,
    ) -> None:
        self.consultation_id, self.participant_id = consultation_id, participant_id
        self.channel = Channel(channel)
        self.text = self.original_text = text
        self.language, self.region = Language(language), region
        self.received_at, self.postmarked_at = received_at, postmarked_at
        self.call_started_at = call_started_at
        self.keyed_by, self.source_reference = keyed_by, source_reference
        self.show_name, self.receipt_number = show_name, receipt_number
        self.sealed = sealed  # personal fields (a postal code), sealed by the application
        self.brief_size, self.brief_sha256 = brief_size, brief_sha256
        self.scan_size, self.scan_sha256, self.scan_type = scan_size, scan_sha256, scan_type
        self.status = Status.RECEIVED
        self.appeal_status = AppealStatus.NONE
        self.moderation_started = False
        self.redactions: list[Redaction] = []
        self.published_by: StaffId | None = None
        self.proposed_by: StaffId | None = None
        self.refused_by: StaffId | None = None
        self.refusal_reason: ReasonCode | None = None
        self.refusal_note = ""
        self.appeal_text: str | None = None
        self.appeal_decided_by: StaffId | None = None
        self.withdrawn_at: datetime | None = None
        self.late_reason: str | None = None

    class ReceivedLate(Aggregate.Event):
        reason: str

    @event(ReceivedLate)
    def _record_late(self, reason: str) -> None:
        """Saved with `Received`: the letter missed the postmark or grace rule."""
        self.status = Status.LATE
        self.late_reason = reason

    # Clerk ----------------------------------------------------------------------

    class SecondKeyingAwaited(Aggregate.Event):
        pass

    @event(SecondKeyingAwaited)
    def _await_second_keying(self) -> None:
        """Saved with `Received` when the consultation asks for letters keyed twice."""
        self.status = Status.KEYING
        self.second_text: str | None = None
        self.second_keyed_by: StaffId | None = None

    def key_second(self, by: StaffId, at: datetime, text: str) -> None:
        """A second clerk keys the letter again, blind to the first keying."""
        if by == self.keyed_by:
            raise SeparationOfDutiesError("the second keying is another clerk's")
        validate_text(text)
        self._key_second(by, at, text)

    class KeyedSecond(Aggregate.Event):
        by: StaffId
        at: datetime
        text: str

    @event(KeyedSecond)
    def _key_second(self, by: StaffId, at: datetime, text: str) -> None:
        self._require_not_withdrawn()
        if self.status is not Status.KEYING or self.second_keyed_by is not None:
            raise NotPendingError("this letter is not waiting for a second keying")
        self.second_text, self.second_keyed_by = text, by

    def reconcile(self, by: StaffId, at: datetime, text: str) -> None:
        """A clerk who keyed neither settles the text; the letter then enters moderation."""
        if by in (self.keyed_by, getattr(self, "second_keyed_by", None)):
            raise SeparationOfDutiesError("the reconciliation is a third clerk's")
        validate_text(text)
        agreed = self.text == getattr(self, "second_text", None)
        self._reconcile(by, at, text, agreed)

    class Reconciled(Aggregate.Event):
        by: StaffId
        at: datetime
        text: str
        agreed: bool

    @event(Reconciled)
    def _reconcile(self, by: StaffId, at: datetime, text: str, agreed: bool) -> None:
        self._require_not_withdrawn()
        if self.status is not Status.KEYING or self.second_keyed_by is None:
            raise NotPendingError("this letter has not been keyed twice yet")
        self.text, self.status = text, Status.RECEIVED
        self.reconciled_by: StaffId | None = by

    def correct_transcription(self, by: StaffId, at: datetime, text: str) -> None:
        """The keying clerk fixes their own typing before any moderator acts."""
        if self.keyed_by is None or by != self.keyed_by:
            raise NotKeyingClerkError
        validate_text(text)
        self._correct_transcription(by, at, text, self.text)

    class TranscriptionCorrected(Aggregate.Event):
        by: StaffId
        at: datetime
        text: str
        previous_text: str

    @event(TranscriptionCorrected)
    def _correct_transcription(
        self, by: StaffId, at: datetime, text: str, previous_text: str
    ) -> None:
        self._require_not_withdrawn()
        if self.moderation_started or self.status is not Status.RECEIVED:
            raise ModerationStartedError
        if self._keyed_twice():
            raise ModerationStartedError("keyed twice: the reconciled text stands")
        self.text = text

    # Author ---------------------------------------------------------------------

    def withdraw(self, by: UUID, at: datetime, closes_at: datetime) -> None:
        """The author takes the opinion back, whatever its status, until closing."""
        self._require_author(by)
        if at >= closes_at:
            raise ConsultationClosedError(closes_at)
        self._withdraw(by, at)

    class Withdrawn(Aggregate.Event):
        by: UUID
        at: datetime

    @event(Withdrawn)
    def _withdraw(self, by: UUID, at: datetime) -> None:
        self._become_withdrawn(at)

    def _become_withdrawn(self, at: datetime) -> None:
        self._require_not_withdrawn()
        self.status = Status.WITHDRAWN
        self.withdrawn_at = at

    def withdraw_on_request(
        self, clerk: StaffId, at: datetime, closes_at: datetime, requested_via: Channel
    ) -> None:
        """The author asked by mail or phone; a clerk records it for them."""
        via = _by_mail_or_phone(requested_via)
        if at >= closes_at:
            raise ConsultationClosedError(closes_at)
        self._withdraw_on_request(clerk, at, via)

    class WithdrawnOnRequest(Aggregate.Event):
        recorded_by: StaffId
        at: datetime
        requested_via: str

    @event(WithdrawnOnRequest)
    def _withdraw_on_request(self, recorded_by: StaffId, at: datetime, requested_via: str) -> None:
        self._become_withdrawn(at)  # the same effect as the author's own

    def appeal(self, by: UUID, at: datetime, text: str) -> None:
        """The author asks once for a refusal to be reviewed again."""
        self._require_author(by)
        validate_text(text)
        self._appeal(by, at, text)

    class Appealed(Aggregate.Event):
        by: UUID
        at: datetime
        text: str

    @event(Appealed)
    def _appeal(self, by: UUID, at: datetime, text: str) -> None:
        self._become_appealed(text)

    def _become_appealed(self, text: str) -> None:
        self._require_not_withdrawn()
        if self.appeal_status is not AppealStatus.NONE:
            raise AlreadyAppealedError
        if self.status is not Status.REFUSED:
            raise AppealNotAllowedError(self.status)
        self.appeal_status = AppealStatus.PENDING
        self.appeal_text = text

    def appeal_on_request(
        self, clerk: StaffId, at: datetime, text: str, requested_via: Channel
    ) -> None:
        """The author appealed by mail or phone; a clerk records the appeal as given."""
        via = _by_mail_or_phone(requested_via)
        validate_text(text)
        self._appeal_on_request(clerk, at, text, via)

    class AppealedOnRequest(Aggregate.Event):
        recorded_by: StaffId
        at: datetime
        text: str
        requested_via: str

    @event(AppealedOnRequest)
    def _appeal_on_request(
        self, recorded_by: StaffId, at: datetime, text: str, requested_via: str
    ) -> None:
        self._become_appealed(text)

    # Moderator ------------------------------------------------------------------

    def publish(self, by: StaffId, at: datetime) -> None:
        self.publish_with_redactions(by, at, [])

    def publish_with_redactions(
        self,
        by: StaffId,
        at: datetime,
        redactions: list[tuple[int, int, ReasonCode]],
    ) -> None:
        """Publish, withholding passages; each one shows its charter reason."""
        self._require_not_keyer(by)
        try:
            spans = [(int(s), int(e), ReasonCode(r).value) for s, e, r in redactions]
        except (TypeError, ValueError) as error:
            raise InvalidRedactionError(error) from None
        self._publish(by, at, spans)

    class Published(Aggregate.Event):
        by: StaffId
        at: datetime
        redactions: list[tuple[int, int, str]]

    @event(Published)
    def _publish(self, by: StaffId, at: datetime, redactions: list[tuple[int, int, str]]) -> None:
        self._require_pending()
        spans = sorted(Redaction(s, e, ReasonCode(r)) for s, e, r in redactions)
        _check_spans(spans, len(self.text))
        self.status = Status.PUBLISHED
        self.redactions, self.published_by = spans, by
        self.moderation_started = True

    def propose_refusal(
        self, by: StaffId, at: datetime, reason: ReasonCode, note: str = ""
    ) -> None:
        """First half of a refusal: a second moderator must confirm it."""
        self._require_not_keyer(by)
        validate_text(note, max_length=MAX_NOTE_LENGTH, allow_empty=True)
        self._propose_refusal(by, at, ReasonCode(reason).value, note)

    class RefusalProposed(Aggregate.Event):
        by: StaffId
        at: datetime
        reason: str
        note: str

    @event(RefusalProposed)
    def _propose_refusal(self, by: StaffId, at: datetime, reason: str, note: str) -> None:
        self._require_pending()
        self.status = Status.REFUSAL_PROPOSED
        self.proposed_by, self.refusal_reason = by, ReasonCode(reason)
        self.refusal_note = note
        self.moderation_started = True

    def confirm_refusal(self, by: StaffId, at: datetime) -> None:
        self._require_second_moderator(by)
        self._confirm_refusal(by, at)

    class Refused(Aggregate.Event):
        by: StaffId
        at: datetime

    @event(Refused)
    def _confirm_refusal(self, by: StaffId, at: datetime) -> None:
        self._require_refusal_proposed()
        self.status = Status.REFUSED
        self.refused_by = by

    def overturn_refusal(self, by: StaffId, at: datetime) -> None:
        """A second moderator disagrees: the submission goes back to the queue."""
        self._require_second_moderator(by)
        self._overturn_refusal(by, at)

    class RefusalOverturned(Aggregate.Event):
        by: StaffId
        at: datetime

    @event(RefusalOverturned)
    def _overturn_refusal(self, by: StaffId, at: datetime) -> None:
        self._require_refusal_proposed()
        self.status = Status.RECEIVED
        self.proposed_by, self.refusal_reason, self.refusal_note = None, None, ""

    def decide_appeal(self, by: StaffId, at: datetime, granted: bool, note: str = "") -> None:
        """Decided by a moderator who took no part in the refusal."""
        self._require_not_keyer(by)
        if by in (self.proposed_by, self.refused_by):
            raise SeparationOfDutiesError
        validate_text(note, max_length=MAX_NOTE_LENGTH, allow_empty=True)
        self._decide_appeal(by, at, bool(granted), note)

    class AppealDecided(Aggregate.Event):
        by: StaffId
        at: datetime
        granted: bool
        note: str

    @event(AppealDecided)
    def _decide_appeal(self, by: StaffId, at: datetime, granted: bool, note: str) -> None:
        self._require_not_withdrawn()
        if self.appeal_status is not AppealStatus.PENDING:
            raise NoPendingAppealError
        self.appeal_decided_by = by
        if granted:
            self.appeal_status = AppealStatus.GRANTED
            self.status, self.redactions = Status.PUBLISHED, []
        else:
            self.appeal_status = AppealStatus.DISMISSED

    def decide_attachment(
        self, by: StaffId, at: datetime, publish: bool, reason: ReasonCode | None
    ) -> None:
        """The brief or the scan beside a published opinion: published with it, or not,
        for a reason of the charter. Unreviewed, it is never public."""
        self._require_not_keyer(by)
        if self.brief_size is None and self.scan_size is None:
            raise NotPendingError("no brief nor scan to decide on")
        if not publish and reason is None:
            raise InvalidRedactionError("an attachment withheld needs a reason")
        code = None if publish or reason is None else ReasonCode(reason).value
        self._decide_attachment(by, at, bool(publish), code)

    class AttachmentDecided(Aggregate.Event):
        by: StaffId
        at: datetime
        published: bool
        reason: str | None

    @event(AttachmentDecided)
    def _decide_attachment(
        self, by: StaffId, at: datetime, published: bool, reason: str | None
    ) -> None:
        self._require_not_withdrawn()
        if self.status is not Status.PUBLISHED:
            raise NotPendingError("an attachment is decided with the opinion's publication")
        self.attachment_published = published

    # Reading --------------------------------------------------------------------

    def published_text(self) -> str | None:
        """The text as the public sees it, or None while it is not published."""
        if self.status is not Status.PUBLISHED:
            return None
        return redact(self.text, self.redactions, self.language.value)

    # Guards ---------------------------------------------------------------------

    def _require_author(self, by: UUID) -> None:
        if by != self.participant_id:
            raise NotAuthorError

    def _keyed_twice(self) -> bool:
        return getattr(self, "second_keyed_by", None) is not None

    def _require_not_keyer(self, by: StaffId) -> None:
        """Whoever keyed it, keyed it again or settled its text does not moderate it."""
        typists = (self.keyed_by, getattr(self, "second_keyed_by", None))
        if by in typists or by == getattr(self, "reconciled_by", None):
            raise SeparationOfDutiesError

    def _require_second_moderator(self, by: StaffId) -> None:
        self._require_not_keyer(by)
        if by == self.proposed_by:
            raise SeparationOfDutiesError("a refusal needs a second moderator")

    def _require_not_withdrawn(self) -> None:
        if self.status is Status.WITHDRAWN:
            raise SubmissionWithdrawnError

    def _require_pending(self) -> None:
        self._require_not_withdrawn()
        if self.status is Status.REFUSAL_PROPOSED:
            raise NotPendingError("a refusal is waiting for confirmation")
        if self.status is Status.KEYING:
            raise NotPendingError("the letter is waiting for its second keying")
        if self.status is not Status.RECEIVED:
            raise AlreadyDecidedError(self.status)

    def _require_refusal_proposed(self) -> None:
        self._require_not_withdrawn()
        if self.status is not Status.REFUSAL_PROPOSED:
            raise NotPendingError("no refusal is waiting for confirmation")


def _by_mail_or_phone(channel: Channel) -> str:
    """What a clerk records on someone's behalf came by mail or by phone."""
    if Channel(channel) is Channel.ONLINE:
        raise InvalidProvenanceError("a request recorded by a clerk came by mail or phone")
    return Channel(channel).value


def redact(text: str, redactions: Sequence[Sequence[Any]], language: str = "fr") -> str:
    """Each withheld passage replaced by a mark that names the charter's reason."""
    mark = REDACTION_MARKS.get(language, REDACTION_MARKS["fr"])
    parts, cursor = [], 0
    for start, end, reason in redactions:
        parts += [text[cursor:start], mark.format(reason=reason)]
        cursor = end
    return "".join([*parts, text[cursor:]])


def _check_spans(spans: list[Redaction], length: int) -> None:
    """Spans must lie inside the text and not overlap (they are sorted)."""
    previous_end = 0
    for start, end, _reason in spans:
        if not previous_end <= start < end <= length:
            raise InvalidRedactionError(f"[{start}, {end})")
        previous_end = end
