"""Documents of a consultation: attached and removed by organizers, as events."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from domain import (
    Consultation,
    ConsultationCancelledError,
    DocumentAlreadyAttachedError,
    DocumentNotAttachedError,
    InvalidContentError,
    InvalidTextError,
)
from tests.unit.builders import DRAFTED_AT, ORGANIZER, bilingual, drafted, scheduled

DOCUMENT = UUID("00000000-0000-0000-0000-00000000d001")
OTHER = UUID("00000000-0000-0000-0000-00000000d002")
LATER = DRAFTED_AT + timedelta(hours=1)


def attach(c: Consultation, document_id: UUID = DOCUMENT, **overrides: object) -> None:
    fields: dict[str, object] = {
        "document_id": document_id,
        "title": bilingual("Document de consultation"),
        "filename": "document.pdf",
        "size": 1234,
    }
    fields.update(overrides)
    c.attach_document(ORGANIZER, LATER, **fields)  # type: ignore[arg-type]


def test_a_draft_starts_without_documents() -> None:
    assert drafted().documents == []


def test_an_attached_document_is_listed_in_order_with_its_titles() -> None:
    c = drafted()
    attach(c)
    attach(c, OTHER, filename="annexe.pdf")
    assert [d["id"] for d in c.documents] == [DOCUMENT, OTHER]
    assert c.documents[0]["title"] == bilingual("Document de consultation")
    assert c.documents[1]["filename"] == "annexe.pdf"


def test_attaching_is_an_event_that_replays_to_the_same_state() -> None:
    c = drafted()
    attach(c)
    events = c.collect_events()
    assert type(events[-1]).__name__ == "DocumentAttached"
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    assert isinstance(replayed, Consultation)
    assert replayed.documents == c.documents


def test_documents_can_be_added_once_scheduled() -> None:
    c = scheduled()
    attach(c)
    assert len(c.documents) == 1


def test_the_same_document_cannot_be_attached_twice() -> None:
    c = drafted()
    attach(c)
    with pytest.raises(DocumentAlreadyAttachedError):
        attach(c)


def test_a_document_needs_both_titles_a_filename_and_a_size() -> None:
    c = drafted()
    with pytest.raises(InvalidContentError):
        attach(c, title={"fr": "Seulement en français"})
    with pytest.raises(InvalidTextError):
        attach(c, filename="")
    with pytest.raises(InvalidContentError):
        attach(c, size=0)
    assert c.documents == []


def test_a_removed_document_leaves_the_list_and_the_event_stays() -> None:
    c = drafted()
    attach(c)
    attach(c, OTHER)
    c.remove_document(ORGANIZER, LATER, DOCUMENT)
    assert [d["id"] for d in c.documents] == [OTHER]
    assert type(c.collect_events()[-1]).__name__ == "DocumentRemoved"


def test_removing_a_document_that_is_not_attached_is_refused() -> None:
    c = drafted()
    with pytest.raises(DocumentNotAttachedError):
        c.remove_document(ORGANIZER, LATER, DOCUMENT)


def test_a_cancelled_consultation_takes_no_new_document() -> None:
    c = drafted()
    c.cancel(ORGANIZER, LATER, "Reportée à l'an prochain.")
    with pytest.raises(ConsultationCancelledError):
        attach(c)


def test_attaching_needs_an_aware_time() -> None:
    c = drafted()
    with pytest.raises(ValueError, match="timezone-aware"):
        c.attach_document(
            ORGANIZER,
            LATER.replace(tzinfo=None),
            document_id=DOCUMENT,
            title=bilingual(),
            filename="document.pdf",
            size=1,
        )
