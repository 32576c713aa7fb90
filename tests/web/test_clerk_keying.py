"""Clerks key letters and calls through HTTP, and those writers and callers get the
same service as online: a receipt number, a status anyone can follow with it, an
acknowledgment letter, and requests recorded on their behalf."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from markupsafe import escape
from pypdf import PdfReader

from app.persistence.staff import remember_staff
from app.persistence.store import EventStore
from app.services.moderation import decide_appeal
from app.services.submissions import appeal_on_request
from app.web.forms import local_input
from domain import Channel, ReceiptClaim, StaffId, Submission, format_receipt
from tests.moderation import refuse
from tests.web.clerk_desk import (
    CLERK,
    LETTER,
    OTHER_CLERK,
    Desk,
    desk,
    hidden_fields,
    key_call,
    key_letter,
    receipt_in,
    today,
)
from tests.web.test_channel_parity import send_online

__all__ = ["desk"]


async def row(d: Desk, receipt: str) -> dict[str, object]:
    found = await d.pool.fetchrow(
        "SELECT c.*, p.sealed FROM clerk_submissions c"
        " JOIN private_participants p USING (participant_id) WHERE receipt_number = $1",
        receipt,
    )
    assert found is not None, receipt
    return dict(found)


async def events_of(store: EventStore, submission_id: object) -> list[str]:
    assert isinstance(submission_id, UUID)
    return [e.topic.rsplit(".", 1)[1] for e in await store.select_events(submission_id)]


async def test_a_letter_keyed_gives_a_receipt_and_the_form_comes_back_for_the_next(
    desk: Desk,
) -> None:
    sent = await key_letter(desk)
    assert sent.status_code == 303, sent.text
    receipt = receipt_in(sent.headers["location"])
    keyed = await row(desk, receipt)
    assert (keyed["channel"], keyed["keyed_by"], keyed["status"]) == ("mail", CLERK, "received")
    assert keyed["sealed"]
    assert "Gisèle" not in str(keyed["sealed"])
    after = await desk.client.get(sent.headers["location"])
    assert format_receipt(receipt) in after.text
    assert f'value="{desk.open.id}" selected' in after.text  # the stack: same consultation
    assert f'value="{today()}"' in after.text  # and the same day received
    assert LETTER not in after.text  # a blank text for the next letter


async def test_with_htmx_the_next_blank_letter_comes_back_in_place(desk: Desk) -> None:
    page = await desk.client.get("/saisie/lettre")
    data = {
        **hidden_fields(page.text),
        "consultation_id": str(desk.open.id),
        "received_on": today(),
        "postmarked_on": today(),
        "name": "Jeanne Roy",
        "postal_address": "1, rue Principale, Gaspé",
        "language": "en",
        "text": "Keep the library open.",
        "show_name": "yes",
    }
    sent = await desk.client.post("/saisie/lettre", data=data, headers={"HX-Request": "true"})
    assert sent.status_code == 200
    assert sent.text.lstrip().startswith("{% import") is False
    assert '<div id="saisie-lettre">' in sent.text
    assert "<html" not in sent.text
    assert "Keep the library open." not in sent.text
    assert "Lettre enregistrée" in sent.text


async def test_a_letter_with_errors_comes_back_with_everything_typed_and_each_error(
    desk: Desk,
) -> None:
    sent = await key_letter(desk, name="", postmarked_on="2026-13-40", email="pas-un-courriel")
    assert sent.status_code == 400
    assert 'id="erreurs"' in sent.text
    for field in ("name", "postmarked_on", "email"):
        assert f'href="#{field}"' in sent.text
        assert f'id="{field}-erreur"' in sent.text
    assert LETTER in sent.text
    assert "12, rue des Érables" in sent.text


async def test_a_letter_postmarked_after_closing_is_recorded_late_and_says_why(
    desk: Desk,
) -> None:
    sent = await key_letter(desk, desk.closed)
    assert sent.status_code == 303, sent.text
    assert "retard=postmarked_after_closing" in sent.headers["location"]
    receipt = receipt_in(sent.headers["location"])
    keyed = await row(desk, receipt)
    assert (keyed["status"], keyed["late_reason"]) == ("late", "postmarked_after_closing")
    assert await events_of(desk.repository.store, keyed["submission_id"]) == [
        "Received",
        "ReceivedLate",
    ]
    page = await desk.client.get(sent.headers["location"])
    assert "arrivée en retard" in page.text


async def test_a_letter_in_time_for_a_closed_consultation_counts_within_the_grace(
    desk: Desk,
) -> None:
    postmark = (desk.closed.closes_at - timedelta(days=1)).date().isoformat()
    sent = await key_letter(desk, desk.closed, postmarked_on=postmark)
    keyed = await row(desk, receipt_in(sent.headers["location"]))
    assert keyed["status"] == "received"


async def test_a_call_ends_on_its_number_grouped_and_spelled_in_the_callers_language(
    desk: Desk,
) -> None:
    sent = await key_call(desk, language="en")
    assert sent.status_code == 303, sent.text
    receipt = receipt_in(sent.headers["location"])
    page = await desk.client.get(sent.headers["location"])
    assert format_receipt(receipt) in page.text
    words = {"fr": "Anatole", "en": "Alfa"}
    assert 'lang="en"' in page.text
    first = receipt[0]
    if first.isalpha():
        assert "<strong>" + first + "</strong>" in page.text
    assert words["fr"] not in page.text or "A" not in receipt
    keyed = await row(desk, receipt)
    assert (keyed["channel"], keyed["keyed_by"]) == ("phone", CLERK)


async def test_a_call_not_read_back_or_keyed_hours_after_it_began_is_refused_at_its_field(
    desk: Desk,
) -> None:
    unread = await key_call(desk, read_back="")
    assert unread.status_code == 400
    assert 'id="read_back-erreur"' in unread.text
    stale = local_input(datetime.now(UTC) - timedelta(hours=3))
    late = await key_call(desk, call_started_at=stale)
    assert late.status_code == 400
    assert 'id="call_started_at-erreur"' in late.text
    assert "deux heures" in late.text
    assert "Je veux que les consultations" in late.text  # the text is kept


async def test_lookup_tells_a_typo_from_an_unknown_number(desk: Desk) -> None:
    receipt = receipt_in((await key_letter(desk)).headers["location"])
    swapped = receipt[1] + receipt[0] + receipt[2:] if receipt[0] != receipt[1] else None
    if swapped:
        typo = await desk.client.get("/saisie/avis", params={"numero": swapped})
        assert typo.status_code == 400
        assert "faute de frappe" in typo.text
    found = await desk.client.get(
        "/saisie/avis", params={"numero": format_receipt(receipt).lower()}
    )
    assert found.status_code == 303
    shown = await desk.client.get(found.headers["location"])
    assert "Gisèle Pelletier" in shown.text
    assert shown.headers["cache-control"] == "no-store"


async def test_a_withdrawal_asked_by_phone_is_recorded_with_the_clerk_and_the_channel(
    desk: Desk,
) -> None:
    receipt = receipt_in((await key_letter(desk)).headers["location"])
    page = await desk.client.get(f"/saisie/avis/{receipt}")
    data = {"csrf_token": hidden_fields(page.text)["csrf_token"], "requested_via": "phone"}
    unchecked = await desk.client.post(f"/saisie/avis/{receipt}/retrait", data=data)
    assert unchecked.status_code == 400  # not before the clerk checked who is asking
    assert 'id="withdraw_identity-erreur"' in unchecked.text
    data["identity_checked"] = "on"
    done = await desk.client.post(f"/saisie/avis/{receipt}/retrait", data=data)
    assert done.status_code == 303
    keyed = await row(desk, receipt)
    assert keyed["status"] == "withdrawn"
    stored = await desk.repository.get(keyed["submission_id"], Submission)  # type: ignore[arg-type]
    assert stored.status.value == "withdrawn"
    names = await events_of(desk.repository.store, keyed["submission_id"])
    assert names[-1] == "WithdrawnOnRequest"


async def test_the_keying_clerk_corrects_their_own_keying_and_the_original_stays(
    desk: Desk,
) -> None:
    receipt = receipt_in((await key_letter(desk)).headers["location"])
    page = await desk.client.get(f"/saisie/avis/{receipt}")
    assert "Corriger ma saisie" in page.text
    data = {"csrf_token": hidden_fields(page.text)["csrf_token"], "text": LETTER + " Corrigé."}
    assert (
        await desk.client.post(f"/saisie/avis/{receipt}/correction", data=data)
    ).status_code == 303
    after = await desk.client.get(f"/saisie/avis/{receipt}")
    assert "Historique des corrections" in after.text
    assert LETTER in after.text
    await desk.as_clerk(OTHER_CLERK, "clerk")
    other = await desk.client.get(f"/saisie/avis/{receipt}")
    assert "Corriger ma saisie" not in other.text
    data["csrf_token"] = hidden_fields(other.text)["csrf_token"]
    refused = await desk.client.post(f"/saisie/avis/{receipt}/correction", data=data)
    assert refused.status_code == 400
    assert "Seule la personne qui a saisi" in refused.text
    await desk.as_clerk("organizer-nadia", "organizer")
    history = await desk.client.get(f"/admin/consultations/{desk.open.id}/corrections")
    assert format_receipt(receipt) in history.text
    assert str(escape(LETTER + " Corrigé.")) in history.text
    assert str(escape(LETTER)) in history.text


async def test_the_outbox_prints_each_acknowledgment_as_a_pdf_page_then_records_the_batch(
    desk: Desk,
) -> None:
    letter = receipt_in((await key_letter(desk)).headers["location"])
    english = receipt_in(
        (await key_letter(desk, language="en", name="John Smith")).headers["location"]
    )
    call = receipt_in((await key_call(desk)).headers["location"])  # no postal address
    outbox = await desk.client.get("/saisie/envois")
    assert outbox.headers["cache-control"] == "no-store"
    for receipt in (letter, english, call):
        assert format_receipt(receipt) in outbox.text
    ids = [str((await row(desk, r))["submission_id"]) for r in (letter, english, call)]
    pdf = await desk.client.get("/saisie/envois/lot.pdf", params=[("id", i) for i in ids])
    assert pdf.headers["content-type"] == "application/pdf"
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages]
    assert len(pages) == 2  # the call gave no postal address: nothing to mail
    french = next(p for p in pages if format_receipt(letter) in p)
    assert "Gisèle Pelletier" in french
    assert "Votre numéro de réception" in french
    assert "Your receipt number" in next(p for p in pages if format_receipt(english) in p)
    data = {"csrf_token": hidden_fields(outbox.text)["csrf_token"], "id": ids}
    marked = await desk.client.post("/saisie/envois/imprimes", data=data)
    assert marked.status_code == 303
    after = await desk.client.get(marked.headers["location"])
    assert format_receipt(letter) not in after.text
    assert "imprimé" in after.text
    printed = await row(desk, letter)
    assert printed["printed_by"] == CLERK
    assert printed["printed_at"] is not None


@pytest.mark.parametrize(("roles", "status"), [(("moderator",), 403), (("organizer",), 403)])
async def test_only_clerks_reach_the_keying_pages(
    desk: Desk, roles: tuple[str, ...], status: int
) -> None:
    await desk.as_clerk("someone", *roles)
    for path in ("/saisie/", "/saisie/lettre", "/saisie/appel", "/saisie/avis", "/saisie/envois"):
        assert (await desk.client.get(path)).status_code == status, path


async def test_the_home_lists_consultations_taking_opinions_and_todays_counts(
    desk: Desk,
) -> None:
    await key_letter(desk)
    await key_call(desk)
    home = await desk.client.get("/saisie/")
    assert home.status_code == 200
    assert str(escape(desk.open.title["fr"])) in home.text
    assert CLERK in home.text


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_a_scan_is_checked_by_its_content_and_kept_with_its_hash(desk: Desk) -> None:
    refused = await key_letter(desk, files={"scan": ("lettre.png", b"GIF89a....", "image/png")})
    assert refused.status_code == 400
    assert 'id="scan-erreur"' in refused.text
    assert LETTER in refused.text  # everything typed is kept
    sent = await key_letter(desk, files={"scan": ("lettre.png", PNG, "image/png")})
    assert sent.status_code == 303, sent.text
    receipt = receipt_in(sent.headers["location"])
    keyed = await row(desk, receipt)
    stored = await desk.repository.get(keyed["submission_id"], Submission)  # type: ignore[arg-type]
    assert (stored.scan_size, stored.scan_type) == (len(PNG), "image/png")
    assert stored.scan_sha256 == hashlib.sha256(PNG).hexdigest()
    page = await desk.client.get(f"/saisie/avis/{receipt}")
    assert "PNG" in page.text
    scan = await desk.client.get(f"/saisie/avis/{receipt}/numerisation")
    assert scan.content == PNG
    assert scan.headers["content-type"] == "image/png"
    assert scan.headers["cache-control"] == "no-store"


async def test_clerks_see_each_other_by_the_name_they_signed_in_with(desk: Desk) -> None:
    await remember_staff(desk.pool, CLERK, "Paul Lefebvre")
    receipt = receipt_in((await key_letter(desk)).headers["location"])
    assert "Paul Lefebvre" in (await desk.client.get("/saisie/")).text
    assert "Paul Lefebvre" in (await desk.client.get(f"/saisie/avis/{receipt}")).text


async def test_the_decision_is_owed_by_letter_to_a_writer_and_by_a_call_back_to_a_caller(
    desk: Desk, store: EventStore
) -> None:
    letter = receipt_in((await key_letter(desk)).headers["location"])
    call = receipt_in((await key_call(desk)).headers["location"])  # a phone, no address
    for receipt in (letter, call):
        claim = await desk.repository.get(ReceiptClaim.create_id(receipt), ReceiptClaim)
        position = await refuse(desk.repository, claim.submission_id)
    await store.wait("outgoing_email", position, timeout=5)
    outbox = await desk.client.get("/saisie/envois")
    assert "Décisions à annoncer" in outbox.text
    assert "À rappeler au 418 555-0123" in outbox.text
    ids = [str((await row(desk, r))["submission_id"]) for r in (letter, call)]
    pdf = await desk.client.get("/saisie/envois/lot.pdf", params={"decision": ids})
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages]
    assert len(pages) == 1  # the caller is phoned, not written to
    assert f"Votre avis {format_receipt(letter)} n'est pas publié" in pages[0]
    assert "hors sujet" in pages[0]  # the charter's words for R8
    data = {"csrf_token": hidden_fields(outbox.text)["csrf_token"], "decision": ids}
    assert (await desk.client.post("/saisie/envois/imprimes", data=data)).status_code == 303
    after = await desk.client.get("/saisie/envois")
    assert "À rappeler au 418 555-0123" not in after.text
    assert (await row(desk, letter))["decisions_sent_by"] == CLERK


async def test_a_clerk_sees_no_personal_information_of_an_online_author_nor_acts_for_them(
    desk: Desk,
) -> None:
    receipt = await send_online(desk)  # signed in as a citizen named Marie
    await desk.as_clerk(CLERK, "clerk")
    page = await desk.client.get(f"/saisie/avis/{receipt}")
    assert page.status_code == 200
    assert "Marie" not in page.text
    assert "Retrait demandé par la personne" not in page.text
    data = {"csrf_token": hidden_fields(page.text)["csrf_token"], "requested_via": "phone"}
    data["identity_checked"] = "on"
    assert (await desk.client.post(f"/saisie/avis/{receipt}/retrait", data=data)).status_code == 403


async def test_a_later_decision_on_the_same_letter_is_owed_and_recorded_again(
    desk: Desk, store: EventStore
) -> None:
    receipt = receipt_in((await key_letter(desk)).headers["location"])
    claim = await desk.repository.get(ReceiptClaim.create_id(receipt), ReceiptClaim)
    await store.wait("outgoing_email", await refuse(desk.repository, claim.submission_id), 5)
    decision = {"decision": [str(claim.submission_id)]}

    async def sent_from_the_outbox() -> None:
        outbox = await desk.client.get("/saisie/envois")
        fields = hidden_fields(outbox.text)
        data = {"csrf_token": fields["csrf_token"], "batch_token": fields["batch_token"]}
        sent = await desk.client.post("/saisie/envois/imprimes", data={**data, **decision})
        assert sent.status_code == 303

    await sent_from_the_outbox()
    first = (await row(desk, receipt))["decisions_sent_at"]
    assert await appealed(desk, claim.submission_id)
    at, moderator = datetime.now(UTC), StaffId("mod-c")
    position = await decide_appeal(desk.repository, claim.submission_id, moderator, at, False, "")
    await store.wait("outgoing_email", position, 5)
    assert "Appel rejeté" in (await desk.client.get("/saisie/envois")).text
    await sent_from_the_outbox()
    assert (await row(desk, receipt))["decisions_sent_at"] > first  # type: ignore[operator]


async def appealed(d: Desk, submission_id: UUID) -> bool:
    """The writer appealed by mail, recorded by a clerk."""
    at, clerk = datetime.now(UTC), StaffId("clerk-lea")
    text = "Je fais appel."
    position = await appeal_on_request(d.repository, submission_id, clerk, at, text, Channel.MAIL)
    return position is not None
