"""The person behind submissions: registered, contact changed, erased."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from domain import InvalidRegionError, Participant, ParticipantErasedError
from tests.unit.builders import DURING

LATER = DURING + timedelta(days=1)
KEYED_ID = UUID("00000000-0000-0000-0000-00000000b001")


def registered() -> Participant:
    return Participant.register(
        Participant.create_id("hash-1"),
        at=DURING,
        identity_hash="hash-1",
        region="06",
        sealed="ciphertext-1",
    )


def test_signing_in_again_finds_the_same_participant_id() -> None:
    assert Participant.create_id("hash-1") == Participant.create_id("hash-1")
    assert Participant.create_id("hash-1") != Participant.create_id("hash-2")


def test_register_keeps_only_sealed_personal_fields_and_the_region() -> None:
    participant = registered()
    assert participant.id == Participant.create_id("hash-1")
    assert (participant.sealed, participant.region) == ("ciphertext-1", "06")
    assert not participant.erased


def test_letter_writer_is_registered_with_a_given_id_and_no_identity() -> None:
    participant = Participant.register(
        KEYED_ID, at=DURING, identity_hash=None, region=None, sealed="c"
    )
    assert participant.id == KEYED_ID
    assert participant.identity_hash is None


def test_register_with_an_unknown_region_is_refused() -> None:
    with pytest.raises(InvalidRegionError):
        Participant.register(KEYED_ID, at=DURING, identity_hash=None, region="99", sealed="c")


def test_change_contact_replaces_the_sealed_fields() -> None:
    participant = registered()
    participant.change_contact(LATER, "ciphertext-2")
    assert participant.sealed == "ciphertext-2"


def test_erase_forgets_the_person_but_keeps_the_region_for_statistics() -> None:
    participant = registered()
    participant.erase(LATER)
    assert participant.erased
    assert participant.sealed is None
    assert participant.identity_hash is None
    assert participant.region == "06"


def test_erased_event_says_only_that_erasure_happened() -> None:
    participant = registered()
    participant.erase(LATER)
    erased = participant.collect_events()[-1]
    assert type(erased).__name__ == "Erased"
    fields = set(vars(erased)) - {"originator_id", "originator_version", "timestamp"}
    assert fields == {"at"}


def test_after_erasure_contact_cannot_change_nor_be_erased_again() -> None:
    participant = registered()
    participant.erase(LATER)
    with pytest.raises(ParticipantErasedError):
        participant.change_contact(LATER, "ciphertext-3")
    with pytest.raises(ParticipantErasedError):
        participant.erase(LATER)


def test_replaying_the_events_rebuilds_an_equal_participant() -> None:
    participant = registered()
    participant.change_contact(LATER, "ciphertext-2")
    participant.erase(LATER)
    copy: Participant | None = None
    for stored in participant.collect_events():
        copy = stored.mutate(copy)
    assert copy == participant
