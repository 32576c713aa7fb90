"""Every event survives the library's JSON mapping (UUID and datetime transcodings
only) and rebuilds an equal aggregate: enums, tuples and NewTypes come back as
plain strings and lists, and the aggregates turn them back into values."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex

from domain import Participant, ReasonCode
from tests.unit.builders import (
    AUTHOR,
    CLERK,
    CLOSES_AT,
    DRAFTED_AT,
    DURING,
    GRACE_DAYS,
    MODERATOR,
    ORGANIZER,
    SECOND_MODERATOR,
    THIRD_MODERATOR,
    bilingual,
    drafted,
    keyed_letter,
)

LATER = DURING + timedelta(days=1)


def mapper() -> Mapper[Any]:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    return Mapper(transcoder=transcoder)


def through_storage(aggregate: Any) -> Any:
    m = mapper()
    copy = None
    for domain_event in aggregate.collect_events():
        restored: Any = m.to_domain_event(m.to_stored_event(domain_event))
        copy = restored.mutate(copy)
    return copy


def test_consultation_events_survive_json_storage() -> None:
    consultation = drafted()
    consultation.edit(ORGANIZER, DRAFTED_AT, closes_at=CLOSES_AT + timedelta(days=1))
    consultation.schedule(ORGANIZER, DRAFTED_AT)
    consultation.extend_deadline(ORGANIZER, DURING, CLOSES_AT + timedelta(days=2))
    finished = CLOSES_AT + timedelta(days=2 + GRACE_DAYS)
    consultation.publish_report(ORGANIZER, finished, bilingual(), "r.pdf")
    assert through_storage(consultation) == consultation


def test_submission_events_survive_json_storage() -> None:
    letter = keyed_letter(text="Texte avec un nom : Jean Tremblay.")
    letter.correct_transcription(CLERK, LATER, "Texte avec un nom : Jean Tremblay!")
    letter.propose_refusal(MODERATOR, LATER, ReasonCode.PERSONAL_INFORMATION)
    letter.confirm_refusal(SECOND_MODERATOR, LATER)
    letter.appeal(AUTHOR, LATER, "Retirez le nom, publiez le reste.")
    letter.decide_appeal(THIRD_MODERATOR, LATER, granted=True)
    copy = through_storage(letter)
    assert copy == letter
    assert copy.channel is letter.channel
    assert copy.refusal_reason is ReasonCode.PERSONAL_INFORMATION


def test_published_redactions_survive_json_storage() -> None:
    letter = keyed_letter(text="Appelez Jean au 418-555-0199.")
    letter.publish_with_redactions(MODERATOR, LATER, [(16, 28, ReasonCode.PERSONAL_INFORMATION)])
    copy = through_storage(letter)
    assert copy == letter
    assert copy.published_text() == "Appelez Jean au [passage retiré : R3]."


def test_participant_events_survive_json_storage() -> None:
    participant = Participant.register(
        Participant.create_id("h"),
        at=DURING,
        identity_hash="h",
        region="01",
        sealed="s",
    )
    participant.change_contact(LATER, "s2")
    participant.erase(LATER)
    assert through_storage(participant) == participant


def test_a_received_event_stored_before_briefs_and_sealed_fields_still_loads() -> None:
    m = mapper()
    submission = keyed_letter(brief_size=2048, brief_sha256="cd" * 32)
    stored = m.to_stored_event(submission.collect_events()[0])
    state = json.loads(stored.state)
    for added in ("sealed", "brief_size", "brief_sha256"):
        del state[added]
    older = replace(stored, state=json.dumps(state).encode())
    restored: Any = m.to_domain_event(older)
    copy = restored.mutate(None)
    assert copy.text == submission.text
    assert (copy.sealed, copy.brief_size, copy.brief_sha256) == (None, None, None)
