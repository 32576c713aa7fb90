"""The consultation's life cycle and the per-channel deadlines (channel parity)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain import (
    Channel,
    Consultation,
    ConsultationAlreadyOpenError,
    ConsultationCancelledError,
    ConsultationClosedError,
    ConsultationNotAcceptingError,
    ConsultationNotDraftError,
    ConsultationNotFinishedError,
    ConsultationNotOpenError,
    ConsultationNotScheduledError,
    ConsultationStatus,
    GracePeriodOverError,
    InconsistentDatesError,
    InvalidContentError,
    InvalidScheduleError,
    MissingCallStartError,
    MissingPostmarkError,
    Phase,
    ReportAlreadyPublishedError,
)
from tests.unit.builders import (
    CLOSES_AT,
    CONSULTATION_ID,
    DRAFTED_AT,
    DURING,
    GRACE_DAYS,
    OPENS_AT,
    ORGANIZER,
    SECOND,
    bilingual,
    content,
    drafted,
    scheduled,
)

MAIL_DEADLINE = CLOSES_AT + timedelta(days=GRACE_DAYS)
# The last minute a datetime-local field can hold: in Montréal, already year 10000 in UTC.
LAST_LOCAL_MINUTE = datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("America/Montreal"))
FIRST_REFUSED = datetime(3000, 1, 1, tzinfo=UTC)


# Drafting and editing -------------------------------------------------------------


def test_draft_keeps_the_given_id_and_who_drafted_it() -> None:
    consultation = drafted()
    assert consultation.id == CONSULTATION_ID
    assert consultation.status is ConsultationStatus.DRAFT
    assert (consultation.drafted_by, consultation.drafted_at) == (ORGANIZER, DRAFTED_AT)
    assert [type(e).__name__ for e in consultation.collect_events()] == ["Drafted"]


def test_draft_closing_before_opening_is_refused() -> None:
    with pytest.raises(InvalidScheduleError):
        drafted(closes_at=OPENS_AT)


@pytest.mark.parametrize("days", [-1, 61])
def test_grace_period_outside_zero_to_sixty_days_is_refused(days: int) -> None:
    with pytest.raises(InvalidScheduleError):
        drafted(mail_grace_days=days)


@pytest.mark.parametrize("name", ["opens_at", "closes_at"])
def test_a_draft_dated_past_year_2999_is_refused_before_it_can_stop_the_read_models(
    name: str,
) -> None:
    with pytest.raises(InvalidScheduleError, match="outside the years 2000 to 2999"):
        drafted(**{name: LAST_LOCAL_MINUTE})


def test_a_draft_dated_before_year_2000_is_refused() -> None:
    with pytest.raises(InvalidScheduleError):
        drafted(opens_at=datetime(1999, 12, 31, 23, 59, tzinfo=UTC))


def test_a_draft_may_close_in_the_last_minute_of_2999() -> None:
    consultation = drafted(closes_at=FIRST_REFUSED - timedelta(minutes=1))
    assert consultation.mail_deadline.year == 3000


def test_an_edit_moving_the_closing_time_past_2999_is_refused() -> None:
    with pytest.raises(InvalidScheduleError):
        drafted().edit(ORGANIZER, DRAFTED_AT, closes_at=FIRST_REFUSED)


def test_a_draft_without_a_question_is_refused() -> None:
    with pytest.raises(InvalidContentError, match="at least one question"):
        drafted(questions=[])


def test_an_edit_removing_every_question_is_refused() -> None:
    with pytest.raises(InvalidContentError):
        drafted().edit(ORGANIZER, DRAFTED_AT, questions=[])


def saved_without_a_question() -> Consultation:
    """A draft as stored before a question was required (its Drafted event, unchecked)."""
    return Consultation(id=CONSULTATION_ID, by=ORGANIZER, at=DRAFTED_AT, **content(questions=[]))


@pytest.mark.parametrize("command", ["schedule", "open"])
def test_a_draft_saved_without_a_question_can_be_neither_scheduled_nor_opened(
    command: str,
) -> None:
    consultation = saved_without_a_question()
    with pytest.raises(InvalidContentError, match="at least one question"):
        getattr(consultation, command)(ORGANIZER, DRAFTED_AT)
    assert consultation.status is ConsultationStatus.DRAFT


def test_title_needs_both_french_and_english() -> None:
    with pytest.raises(InvalidContentError):
        drafted(title={"fr": "Titre"})


def test_draft_with_naive_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        drafted(opens_at=OPENS_AT.replace(tzinfo=None))


def test_edit_changes_only_the_given_fields() -> None:
    consultation = drafted()
    consultation.edit(ORGANIZER, DRAFTED_AT, title=bilingual("Nouveau"))
    assert consultation.title == bilingual("Nouveau")
    assert consultation.closes_at == CLOSES_AT


def test_edit_is_checked_against_the_merged_schedule() -> None:
    consultation = drafted()
    with pytest.raises(InvalidScheduleError):
        consultation.edit(ORGANIZER, DRAFTED_AT, closes_at=OPENS_AT - SECOND)


def test_edit_of_an_unknown_field_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        drafted().edit(ORGANIZER, DRAFTED_AT, status="open")


def test_edit_after_scheduling_is_refused() -> None:
    with pytest.raises(ConsultationNotDraftError):
        scheduled().edit(ORGANIZER, DRAFTED_AT, title=bilingual("Nouveau"))


# Scheduling, opening, extending, closing, cancelling -----------------------------


def test_schedule_moves_a_draft_to_scheduled_once() -> None:
    consultation = scheduled()
    assert consultation.status is ConsultationStatus.SCHEDULED
    with pytest.raises(ConsultationNotDraftError):
        consultation.schedule(ORGANIZER, DRAFTED_AT)


def test_schedule_after_the_closing_time_is_refused() -> None:
    with pytest.raises(InvalidScheduleError):
        drafted().schedule(ORGANIZER, CLOSES_AT)


def test_open_ahead_of_schedule_moves_the_opening_time() -> None:
    consultation = scheduled()
    consultation.open(ORGANIZER, OPENS_AT - timedelta(days=1))
    assert consultation.opens_at == OPENS_AT - timedelta(days=1)
    assert consultation.phase(OPENS_AT - timedelta(days=1)) is Phase.OPEN


def test_open_from_draft_also_schedules() -> None:
    consultation = drafted()
    consultation.open(ORGANIZER, DRAFTED_AT)
    assert consultation.status is ConsultationStatus.SCHEDULED


def test_open_when_already_open_is_refused() -> None:
    with pytest.raises(ConsultationAlreadyOpenError):
        scheduled().open(ORGANIZER, OPENS_AT)


def test_extend_deadline_moves_the_closing_time_later() -> None:
    consultation = scheduled()
    consultation.extend_deadline(ORGANIZER, DURING, CLOSES_AT + timedelta(days=3))
    assert consultation.closes_at == CLOSES_AT + timedelta(days=3)


def test_extend_deadline_to_an_earlier_time_is_refused() -> None:
    with pytest.raises(InvalidScheduleError):
        scheduled().extend_deadline(ORGANIZER, DURING, CLOSES_AT)


def test_extend_deadline_never_reopens_a_closed_consultation() -> None:
    with pytest.raises(ConsultationClosedError):
        scheduled().extend_deadline(ORGANIZER, CLOSES_AT, CLOSES_AT + timedelta(days=3))


def test_extend_deadline_past_year_2999_is_refused() -> None:
    with pytest.raises(InvalidScheduleError, match="outside the years 2000 to 2999"):
        scheduled().extend_deadline(ORGANIZER, DURING, LAST_LOCAL_MINUTE)


def test_extend_deadline_of_a_draft_is_refused() -> None:
    with pytest.raises(ConsultationNotScheduledError):
        drafted().extend_deadline(ORGANIZER, DURING, CLOSES_AT + timedelta(days=3))


def test_close_early_closes_now_and_records_why() -> None:
    consultation = scheduled()
    consultation.close_early(ORGANIZER, DURING, "Projet de loi retiré")
    assert consultation.closes_at == DURING
    assert consultation.closed_early_reason == "Projet de loi retiré"
    assert consultation.phase(DURING) is Phase.CLOSED


def test_close_early_before_opening_is_refused() -> None:
    with pytest.raises(ConsultationNotOpenError):
        scheduled().close_early(ORGANIZER, OPENS_AT - SECOND, "Trop tôt")


def test_cancel_stops_a_consultation_for_good() -> None:
    consultation = scheduled()
    consultation.cancel(ORGANIZER, DURING, "Élections déclenchées")
    assert consultation.phase(DURING) is Phase.CANCELLED
    with pytest.raises(ConsultationCancelledError):
        consultation.cancel(ORGANIZER, DURING, "Encore")
    with pytest.raises(ConsultationCancelledError):
        consultation.extend_deadline(ORGANIZER, DURING, CLOSES_AT + SECOND)


def test_cancel_after_closing_is_refused() -> None:
    with pytest.raises(ConsultationClosedError):
        scheduled().cancel(ORGANIZER, CLOSES_AT, "Trop tard")


def test_report_waits_until_the_mail_grace_period_is_over() -> None:
    consultation = scheduled()
    with pytest.raises(ConsultationNotFinishedError):
        consultation.publish_report(ORGANIZER, MAIL_DEADLINE - SECOND, bilingual(), "r.pdf")
    consultation.publish_report(ORGANIZER, MAIL_DEADLINE, bilingual(), "r.pdf")
    assert consultation.report_published_at == MAIL_DEADLINE


def test_report_is_published_once() -> None:
    consultation = scheduled()
    consultation.publish_report(ORGANIZER, MAIL_DEADLINE, bilingual(), "r.pdf")
    with pytest.raises(ReportAlreadyPublishedError):
        consultation.publish_report(ORGANIZER, MAIL_DEADLINE, bilingual(), "r.pdf")


def test_report_of_a_draft_is_refused() -> None:
    with pytest.raises(ConsultationNotScheduledError):
        drafted().publish_report(ORGANIZER, MAIL_DEADLINE, bilingual(), "r.pdf")


# Phases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (OPENS_AT - SECOND, Phase.UPCOMING),
        (OPENS_AT, Phase.OPEN),
        (CLOSES_AT - SECOND, Phase.OPEN),
        (CLOSES_AT, Phase.CLOSED),
    ],
)
def test_phase_follows_the_clock_at_the_exact_second(moment: Any, phase: Phase) -> None:
    assert scheduled().phase(moment) is phase


def test_phase_of_a_draft_is_draft_whatever_the_time() -> None:
    assert drafted().phase(DURING) is Phase.DRAFT


# Accepting opinions, per channel ---------------------------------------------------


def test_online_received_at_opening_second_is_accepted() -> None:
    scheduled().check_accepts(Channel.ONLINE, received_at=OPENS_AT)


def test_online_received_just_before_opening_is_refused() -> None:
    with pytest.raises(ConsultationNotOpenError):
        scheduled().check_accepts(Channel.ONLINE, received_at=OPENS_AT - SECOND)


def test_online_received_at_closing_second_is_refused() -> None:
    consultation = scheduled()
    consultation.check_accepts(Channel.ONLINE, received_at=CLOSES_AT - SECOND)
    with pytest.raises(ConsultationClosedError):
        consultation.check_accepts(Channel.ONLINE, received_at=CLOSES_AT)


def test_mail_postmarked_before_closing_is_accepted_within_grace_period() -> None:
    scheduled().check_accepts(
        Channel.MAIL,
        received_at=MAIL_DEADLINE - SECOND,
        postmarked_at=CLOSES_AT - SECOND,
    )


def test_mail_received_at_the_end_of_the_grace_period_is_refused() -> None:
    with pytest.raises(GracePeriodOverError):
        scheduled().check_accepts(Channel.MAIL, received_at=MAIL_DEADLINE, postmarked_at=DURING)


def test_mail_grace_period_counts_whole_24_hour_days_in_any_time_zone() -> None:
    consultation = scheduled()
    assert consultation.mail_deadline == MAIL_DEADLINE
    assert consultation.mail_deadline.tzinfo is UTC


def test_mail_postmarked_at_closing_is_refused() -> None:
    with pytest.raises(ConsultationClosedError):
        scheduled().check_accepts(
            Channel.MAIL, received_at=CLOSES_AT + SECOND, postmarked_at=CLOSES_AT
        )


def test_mail_postmarked_before_opening_is_refused() -> None:
    with pytest.raises(ConsultationNotOpenError):
        scheduled().check_accepts(Channel.MAIL, received_at=DURING, postmarked_at=OPENS_AT - SECOND)


def test_mail_without_postmark_is_refused() -> None:
    with pytest.raises(MissingPostmarkError):
        scheduled().check_accepts(Channel.MAIL, received_at=DURING)


def test_mail_postmarked_after_it_was_received_is_refused() -> None:
    with pytest.raises(InconsistentDatesError):
        scheduled().check_accepts(Channel.MAIL, received_at=DURING, postmarked_at=DURING + SECOND)


def test_phone_call_begun_before_closing_counts_even_if_keyed_after() -> None:
    scheduled().check_accepts(
        Channel.PHONE,
        received_at=CLOSES_AT + timedelta(minutes=20),
        call_started_at=CLOSES_AT - SECOND,
    )


def test_phone_call_begun_at_closing_is_refused() -> None:
    with pytest.raises(ConsultationClosedError):
        scheduled().check_accepts(
            Channel.PHONE, received_at=CLOSES_AT + SECOND, call_started_at=CLOSES_AT
        )


def test_phone_call_without_start_time_is_refused() -> None:
    with pytest.raises(MissingCallStartError):
        scheduled().check_accepts(Channel.PHONE, received_at=DURING)


def test_phone_call_started_after_keying_is_refused() -> None:
    with pytest.raises(InconsistentDatesError):
        scheduled().check_accepts(
            Channel.PHONE, received_at=DURING, call_started_at=DURING + SECOND
        )


@pytest.mark.parametrize("channel", list(Channel))
def test_draft_accepts_nothing_on_any_channel(channel: Channel) -> None:
    with pytest.raises(ConsultationNotAcceptingError):
        drafted().check_accepts(
            channel, received_at=DURING, postmarked_at=DURING, call_started_at=DURING
        )


def test_cancelled_consultation_accepts_nothing() -> None:
    consultation = scheduled()
    consultation.cancel(ORGANIZER, DURING, "Annulée")
    assert not consultation.accepts(Channel.ONLINE, received_at=DURING)


def test_accepts_answers_with_a_boolean() -> None:
    consultation = scheduled()
    assert consultation.accepts(Channel.ONLINE, received_at=DURING)
    assert not consultation.accepts(Channel.ONLINE, received_at=CLOSES_AT)


# Replay ---------------------------------------------------------------------------


def test_replaying_the_events_rebuilds_an_equal_consultation() -> None:
    consultation = drafted()
    consultation.edit(ORGANIZER, DRAFTED_AT, questions=[bilingual("Q1"), bilingual("Q2")])
    consultation.schedule(ORGANIZER, DRAFTED_AT)
    consultation.open(ORGANIZER, OPENS_AT - timedelta(hours=1))
    consultation.extend_deadline(ORGANIZER, DURING, CLOSES_AT + timedelta(days=1))
    consultation.close_early(ORGANIZER, DURING, "Fin")
    consultation.publish_report(ORGANIZER, MAIL_DEADLINE, bilingual(), "r.pdf")
    copy: Consultation | None = None
    for stored in consultation.collect_events():
        copy = stored.mutate(copy)
    assert copy == consultation
