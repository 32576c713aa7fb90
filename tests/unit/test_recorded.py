"""What the projections read of a stored event is what the domain event holds: the
fast decoder and the library's mapper agree field by field, encrypted or not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Notification

from app.persistence.mapping import build_mapper
from domain import Participant, ReasonCode
from projections.engine.recorded import Decoder, event_name
from tests.unit.builders import (
    CLERK,
    CLOSES_AT,
    DRAFTED_AT,
    DURING,
    MODERATOR,
    ORGANIZER,
    SECOND_MODERATOR,
    drafted,
    keyed_letter,
    received,
)

KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # AES-256, base64


def events() -> list[Any]:
    consultation = drafted()
    consultation.edit(ORGANIZER, DRAFTED_AT, closes_at=CLOSES_AT + timedelta(days=1))
    consultation.schedule(ORGANIZER, DRAFTED_AT)
    letter = keyed_letter(text="Texte avec un nom : Jean Tremblay, élève.")
    letter.correct_transcription(CLERK, DURING, "Texte avec un nom : Jean Tremblay!")
    letter.publish_with_redactions(MODERATOR, DURING, [(20, 33, ReasonCode("R3"))])
    refused = received()
    refused.propose_refusal(MODERATOR, DURING, ReasonCode("R1"), "note")
    refused.confirm_refusal(SECOND_MODERATOR, DURING)
    person = Participant.register(
        UUID(int=7), at=DURING, identity_hash="h", sealed="s", region="06"
    )
    return [e for a in (consultation, letter, refused, person) for e in a.collect_events()]


@pytest.mark.parametrize("cipher_key", [None, KEY])
def test_a_recorded_event_has_the_fields_and_values_of_the_domain_event(
    cipher_key: str | None,
) -> None:
    mapper = build_mapper(cipher_key)
    decode = Decoder(mapper)
    for position, domain_event in enumerate(events(), 1):
        stored = mapper.to_stored_event(domain_event)
        note = Notification(id=position, **vars(stored))
        recorded = decode(note)
        expected = vars(mapper.to_domain_event(note))
        assert {k: v for k, v in vars(recorded).items() if k != "topic"} == expected
        assert recorded.topic == stored.topic
        assert event_name(recorded) == type(domain_event).__name__
