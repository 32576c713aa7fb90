"""Named domain errors.

One root, `DomainError`, so the web layer has a single handler that turns a broken
rule into a 4xx page. Each error carries a stable snake_case `code` that the web
layer maps to French and English text; the English `message` is for logs and tests.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A command broke a rule of the domain; the person can be told why."""

    code: ClassVar[str] = "domain_error"
    message: ClassVar[str] = "This action breaks a rule."

    def __init__(self, detail: object = "") -> None:
        self.detail = str(detail)
        super().__init__(f"{self.message} {self.detail}".strip())


# Consultation life cycle -------------------------------------------------------


class ConsultationNotDraftError(DomainError):
    code = "consultation_not_draft"
    message = "Only a draft consultation can be changed this way."


class ConsultationNotScheduledError(DomainError):
    code = "consultation_not_scheduled"
    message = "The consultation has not been scheduled yet."


class ConsultationCancelledError(DomainError):
    code = "consultation_cancelled"
    message = "The consultation was cancelled."


class ConsultationAlreadyOpenError(DomainError):
    code = "consultation_already_open"
    message = "The consultation is already open."


class ConsultationNotOpenError(DomainError):
    code = "consultation_not_open"
    message = "The consultation is not open yet."


class ConsultationClosedError(DomainError):
    code = "consultation_closed"
    message = "The consultation is closed."


class ConsultationNotAcceptingError(DomainError):
    code = "consultation_not_accepting"
    message = "The consultation does not accept opinions (draft or cancelled)."


class ConsultationNotFinishedError(DomainError):
    code = "consultation_not_finished"
    message = "The consultation and its mail grace period are not over yet."


class ReportAlreadyPublishedError(DomainError):
    code = "report_already_published"
    message = "The report of this consultation is already published."


class InvalidScheduleError(DomainError):
    code = "schedule_invalid"
    message = "The schedule is not possible."


class InvalidContentError(DomainError):
    code = "content_invalid"
    message = "A French and an English text are required."


class DocumentAlreadyAttachedError(DomainError):
    code = "document_already_attached"
    message = "This document is already attached to the consultation."


class DocumentNotAttachedError(DomainError):
    code = "document_not_attached"
    message = "This document is not attached to the consultation."


# Receiving submissions -----------------------------------------------------------


class MissingPostmarkError(DomainError):
    code = "postmark_missing"
    message = "A mailed letter needs its postmark date."


class MissingCallStartError(DomainError):
    code = "call_start_missing"
    message = "A phone call needs the time it began."


class GracePeriodOverError(DomainError):
    code = "grace_period_over"
    message = "The letter arrived after the mail grace period."


class InconsistentDatesError(DomainError):
    code = "dates_inconsistent"
    message = "The dates contradict each other."


class InvalidProvenanceError(DomainError):
    code = "provenance_invalid"
    message = "The channel details do not match the channel."


class CallNotLiveError(DomainError):
    code = "call_not_live"
    message = "A call is keyed while it lasts: this one began more than two hours before."


class ReadBackNotConfirmedError(DomainError):
    code = "read_back_not_confirmed"
    message = "The caller has not confirmed the read-back."


class InvalidTextError(DomainError):
    code = "text_invalid"
    message = "The text is empty, too long or contains invalid characters."


class InvalidLanguageError(DomainError):
    code = "language_invalid"
    message = "The language is not French or English."


class InvalidRegionError(DomainError):
    code = "region_invalid"
    message = "The region is not one of Quebec's administrative regions."


class InvalidBriefError(DomainError):
    code = "brief_invalid"
    message = "A brief is a PDF of at most 10 MB, named by its SHA-256."


class InvalidReceiptNumberError(DomainError):
    code = "receipt_number_invalid"
    message = "This is not a valid receipt number."


# Moderation and the author's rights ---------------------------------------------


class AlreadyDecidedError(DomainError):
    code = "already_decided"
    message = "The submission was already published or refused."


class NotPendingError(DomainError):
    code = "not_pending"
    message = "The submission is not waiting for this decision."


class SubmissionWithdrawnError(DomainError):
    code = "submission_withdrawn"
    message = "The submission was withdrawn by its author."


class ModerationStartedError(DomainError):
    code = "moderation_started"
    message = "Moderation has started; the transcription can no longer change."


class NotKeyingClerkError(DomainError):
    code = "not_keying_clerk"
    message = "Only the clerk who keyed this submission can correct it."


class SeparationOfDutiesError(DomainError):
    code = "separation_of_duties"
    message = "You took part in this submission and cannot decide on it."


class NotAuthorError(DomainError):
    code = "not_author"
    message = "Only the author can do this."


class AppealNotAllowedError(DomainError):
    code = "appeal_not_allowed"
    message = "Only a refused submission can be appealed."


class AlreadyAppealedError(DomainError):
    code = "already_appealed"
    message = "This submission was already appealed."


class NoPendingAppealError(DomainError):
    code = "no_pending_appeal"
    message = "There is no appeal waiting for a decision."


class InvalidRedactionError(DomainError):
    code = "redaction_invalid"
    message = "A redaction is outside the text, overlaps another or has no reason."


# Participants --------------------------------------------------------------------


class ParticipantErasedError(DomainError):
    code = "participant_erased"
    message = "This person's information was erased."
