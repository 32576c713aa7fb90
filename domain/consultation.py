"""The consultation: its content, its schedule, and which opinions it accepts.

Times are half-open intervals: a consultation is open from `opens_at` included to
`closes_at` excluded, and a letter postmarked in time may arrive until
`mail_deadline` excluded. Channel parity lives in `check_accepts`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.content import EDITABLE, check_bilingual, check_content, require_plausible
from domain.errors import (
    CallNotLiveError,
    ConsultationAlreadyOpenError,
    ConsultationCancelledError,
    ConsultationClosedError,
    ConsultationNotAcceptingError,
    ConsultationNotDraftError,
    ConsultationNotFinishedError,
    ConsultationNotOpenError,
    ConsultationNotScheduledError,
    DocumentAlreadyAttachedError,
    DocumentNotAttachedError,
    DomainError,
    GracePeriodOverError,
    InconsistentDatesError,
    InvalidContentError,
    InvalidScheduleError,
    MissingCallStartError,
    MissingPostmarkError,
    ReportAlreadyPublishedError,
)
from domain.values import (
    MAX_NOTE_LENGTH,
    Bilingual,
    Channel,
    ConsultationStatus,
    Phase,
    StaffId,
    require_aware,
    validate_text,
)

MAX_FILENAME_LENGTH = 255
CALL_KEYING_LIMIT = timedelta(hours=2)
"""A call is keyed and read back while the caller is on the line; one keyed later than
this after it began was not read back live."""
LATE_POSTMARK = "postmarked_after_closing"
LATE_ARRIVAL = "received_after_grace"


class Consultation(Aggregate):
    """A question put to the public, open during a window, on three equal channels."""

    @classmethod
    def draft(
        cls,
        id: UUID,
        *,
        by: StaffId,
        at: datetime,
        title: Bilingual,
        summary: Bilingual,
        body: Bilingual,
        questions: list[Bilingual],
        opens_at: datetime,
        closes_at: datetime,
        mail_grace_days: int,
        postal_address: str,
        phone: str,
        phone_hours: Bilingual,
    ) -> Consultation:
        """Start a consultation; nothing is public until it is scheduled."""
        content: dict[str, Any] = {
            "title": title,
            "summary": summary,
            "body": body,
            "questions": questions,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "mail_grace_days": mail_grace_days,
            "postal_address": postal_address,
            "phone": phone,
            "phone_hours": phone_hours,
        }
        require_plausible(at)
        check_content(content)
        return cls(id=id, by=by, at=at, **content)

    class Drafted(Aggregate.Created):
        by: StaffId
        at: datetime
        title: Bilingual
        summary: Bilingual
        body: Bilingual
        questions: list[Bilingual]
        opens_at: datetime
        closes_at: datetime
        mail_grace_days: int
        postal_address: str
        phone: str
        phone_hours: Bilingual

    @event(Drafted)
    def __init__(
        self,
        id: UUID,
        *,
        by: StaffId,
        at: datetime,
        title: Bilingual,
        summary: Bilingual,
        body: Bilingual,
        questions: list[Bilingual],
        opens_at: datetime,
        closes_at: datetime,
        mail_grace_days: int,
        postal_address: str,
        phone: str,
        phone_hours: Bilingual,
    ) -> None:
        self.status = ConsultationStatus.DRAFT
        self.drafted_by, self.drafted_at = by, at
        self.title, self.summary, self.body = title, summary, body
        self.questions = questions
        self.opens_at, self.closes_at = opens_at, closes_at
        self.mail_grace_days = mail_grace_days
        self.postal_address, self.phone = postal_address, phone
        self.phone_hours = phone_hours
        self.closed_early_reason: str | None = None
        self.cancelled_reason: str | None = None
        self.report_summary: Bilingual | None = None
        self.report_document: str | None = None
        self.report_published_at: datetime | None = None
        self.documents: list[dict[str, Any]] = []
        self.letters_keyed_twice = False

    # Organizer commands --------------------------------------------------------

    def edit(self, by: StaffId, at: datetime, **changes: Any) -> None:
        """Change any fields of a draft; the merged result must still be valid."""
        unknown = changes.keys() - EDITABLE
        if unknown:
            msg = f"not editable: {sorted(unknown)}"
            raise TypeError(msg)
        check_content({**self._content(), **changes})
        self._edit(by, at, changes)

    class Edited(Aggregate.Event):
        by: StaffId
        at: datetime
        changes: dict[str, Any]

    @event(Edited)
    def _edit(self, by: StaffId, at: datetime, changes: dict[str, Any]) -> None:
        self._require(ConsultationStatus.DRAFT)
        for name, value in changes.items():
            setattr(self, name, value)

    def schedule(self, by: StaffId, at: datetime) -> None:
        """Commit to the published schedule; the consultation opens at `opens_at`."""
        require_plausible(at)
        if at >= self.closes_at:
            raise InvalidScheduleError("the closing time has already passed")
        self._require_questions()
        self._schedule(by, at)

    class Scheduled(Aggregate.Event):
        by: StaffId
        at: datetime

    @event(Scheduled)
    def _schedule(self, by: StaffId, at: datetime) -> None:
        self._require(ConsultationStatus.DRAFT)
        self.status = ConsultationStatus.SCHEDULED

    def open(self, by: StaffId, at: datetime) -> None:
        """Open now, ahead of the schedule (from draft or while upcoming)."""
        require_plausible(at)
        if at >= self.closes_at:
            raise ConsultationClosedError(self.closes_at)
        if self.status is ConsultationStatus.SCHEDULED and at >= self.opens_at:
            raise ConsultationAlreadyOpenError(self.opens_at)
        self._require_questions()
        self._open(by, at)

    class Opened(Aggregate.Event):
        by: StaffId
        at: datetime

    @event(Opened)
    def _open(self, by: StaffId, at: datetime) -> None:
        self._require(ConsultationStatus.DRAFT, ConsultationStatus.SCHEDULED)
        self.status = ConsultationStatus.SCHEDULED
        self.opens_at = at

    def extend_deadline(self, by: StaffId, at: datetime, new_closes_at: datetime) -> None:
        """Push the closing time later; a closed consultation is never reopened."""
        require_plausible(at, new_closes_at)
        if at >= self.closes_at:
            raise ConsultationClosedError(self.closes_at)
        self._extend_deadline(by, at, new_closes_at)

    class DeadlineExtended(Aggregate.Event):
        by: StaffId
        at: datetime
        new_closes_at: datetime

    @event(DeadlineExtended)
    def _extend_deadline(self, by: StaffId, at: datetime, new_closes_at: datetime) -> None:
        self._require(ConsultationStatus.SCHEDULED)
        if new_closes_at <= self.closes_at:
            raise InvalidScheduleError("an extension must close later")
        self.closes_at = new_closes_at

    def close_early(self, by: StaffId, at: datetime, reason: str) -> None:
        """Close an open consultation now; before it opens, cancel it instead."""
        require_plausible(at)
        validate_text(reason, max_length=MAX_NOTE_LENGTH)
        if at >= self.closes_at:
            raise ConsultationClosedError(self.closes_at)
        if at < self.opens_at:
            raise ConsultationNotOpenError(self.opens_at)
        self._close_early(by, at, reason)

    class ClosedEarly(Aggregate.Event):
        by: StaffId
        at: datetime
        reason: str

    @event(ClosedEarly)
    def _close_early(self, by: StaffId, at: datetime, reason: str) -> None:
        self._require(ConsultationStatus.SCHEDULED)
        self.closes_at = at
        self.closed_early_reason = reason

    def cancel(self, by: StaffId, at: datetime, reason: str) -> None:
        """Call the consultation off; once closed, it has happened and stays."""
        require_plausible(at)
        validate_text(reason, max_length=MAX_NOTE_LENGTH)
        if self.status is ConsultationStatus.SCHEDULED and at >= self.closes_at:
            raise ConsultationClosedError(self.closes_at)
        self._cancel(by, at, reason)

    class Cancelled(Aggregate.Event):
        by: StaffId
        at: datetime
        reason: str

    @event(Cancelled)
    def _cancel(self, by: StaffId, at: datetime, reason: str) -> None:
        self._require(ConsultationStatus.DRAFT, ConsultationStatus.SCHEDULED)
        self.status = ConsultationStatus.CANCELLED
        self.cancelled_reason = reason

    def publish_report(self, by: StaffId, at: datetime, summary: Bilingual, document: str) -> None:
        """Publish the report once every channel is final (mail grace included)."""
        require_plausible(at)
        check_bilingual("summary", summary)
        validate_text(document, max_length=MAX_NOTE_LENGTH)
        if self.status is ConsultationStatus.SCHEDULED and at < self.mail_deadline:
            raise ConsultationNotFinishedError(self.mail_deadline)
        self._publish_report(by, at, summary, document)

    class ReportPublished(Aggregate.Event):
        by: StaffId
        at: datetime
        summary: Bilingual
        document: str

    @event(ReportPublished)
    def _publish_report(self, by: StaffId, at: datetime, summary: Bilingual, document: str) -> None:
        self._require(ConsultationStatus.SCHEDULED)
        if self.report_published_at is not None:
            raise ReportAlreadyPublishedError(self.report_published_at)
        self.report_summary, self.report_document = summary, document
        self.report_published_at = at

    def attach_document(
        self,
        by: StaffId,
        at: datetime,
        *,
        document_id: UUID,
        title: Bilingual,
        filename: str,
        size: int,
    ) -> None:
        """Add a document for the public to read; its bytes are kept outside the events."""
        require_plausible(at)
        check_bilingual("title", title)
        validate_text(filename, max_length=MAX_FILENAME_LENGTH)
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise InvalidContentError("a document has a positive size in bytes")
        self._attach_document(by, at, document_id, title, filename, size)

    class DocumentAttached(Aggregate.Event):
        by: StaffId
        at: datetime
        document_id: UUID
        title: Bilingual
        filename: str
        size: int

    @event(DocumentAttached)
    def _attach_document(
        self,
        by: StaffId,
        at: datetime,
        document_id: UUID,
        title: Bilingual,
        filename: str,
        size: int,
    ) -> None:
        self._require(ConsultationStatus.DRAFT, ConsultationStatus.SCHEDULED)
        if self._document_index(document_id) is not None:
            raise DocumentAlreadyAttachedError(document_id)
        document = {"id": document_id, "title": title, "filename": filename, "size": size}
        self.documents = [*self.documents, document]

    def remove_document(self, by: StaffId, at: datetime, document_id: UUID) -> None:
        """Withdraw a document from the public page; the event log keeps that it was there."""
        require_plausible(at)
        self._remove_document(by, at, document_id)

    class DocumentRemoved(Aggregate.Event):
        by: StaffId
        at: datetime
        document_id: UUID

    @event(DocumentRemoved)
    def _remove_document(self, by: StaffId, at: datetime, document_id: UUID) -> None:
        self._require(ConsultationStatus.DRAFT, ConsultationStatus.SCHEDULED)
        index = self._document_index(document_id)
        if index is None:
            raise DocumentNotAttachedError(document_id)
        self.documents = [d for i, d in enumerate(self.documents) if i != index]

    def set_double_keying(self, by: StaffId, at: datetime, required: bool) -> None:
        """Whether each letter is keyed a second time, blind, and the two reconciled
        before it is moderated; decided before the consultation opens or while it runs."""
        self._set_double_keying(by, at, bool(required))

    class DoubleKeyingSet(Aggregate.Event):
        by: StaffId
        at: datetime
        required: bool

    @event(DoubleKeyingSet)
    def _set_double_keying(self, by: StaffId, at: datetime, required: bool) -> None:
        self._require(ConsultationStatus.DRAFT, ConsultationStatus.SCHEDULED)
        self.letters_keyed_twice = required

    # Rules ----------------------------------------------------------------------

    @property
    def mail_deadline(self) -> datetime:
        return mail_deadline(self.closes_at, self.mail_grace_days)

    def phase(self, at: datetime) -> Phase:
        """What the public sees at `at`."""
        if self.status is ConsultationStatus.CANCELLED:
            return Phase.CANCELLED
        if self.status is ConsultationStatus.DRAFT:
            return Phase.DRAFT
        if at < self.opens_at:
            return Phase.UPCOMING
        return Phase.OPEN if at < self.closes_at else Phase.CLOSED

    def check_accepts(
        self,
        channel: Channel,
        *,
        received_at: datetime,
        postmarked_at: datetime | None = None,
        call_started_at: datetime | None = None,
    ) -> None:
        """Raise the named reason why an opinion would not count, else return.

        Online counts when received in the window; a letter when postmarked in the
        window and received before `mail_deadline`; a call when it began in the window.
        """
        require_aware(received_at, postmarked_at, call_started_at)
        if self.status is not ConsultationStatus.SCHEDULED:
            raise ConsultationNotAcceptingError(self.status)
        channel = Channel(channel)
        if channel is Channel.MAIL:
            self._check_mail(received_at, postmarked_at)
        elif channel is Channel.PHONE:
            self._check_phone(received_at, call_started_at)
        else:
            self._check_window(received_at)

    def accepts(
        self,
        channel: Channel,
        *,
        received_at: datetime,
        postmarked_at: datetime | None = None,
        call_started_at: datetime | None = None,
    ) -> bool:
        try:
            self.check_accepts(
                channel,
                received_at=received_at,
                postmarked_at=postmarked_at,
                call_started_at=call_started_at,
            )
        except DomainError:
            return False
        return True

    def _check_window(self, moment: datetime) -> None:
        if moment < self.opens_at:
            raise ConsultationNotOpenError(self.opens_at)
        if moment >= self.closes_at:
            raise ConsultationClosedError(self.closes_at)

    def _check_mail(self, received_at: datetime, postmarked_at: datetime | None) -> None:
        if postmarked_at is None:
            raise MissingPostmarkError
        if postmarked_at > received_at:
            raise InconsistentDatesError("postmarked after it was received")
        self._check_window(postmarked_at)
        if received_at >= self.mail_deadline:
            raise GracePeriodOverError(self.mail_deadline)

    def _check_phone(self, received_at: datetime, started_at: datetime | None) -> None:
        if started_at is None:
            raise MissingCallStartError
        if started_at > received_at:
            raise InconsistentDatesError("call began after it was keyed")
        if received_at - started_at > CALL_KEYING_LIMIT:
            raise CallNotLiveError
        self._check_window(started_at)

    def letter_lateness(self, received_at: datetime, postmarked_at: datetime | None) -> str | None:
        """Why a letter is late ("postmarked_after_closing", "received_after_grace"), or
        None when it counts; any other fault in its dates is raised as for `check_accepts`.

        A late letter is still recorded (and acknowledged), never moderated.
        """
        try:
            self.check_accepts(Channel.MAIL, received_at=received_at, postmarked_at=postmarked_at)
        except ConsultationClosedError:
            return LATE_POSTMARK
        except GracePeriodOverError:
            return LATE_ARRIVAL
        return None

    def _require(self, *allowed: ConsultationStatus) -> None:
        """Name the reason a command does not fit the current status."""
        if self.status in allowed:
            return
        if self.status is ConsultationStatus.CANCELLED:
            raise ConsultationCancelledError
        if self.status is ConsultationStatus.DRAFT:
            raise ConsultationNotScheduledError
        raise ConsultationNotDraftError

    def _require_questions(self) -> None:
        """Citizens answer questions: with none, the public form has nothing to fill in.

        A draft now needs one, but one saved before that rule may have none; it is
        checked here, outside the events, so such a history still replays.
        """
        if not self.questions:
            raise InvalidContentError("a consultation asks at least one question")

    def _document_index(self, document_id: UUID) -> int | None:
        ids = [d["id"] for d in self.documents]
        return ids.index(document_id) if document_id in ids else None

    def _content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE}


def mail_deadline(closes_at: datetime, grace_days: int) -> datetime:
    """Letters postmarked in time count if received before this (exclusive).

    Counted in exact 24-hour days from `closes_at`, so the answer does not change
    when the stored time comes back with a fixed UTC offset instead of a zone.
    """
    return closes_at.astimezone(UTC) + timedelta(days=grace_days)
