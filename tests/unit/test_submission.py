"""Receiving opinions on every channel, and moderating them against the charter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain import (
    AlreadyAppealedError,
    AlreadyDecidedError,
    AppealNotAllowedError,
    AppealStatus,
    Channel,
    ConsultationClosedError,
    ConsultationNotOpenError,
    InvalidBriefError,
    InvalidProvenanceError,
    InvalidReceiptNumberError,
    InvalidRedactionError,
    InvalidRegionError,
    InvalidTextError,
    ModerationStartedError,
    NoPendingAppealError,
    NotAuthorError,
    NotKeyingClerkError,
    NotPendingError,
    ReadBackNotConfirmedError,
    ReasonCode,
    SeparationOfDutiesError,
    Status,
    Submission,
    SubmissionWithdrawnError,
)
from domain.errors import InvalidLanguageError
from tests.unit.builders import (
    AUTHOR,
    CLERK,
    CLOSES_AT,
    CONSULTATION_ID,
    DURING,
    MODERATOR,
    OPENS_AT,
    OTHER_CLERK,
    SECOND,
    SECOND_MODERATOR,
    SOMEONE_ELSE,
    THIRD_MODERATOR,
    keyed_letter,
    received,
)

LATER = DURING + timedelta(days=1)


def refused(submission: Submission | None = None) -> Submission:
    submission = submission or received()
    submission.propose_refusal(MODERATOR, LATER, ReasonCode.OFF_TOPIC, "hors sujet")
    submission.confirm_refusal(SECOND_MODERATOR, LATER)
    return submission


# Receiving ------------------------------------------------------------------------


def test_receive_derives_the_id_from_the_form_token() -> None:
    submission = received(form_token="abc")
    assert submission.id == Submission.create_id("abc")
    assert submission.consultation_id == CONSULTATION_ID
    assert submission.status is Status.RECEIVED


def test_the_same_form_saved_twice_gets_the_same_id() -> None:
    assert received(form_token="x").id == received(form_token="x").id
    assert received(form_token="x").id != received(form_token="y").id


def test_receive_checks_the_consultation_window_first() -> None:
    with pytest.raises(ConsultationClosedError):
        received(received_at=CLOSES_AT)
    with pytest.raises(ConsultationNotOpenError):
        received(received_at=OPENS_AT - SECOND)


def test_a_keyed_letter_is_the_same_submission_with_its_provenance() -> None:
    letter = keyed_letter()
    assert letter.channel is Channel.MAIL
    assert (letter.keyed_by, letter.source_reference) == (CLERK, "SCAN-0001")
    assert letter.postmarked_at == DURING


def test_phone_call_needs_the_callers_read_back_confirmation() -> None:
    phone: dict[str, Any] = {
        "channel": Channel.PHONE,
        "call_started_at": DURING,
        "keyed_by": CLERK,
    }
    with pytest.raises(ReadBackNotConfirmedError):
        received(**phone)
    assert received(**phone, read_back_confirmed=True).channel is Channel.PHONE


def test_online_submission_cannot_claim_a_keying_clerk() -> None:
    with pytest.raises(InvalidProvenanceError):
        received(keyed_by=CLERK)


def test_letter_needs_the_clerk_who_keyed_it() -> None:
    with pytest.raises(InvalidProvenanceError):
        keyed_letter(keyed_by=None)


def test_online_submission_cannot_carry_a_postmark() -> None:
    with pytest.raises(InvalidProvenanceError):
        received(postmarked_at=DURING)


@pytest.mark.parametrize("text", ["", "   \n", "x" * 20_001, "nul\x00", "bell\x07", "lone \ud800"])
def test_text_empty_too_long_or_with_control_characters_is_refused(text: str) -> None:
    with pytest.raises(InvalidTextError):
        received(text=text)


def test_text_with_line_breaks_tabs_and_20000_characters_is_kept_verbatim() -> None:
    text = "Ligne 1\r\n\tLigne 2 " + "é" * (20_000 - 18)
    assert received(text=text).text == text


def test_region_must_be_one_of_the_17_regions_or_none() -> None:
    assert received(region=None).region is None
    with pytest.raises(InvalidRegionError):
        received(region="18")


def test_language_must_be_french_or_english() -> None:
    with pytest.raises(InvalidLanguageError):
        received(language="de")


def test_receipt_number_is_checked_and_stored_in_canonical_form() -> None:
    submission = received(receipt_number="nm5-cb0-33t")
    assert submission.receipt_number == "NM5CB033T"
    with pytest.raises(InvalidReceiptNumberError):
        received(receipt_number="NM5-CB0-33V")


# Correcting a transcription ------------------------------------------------------


def test_keying_clerk_corrects_the_transcription_and_the_original_is_kept() -> None:
    letter = keyed_letter(text="Je suis contre le projt.")
    letter.correct_transcription(CLERK, LATER, "Je suis contre le projet.")
    assert letter.text == "Je suis contre le projet."
    assert letter.original_text == "Je suis contre le projt."
    event = letter.collect_events()[-1]
    assert type(event).__name__ == "TranscriptionCorrected"
    assert event.previous_text == "Je suis contre le projt."  # type: ignore[attr-defined]


def test_only_the_keying_clerk_corrects_a_transcription() -> None:
    with pytest.raises(NotKeyingClerkError):
        keyed_letter().correct_transcription(OTHER_CLERK, LATER, "Autre")
    with pytest.raises(NotKeyingClerkError):
        received().correct_transcription(CLERK, LATER, "Autre")


def test_transcription_is_frozen_once_a_moderator_acted() -> None:
    letter = keyed_letter()
    letter.propose_refusal(MODERATOR, LATER, ReasonCode.OFF_TOPIC)
    letter.overturn_refusal(SECOND_MODERATOR, LATER)
    assert letter.status is Status.RECEIVED
    with pytest.raises(ModerationStartedError):
        letter.correct_transcription(CLERK, LATER, "Autre")


# Withdrawing ----------------------------------------------------------------------


def test_author_withdraws_before_closing() -> None:
    submission = received()
    submission.withdraw(AUTHOR, CLOSES_AT - SECOND, CLOSES_AT)
    assert submission.status is Status.WITHDRAWN


def test_withdrawing_at_the_closing_second_is_refused() -> None:
    with pytest.raises(ConsultationClosedError):
        received().withdraw(AUTHOR, CLOSES_AT, CLOSES_AT)


def test_only_the_author_withdraws() -> None:
    with pytest.raises(NotAuthorError):
        received().withdraw(SOMEONE_ELSE, LATER, CLOSES_AT)


def test_published_submission_can_be_withdrawn_but_only_once() -> None:
    submission = received()
    submission.publish(MODERATOR, LATER)
    submission.withdraw(AUTHOR, LATER, CLOSES_AT)
    assert submission.published_text() is None
    with pytest.raises(SubmissionWithdrawnError):
        submission.withdraw(AUTHOR, LATER, CLOSES_AT)


def test_withdrawn_submission_cannot_be_moderated() -> None:
    submission = received()
    submission.withdraw(AUTHOR, LATER, CLOSES_AT)
    with pytest.raises(SubmissionWithdrawnError):
        submission.publish(MODERATOR, LATER)
    with pytest.raises(SubmissionWithdrawnError):
        submission.propose_refusal(MODERATOR, LATER, ReasonCode.HATE_SPEECH)


# Publishing -----------------------------------------------------------------------


def test_publish_shows_the_text_as_received() -> None:
    submission = received(text="Bonjour")
    submission.publish(MODERATOR, LATER)
    assert submission.status is Status.PUBLISHED
    assert submission.published_by == MODERATOR
    assert submission.published_text() == "Bonjour"


def test_redactions_replace_each_passage_with_a_mark_and_its_reason() -> None:
    submission = received(text="Appelez Jean au 418-555-0199 ou visitez spam.example")
    submission.publish_with_redactions(
        MODERATOR,
        LATER,
        [(40, 52, ReasonCode.ADVERTISING), (16, 28, ReasonCode.PERSONAL_INFORMATION)],
    )
    assert (
        submission.published_text()
        == "Appelez Jean au [passage retiré : R3] ou visitez [passage retiré : R5]"
    )


@pytest.mark.parametrize(
    "spans",
    [
        [(0, 8, ReasonCode.DEFAMATION)],
        [(3, 3, ReasonCode.DEFAMATION)],
        [(-1, 2, ReasonCode.DEFAMATION)],
        [(0, 3, ReasonCode.DEFAMATION), (2, 5, ReasonCode.DEFAMATION)],
        [(0, 3, "R99")],
    ],
)
def test_redactions_outside_the_text_overlapping_or_without_reason_are_refused(
    spans: list[tuple[int, int, ReasonCode]],
) -> None:
    submission = received(text="Bonjour")
    with pytest.raises(InvalidRedactionError):
        submission.publish_with_redactions(MODERATOR, LATER, spans)
    assert submission.status is Status.RECEIVED


def test_a_decided_submission_cannot_be_decided_again() -> None:
    submission = received()
    submission.publish(MODERATOR, LATER)
    with pytest.raises(AlreadyDecidedError):
        submission.publish(SECOND_MODERATOR, LATER)
    with pytest.raises(AlreadyDecidedError):
        submission.propose_refusal(SECOND_MODERATOR, LATER, ReasonCode.HATE_SPEECH)


def test_published_text_is_none_until_published() -> None:
    assert received().published_text() is None


# Refusing -------------------------------------------------------------------------


def test_refusal_needs_a_proposal_and_a_second_moderators_confirmation() -> None:
    submission = received()
    submission.propose_refusal(MODERATOR, LATER, ReasonCode.OFF_TOPIC, "hors sujet")
    proposed = submission.status
    assert submission.refusal_reason is ReasonCode.OFF_TOPIC
    submission.confirm_refusal(SECOND_MODERATOR, LATER)
    assert (proposed, submission.status) == (Status.REFUSAL_PROPOSED, Status.REFUSED)
    assert submission.refused_by == SECOND_MODERATOR


def test_proposer_cannot_confirm_or_overturn_their_own_proposal() -> None:
    submission = received()
    submission.propose_refusal(MODERATOR, LATER, ReasonCode.OFF_TOPIC)
    with pytest.raises(SeparationOfDutiesError):
        submission.confirm_refusal(MODERATOR, LATER)
    with pytest.raises(SeparationOfDutiesError):
        submission.overturn_refusal(MODERATOR, LATER)


def test_proposed_refusal_blocks_publishing_until_resolved() -> None:
    submission = received()
    submission.propose_refusal(MODERATOR, LATER, ReasonCode.OFF_TOPIC)
    with pytest.raises(NotPendingError):
        submission.publish(SECOND_MODERATOR, LATER)


def test_overturned_refusal_returns_to_the_queue() -> None:
    submission = received()
    submission.propose_refusal(MODERATOR, LATER, ReasonCode.OFF_TOPIC)
    submission.overturn_refusal(SECOND_MODERATOR, LATER)
    assert submission.status is Status.RECEIVED
    assert submission.refusal_reason is None
    submission.publish(THIRD_MODERATOR, LATER)


def test_confirming_without_a_proposal_is_refused() -> None:
    with pytest.raises(NotPendingError):
        received().confirm_refusal(MODERATOR, LATER)


@pytest.mark.parametrize(
    "act",
    [
        lambda s: s.publish(CLERK, LATER),
        lambda s: s.publish_with_redactions(CLERK, LATER, []),
        lambda s: s.propose_refusal(CLERK, LATER, ReasonCode.OFF_TOPIC),
    ],
)
def test_clerk_who_keyed_a_submission_cannot_moderate_it(act: object) -> None:
    with pytest.raises(SeparationOfDutiesError):
        act(keyed_letter())  # type: ignore[operator]


def test_clerk_who_keyed_a_submission_cannot_confirm_or_overturn_its_refusal() -> None:
    letter = keyed_letter()
    letter.propose_refusal(MODERATOR, LATER, ReasonCode.OFF_TOPIC)
    with pytest.raises(SeparationOfDutiesError):
        letter.confirm_refusal(CLERK, LATER)
    with pytest.raises(SeparationOfDutiesError):
        letter.overturn_refusal(CLERK, LATER)


# Appealing ------------------------------------------------------------------------


def test_author_appeals_a_refusal_once() -> None:
    submission = refused()
    submission.appeal(AUTHOR, LATER, "Mon avis porte bien sur le sujet.")
    assert submission.appeal_status is AppealStatus.PENDING
    with pytest.raises(AlreadyAppealedError):
        submission.appeal(AUTHOR, LATER, "Encore")


def test_only_the_author_appeals() -> None:
    with pytest.raises(NotAuthorError):
        refused().appeal(SOMEONE_ELSE, LATER, "Pourquoi?")


def test_only_a_refused_submission_can_be_appealed() -> None:
    with pytest.raises(AppealNotAllowedError):
        received().appeal(AUTHOR, LATER, "Pourquoi?")


def test_granted_appeal_publishes_the_submission() -> None:
    submission = refused()
    submission.appeal(AUTHOR, LATER, "Pourquoi?")
    submission.decide_appeal(THIRD_MODERATOR, LATER, granted=True)
    assert submission.status is Status.PUBLISHED
    assert submission.appeal_status is AppealStatus.GRANTED
    assert submission.published_text() == submission.text


def test_dismissed_appeal_leaves_the_refusal_and_cannot_be_appealed_again() -> None:
    submission = refused()
    submission.appeal(AUTHOR, LATER, "Pourquoi?")
    submission.decide_appeal(THIRD_MODERATOR, LATER, granted=False, note="Maintenu")
    assert submission.status is Status.REFUSED
    assert submission.appeal_status is AppealStatus.DISMISSED
    with pytest.raises(AlreadyAppealedError):
        submission.appeal(AUTHOR, LATER, "Encore")


@pytest.mark.parametrize("who", [MODERATOR, SECOND_MODERATOR, CLERK])
def test_appeal_is_decided_by_someone_who_took_no_part(who: str) -> None:
    submission = refused(keyed_letter())
    submission.appeal(AUTHOR, LATER, "Pourquoi?")
    with pytest.raises(SeparationOfDutiesError):
        submission.decide_appeal(who, LATER, granted=True)  # type: ignore[arg-type]


def test_deciding_without_a_pending_appeal_is_refused() -> None:
    with pytest.raises(NoPendingAppealError):
        refused().decide_appeal(THIRD_MODERATOR, LATER, granted=True)


# Replay ---------------------------------------------------------------------------


def test_replaying_the_events_rebuilds_an_equal_submission() -> None:
    letter = keyed_letter(text="Texte avec un nom: Jean Tremblay.")
    letter.correct_transcription(CLERK, LATER, "Texte avec un nom : Jean Tremblay.")
    letter.propose_refusal(MODERATOR, LATER, ReasonCode.OFF_TOPIC)
    letter.overturn_refusal(SECOND_MODERATOR, LATER)
    letter.publish_with_redactions(
        THIRD_MODERATOR, LATER, [(20, 34, ReasonCode.PERSONAL_INFORMATION)]
    )
    letter.withdraw(AUTHOR, LATER, CLOSES_AT)
    events = letter.collect_events()
    copy = events[0].mutate(None)
    for stored in events[1:]:
        copy = stored.mutate(copy)
    assert copy == letter


def test_replay_through_the_appeal_path_rebuilds_an_equal_submission() -> None:
    submission = refused()
    submission.appeal(AUTHOR, LATER, "Pourquoi?")
    submission.decide_appeal(THIRD_MODERATOR, LATER, granted=True)
    copy: Submission | None = None
    for stored in submission.collect_events():
        copy = stored.mutate(copy)
    assert copy == submission


# A brief beside the opinion, and sealed personal fields -------------------------------

SHA = "ab" * 32


def test_a_brief_is_named_by_its_sha256_and_its_size_is_kept() -> None:
    s = received(brief_size=1234, brief_sha256=SHA, sealed="c2NlbGzDqQ==")
    assert (s.brief_size, s.brief_sha256, s.sealed) == (1234, SHA, "c2NlbGzDqQ==")
    assert received().brief_size is None  # no brief at all is the usual case


@pytest.mark.parametrize(
    ("size", "sha"),
    [
        (0, SHA),
        (10 * 1024 * 1024 + 1, SHA),
        (None, SHA),
        (100, None),
        (100, "AB" * 32),
        (100, "ab" * 31),
        (-5, SHA),
    ],
)
def test_a_brief_without_a_size_within_ten_megabytes_or_a_sha256_is_refused(
    size: int | None, sha: str | None
) -> None:
    with pytest.raises(InvalidBriefError):
        received(brief_size=size, brief_sha256=sha)


def test_a_brief_of_exactly_ten_megabytes_is_accepted() -> None:
    assert received(brief_size=10 * 1024 * 1024, brief_sha256=SHA).brief_size == 10 * 1024 * 1024
