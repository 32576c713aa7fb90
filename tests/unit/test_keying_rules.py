"""Letters and calls keyed by clerks: the postmark, grace and call-start rules at their
exact boundaries (a daylight-saving change included), late letters recorded as such,
and what a clerk records on a writer's or caller's behalf."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain import (
    AlreadyAppealedError,
    CallNotLiveError,
    Channel,
    ConsultationClosedError,
    ConsultationNotOpenError,
    InvalidBriefError,
    InvalidProvenanceError,
    InvalidRedactionError,
    ModerationStartedError,
    NotPendingError,
    ReasonCode,
    SeparationOfDutiesError,
    StaffId,
    Status,
    Submission,
    start_of_day,
)
from domain.consultation import LATE_ARRIVAL, LATE_POSTMARK
from tests.unit.builders import (
    CLERK,
    CLOSES_AT,
    DURING,
    GRACE_DAYS,
    MODERATOR,
    OPENS_AT,
    ORGANIZER,
    SECOND,
    SECOND_MODERATOR,
    keyed_letter,
    received,
    scheduled,
)

DEADLINE = CLOSES_AT + timedelta(days=GRACE_DAYS)
OPENED = start_of_day(date(2026, 10, 15))


def call(**overrides: Any) -> Submission:
    fields: dict[str, Any] = {
        "channel": Channel.PHONE,
        "call_started_at": DURING,
        "received_at": DURING + timedelta(minutes=20),
        "keyed_by": CLERK,
        "read_back_confirmed": True,
    }
    fields.update(overrides)
    return received(**fields)


def event_names(submission: Submission) -> list[str]:
    return [type(e).__name__ for e in submission.collect_events()]


# Letters -------------------------------------------------------------------------


def test_a_letter_postmarked_the_second_before_closing_counts() -> None:
    letter = keyed_letter(postmarked_at=CLOSES_AT - SECOND, received_at=DEADLINE - SECOND)
    assert letter.status is Status.RECEIVED
    assert event_names(letter) == ["Received"]


def test_a_letter_postmarked_at_closing_is_recorded_late_not_refused() -> None:
    letter = keyed_letter(postmarked_at=CLOSES_AT, received_at=CLOSES_AT + SECOND)
    assert letter.status is Status.LATE
    assert letter.late_reason == LATE_POSTMARK
    assert event_names(letter) == ["Received", "ReceivedLate"]


def test_a_letter_received_when_the_grace_period_ends_is_recorded_late() -> None:
    letter = keyed_letter(postmarked_at=CLOSES_AT - SECOND, received_at=DEADLINE)
    assert (letter.status, letter.late_reason) == (Status.LATE, LATE_ARRIVAL)


def test_a_letter_postmarked_before_opening_is_refused_as_a_mistake() -> None:
    with pytest.raises(ConsultationNotOpenError):
        keyed_letter(postmarked_at=OPENS_AT - SECOND, received_at=DURING)


def test_a_late_letter_is_never_moderated() -> None:
    letter = keyed_letter(postmarked_at=CLOSES_AT, received_at=CLOSES_AT + SECOND)
    with pytest.raises(Exception, match="late"):
        letter.publish(MODERATOR, CLOSES_AT + 2 * SECOND)
    assert letter.status is Status.LATE


def test_a_postmark_date_is_the_start_of_that_day_in_montreal_across_the_clock_change() -> None:
    # Daylight saving ends in Montréal at 2 a.m. on 2026-11-01: a day before is EDT
    # (UTC-4), the day itself starts in EDT too, the day after in EST (UTC-5).
    assert start_of_day(date(2026, 10, 31)) == datetime(2026, 10, 31, 4, tzinfo=UTC)
    assert start_of_day(date(2026, 11, 1)) == datetime(2026, 11, 1, 4, tzinfo=UTC)
    assert start_of_day(date(2026, 11, 2)) == datetime(2026, 11, 2, 5, tzinfo=UTC)


def test_postmarks_around_a_midnight_closing_on_the_day_the_clocks_change() -> None:
    closes = start_of_day(date(2026, 11, 1))  # midnight, the night the clocks go back
    consultation = scheduled(opens_at=OPENED, closes_at=closes)
    day_before = keyed_letter(
        consultation=consultation,
        postmarked_at=start_of_day(date(2026, 10, 31)),
        received_at=start_of_day(date(2026, 11, 3)),
    )
    closing_day = keyed_letter(
        consultation=consultation,
        form_token="token-2",
        postmarked_at=start_of_day(date(2026, 11, 1)),
        received_at=start_of_day(date(2026, 11, 3)),
    )
    assert day_before.status is Status.RECEIVED
    assert (closing_day.status, closing_day.late_reason) == (Status.LATE, LATE_POSTMARK)


def test_the_grace_period_counts_24_hour_days_across_the_clock_change() -> None:
    consultation = scheduled(
        opens_at=OPENED, closes_at=start_of_day(date(2026, 11, 1)), mail_grace_days=7
    )
    # Seven 24-hour days after midnight EDT is 11 p.m. EST on 2026-11-07: a letter that
    # came in on the 7th counts, one that came in on the 8th is late.
    assert consultation.mail_deadline == datetime(2026, 11, 8, 4, tzinfo=UTC)
    postmark = start_of_day(date(2026, 10, 30))
    on_time = keyed_letter(
        consultation=consultation,
        postmarked_at=postmark,
        received_at=start_of_day(date(2026, 11, 7)),
    )
    late = keyed_letter(
        consultation=consultation,
        form_token="token-2",
        postmarked_at=postmark,
        received_at=start_of_day(date(2026, 11, 8)),
    )
    assert on_time.status is Status.RECEIVED
    assert (late.status, late.late_reason) == (Status.LATE, LATE_ARRIVAL)


# Calls ---------------------------------------------------------------------------


def test_a_call_begun_the_second_before_closing_counts() -> None:
    assert call(call_started_at=CLOSES_AT - SECOND, received_at=CLOSES_AT).status is Status.RECEIVED


def test_a_call_begun_at_closing_is_refused() -> None:
    with pytest.raises(ConsultationClosedError):
        call(call_started_at=CLOSES_AT, received_at=CLOSES_AT + SECOND)


def test_a_call_keyed_two_hours_after_it_began_still_counts_and_a_second_later_not() -> None:
    call(call_started_at=DURING, received_at=DURING + timedelta(hours=2))
    with pytest.raises(CallNotLiveError):
        call(call_started_at=DURING, received_at=DURING + timedelta(hours=2) + SECOND)


# On someone's behalf -----------------------------------------------------------------


def test_a_clerk_records_a_withdrawal_asked_by_phone_with_who_and_how() -> None:
    letter = keyed_letter()
    letter.collect_events()
    letter.withdraw_on_request(CLERK, DURING + timedelta(days=3), CLOSES_AT, Channel.PHONE)
    (event,) = letter.collect_events()
    assert type(event).__name__ == "WithdrawnOnRequest"
    assert (event.recorded_by, event.requested_via) == (CLERK, "phone")  # type: ignore[attr-defined]
    assert letter.status is Status.WITHDRAWN


def test_a_withdrawal_on_request_after_closing_is_refused() -> None:
    with pytest.raises(ConsultationClosedError):
        keyed_letter().withdraw_on_request(CLERK, CLOSES_AT, CLOSES_AT, Channel.MAIL)


def test_a_request_recorded_by_a_clerk_came_by_mail_or_phone() -> None:
    with pytest.raises(InvalidProvenanceError):
        keyed_letter().withdraw_on_request(CLERK, DURING, CLOSES_AT, Channel.ONLINE)


def test_a_clerk_records_an_appeal_asked_by_mail_once_only() -> None:
    letter = keyed_letter()
    letter.propose_refusal(MODERATOR, DURING, "R8")  # type: ignore[arg-type]
    letter.confirm_refusal(SECOND_MODERATOR, DURING)
    letter.collect_events()
    letter.appeal_on_request(CLERK, DURING, "Je demande une révision.", Channel.MAIL)
    (event,) = letter.collect_events()
    assert type(event).__name__ == "AppealedOnRequest"
    assert letter.appeal_text == "Je demande une révision."
    with pytest.raises(AlreadyAppealedError):
        letter.appeal_on_request(CLERK, DURING, "Encore.", Channel.PHONE)


# Scans ----------------------------------------------------------------------------


def test_a_letter_names_its_scan_by_size_hash_and_type() -> None:
    digest = "ab" * 32
    letter = keyed_letter(scan_size=1000, scan_sha256=digest, scan_type="image/png")
    assert (letter.scan_size, letter.scan_sha256, letter.scan_type) == (1000, digest, "image/png")


@pytest.mark.parametrize(
    ("channel_fields", "scan", "error"),
    [
        ({}, (1000, "ab" * 32, "image/gif"), InvalidBriefError),
        ({}, (0, "ab" * 32, "image/png"), InvalidBriefError),
        ({}, (1000, "not-a-hash", "application/pdf"), InvalidBriefError),
        (
            {"channel": Channel.ONLINE, "keyed_by": None, "postmarked_at": None},
            (1, "ab" * 32, "image/png"),
            InvalidProvenanceError,
        ),
    ],
)
def test_a_scan_is_refused_unless_a_letters_image_or_pdf_of_allowed_size(
    channel_fields: dict[str, Any], scan: tuple[int, str, str], error: type[Exception]
) -> None:
    size, digest, media = scan
    with pytest.raises(error):
        keyed_letter(scan_size=size, scan_sha256=digest, scan_type=media, **channel_fields)


# Double keying ------------------------------------------------------------------------

SECOND_CLERK, THIRD_CLERK = StaffId("clerk-2"), StaffId("clerk-3")


def keyed_twice_required() -> Submission:
    consultation = scheduled()
    consultation.set_double_keying(ORGANIZER, DURING, True)
    return keyed_letter(consultation=consultation)


def test_a_letter_to_a_double_keyed_consultation_waits_for_its_second_keying() -> None:
    letter = keyed_twice_required()
    assert letter.status is Status.KEYING
    assert event_names(letter) == ["Received", "SecondKeyingAwaited"]
    with pytest.raises(NotPendingError):
        letter.publish(MODERATOR, DURING)  # not in moderation yet


def test_the_second_keying_is_another_clerks_and_the_reconciliation_a_thirds() -> None:
    letter = keyed_twice_required()
    with pytest.raises(SeparationOfDutiesError):
        letter.key_second(CLERK, DURING, "Autre texte.")
    with pytest.raises(NotPendingError):
        letter.reconcile(THIRD_CLERK, DURING, "Pas encore.")
    letter.key_second(SECOND_CLERK, DURING, "Je souhaite que l'eau reste publique!")
    for who in (CLERK, SECOND_CLERK):
        with pytest.raises(SeparationOfDutiesError):
            letter.reconcile(who, DURING, "Texte.")
    letter.collect_events()
    letter.reconcile(THIRD_CLERK, DURING, "Je souhaite que l'eau reste publique.")
    (event,) = letter.collect_events()
    assert event.agreed is False  # type: ignore[attr-defined]
    assert letter.status is Status.RECEIVED
    assert letter.text == "Je souhaite que l'eau reste publique."
    letter.publish(MODERATOR, DURING)  # now in moderation


def test_two_keyings_that_agree_are_recorded_as_agreeing() -> None:
    letter = keyed_twice_required()
    letter.key_second(SECOND_CLERK, DURING, letter.text)
    letter.collect_events()
    letter.reconcile(THIRD_CLERK, DURING, letter.text)
    (event,) = letter.collect_events()
    assert event.agreed is True  # type: ignore[attr-defined]


def test_a_late_letter_is_not_keyed_twice() -> None:
    consultation = scheduled()
    consultation.set_double_keying(ORGANIZER, DURING, True)
    letter = keyed_letter(
        consultation=consultation, postmarked_at=CLOSES_AT, received_at=CLOSES_AT + SECOND
    )
    assert letter.status is Status.LATE


def test_a_letter_keyed_twice_keeps_its_reconciled_text_and_none_of_its_typists_moderates() -> None:
    letter = keyed_twice_required()
    letter.key_second(SECOND_CLERK, DURING, "Deuxième saisie.")
    letter.reconcile(THIRD_CLERK, DURING, "Texte arrêté.")
    with pytest.raises(ModerationStartedError):
        letter.correct_transcription(CLERK, DURING, "Autre chose.")
    for typist in (CLERK, SECOND_CLERK, THIRD_CLERK):
        with pytest.raises(SeparationOfDutiesError):
            letter.publish(typist, DURING)
    letter.publish(MODERATOR, DURING)
    assert letter.text == "Texte arrêté."


def test_a_scan_is_published_with_the_letter_or_withheld_for_a_reason() -> None:
    letter = keyed_letter(scan_size=1000, scan_sha256="ab" * 32, scan_type="image/png")
    with pytest.raises(NotPendingError):
        letter.decide_attachment(MODERATOR, DURING, True, None)  # not before the opinion
    letter.publish(MODERATOR, DURING)
    with pytest.raises(InvalidRedactionError):
        letter.decide_attachment(MODERATOR, DURING, False, None)  # withheld: say why
    with pytest.raises(SeparationOfDutiesError):
        letter.decide_attachment(CLERK, DURING, True, None)
    letter.decide_attachment(MODERATOR, DURING, False, ReasonCode("R3"))
    assert letter.attachment_published is False
    with pytest.raises(NotPendingError):
        keyed_letter(form_token="t3").decide_attachment(MODERATOR, DURING, True, None)
