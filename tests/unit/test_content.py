"""What organizers write: both languages, a possible schedule."""

from __future__ import annotations

import pytest

from domain import InvalidContentError, InvalidScheduleError, InvalidTextError
from domain.content import check_bilingual, check_content
from tests.unit.builders import OPENS_AT, content


def test_complete_content_passes() -> None:
    check_content(content())


@pytest.mark.parametrize(
    "value", [{"fr": "Titre"}, {"fr": "a", "en": "b", "de": "c"}, "Titre", None]
)
def test_bilingual_text_needs_exactly_french_and_english(value: object) -> None:
    with pytest.raises(InvalidContentError):
        check_bilingual("title", value)


def test_bilingual_text_cannot_be_blank_in_either_language() -> None:
    with pytest.raises(InvalidTextError):
        check_bilingual("title", {"fr": "Titre", "en": " "})


def test_every_question_is_bilingual() -> None:
    with pytest.raises(InvalidContentError):
        check_content(content(questions=[{"fr": "Question"}]))


def test_grace_days_must_be_a_whole_number() -> None:
    with pytest.raises(InvalidScheduleError):
        check_content(content(mail_grace_days=True))


def test_a_zero_length_window_is_refused() -> None:
    with pytest.raises(InvalidScheduleError):
        check_content(content(closes_at=OPENS_AT))
