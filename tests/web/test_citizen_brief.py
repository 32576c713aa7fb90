"""The form's optional parts: a brief as a PDF, and a postal code sealed with the
person's key. Both kept with the draft, neither ever lost with the text typed."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import httpx

from app.citizen.routes import BODY_LIMIT
from app.services.participants import erase_participant
from app.web.pdf import MAX_PDF_BYTES
from domain import Submission
from tests.moderation import publish
from tests.web.journey import Journey, form_of
from tests.web.test_sessions import COOKIE, signed_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXT = "Mon avis, avec un mémoire joint."


def url_of(j: Journey) -> str:
    return f"/consultations/{j.consultation.id}/participer"


Files = dict[str, tuple[str, bytes, str]]


async def post(
    j: Journey, action: str, files: Files | None = None, **extra: str
) -> tuple[dict[str, str], httpx.Response]:
    page = await j.client.get(url_of(j))
    data = {**form_of(page.text), "answer_0": TEXT, "language": "fr", "action": action, **extra}
    answer = await j.client.post(url_of(j), data=data, files=files)
    return data, answer


async def check_with_brief(j: Journey, content: bytes = PDF, name: str = "mémoire.pdf") -> str:
    page = await j.client.get(url_of(j))
    data = {**form_of(page.text), "answer_0": TEXT, "language": "fr", "action": "verifier"}
    files = {"brief": (name, content, "application/pdf")}
    answer = await j.client.post(url_of(j), data=data, files=files)
    assert answer.status_code == 200, answer.text
    return data["form_token"]


async def sent(j: Journey, form_token: str, **extra: str) -> str:
    """Check the form, then send what the check page shows; the receipt number."""
    page = await j.client.get(url_of(j))
    data = {**form_of(page.text), "answer_0": TEXT, "language": "fr", **extra}
    data.update(form_token=form_token, action="verifier")
    check = await j.client.post(url_of(j), data=data)
    assert check.status_code == 200, check.text
    answer = await j.client.post(url_of(j), data={**form_of(check.text), "action": "envoyer"})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].rsplit("/", 1)[1]


async def test_a_brief_is_kept_with_the_draft_then_sent_and_shown_to_its_author_alone(
    j: Journey,
) -> None:
    form_token = await check_with_brief(j)
    draft_brief = await j.client.get(url_of(j) + "/memoire")
    assert draft_brief.content == PDF
    assert "Mémoire joint" in (await j.client.get(url_of(j))).text

    number = await sent(j, form_token)
    submission = await j.repository.get(Submission.create_id(form_token), Submission)
    assert submission.brief_size == len(PDF)
    assert submission.brief_sha256 == hashlib.sha256(PDF).hexdigest()
    mine = await j.client.get(f"/mes-avis/{number}/memoire")
    assert mine.content == PDF
    assert mine.headers["content-type"] == "application/pdf"
    assert "Mon mémoire" in (await j.client.get(f"/mes-avis/{number}")).text

    # Publishing the text does not review the PDF: no public page serves it.
    published = await publish(j.repository, submission.id)
    await j.repository.store.wait("public_submissions", published, timeout=5)
    someone = await signed_in(j.pool, participant_id=str(uuid4()))
    j.client.cookies.set(COOKIE, someone)
    assert (await j.client.get(f"/mes-avis/{number}/memoire")).status_code == 404
    j.client.cookies.clear()
    assert (await j.client.get(f"/avis/{number}/memoire")).status_code == 404
    assert "memoire" not in (await j.client.get(f"/avis/{number}")).text


async def test_a_file_that_is_not_a_pdf_is_refused_at_its_field_with_the_text_kept(
    j: Journey,
) -> None:
    files = {"brief": ("memoire.pdf", b"<html>not a PDF</html>", "application/pdf")}
    _, answer = await post(j, "verifier", files)
    assert answer.status_code == 400
    text = answer.text
    assert "n'est pas un PDF" in text
    assert 'id="brief" name="brief"' in text
    assert 'aria-invalid="true"' in text
    assert f"{TEXT}</textarea>" in text
    assert "Mémoire joint" not in text


async def test_a_pdf_over_ten_megabytes_is_refused_with_the_text_kept(j: Journey) -> None:
    big = PDF + b"0" * (MAX_PDF_BYTES + 1 - len(PDF))
    _, answer = await post(j, "enregistrer", {"brief": ("gros.pdf", big, "application/pdf")})
    assert answer.status_code == 400
    assert "dépasse 10 Mo" in answer.text
    again = await j.client.get(url_of(j))
    assert f"{TEXT}</textarea>" in again.text  # the text was saved, the file was not
    assert "Mémoire joint" not in again.text


async def test_a_body_far_over_the_limit_is_refused_unread_with_the_saved_draft(
    j: Journey,
) -> None:
    await post(j, "enregistrer")  # the draft as last saved
    huge = b"%PDF-" + b"0" * BODY_LIMIT
    _, answer = await post(j, "verifier", {"brief": ("enorme.pdf", huge, "application/pdf")})
    assert answer.status_code == 413
    assert "rien n'a été lu ni enregistré" in answer.text
    assert f"{TEXT}</textarea>" in answer.text  # as last saved


async def test_a_body_of_unsaid_length_is_refused_unread(j: Journey) -> None:
    page = await j.client.get(url_of(j))
    token = form_of(page.text)["form_token"]

    async def chunks() -> AsyncIterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\njeton\r\n'
        yield f'--b\r\nContent-Disposition: form-data; name="form_token"\r\n\r\n{token}'.encode()
        for _ in range(3):
            yield b"0" * 1024 * 1024
        yield b"\r\n--b--\r\n"

    headers = {"content-type": "multipart/form-data; boundary=b"}
    answer = await j.client.post(url_of(j), content=chunks(), headers=headers)
    assert answer.request.headers.get("transfer-encoding") == "chunked"
    assert answer.status_code == 413
    assert "rien n'a été lu ni enregistré" in answer.text


async def test_the_same_form_sent_twice_leaves_no_draft_to_swallow_the_next_opinion(
    j: Journey,
) -> None:
    data, check = await post(j, "verifier")
    assert check.status_code == 200
    sending = {**data, "action": "envoyer"}
    first = await j.client.post(url_of(j), data=sending)
    again = await j.client.post(url_of(j), data=sending)  # the browser's resubmission
    assert first.headers["location"] == again.headers["location"]
    page = await j.client.get(url_of(j))
    assert form_of(page.text)["form_token"] != data["form_token"]  # a fresh form
    assert TEXT not in page.text
    _, next_one = await post(j, "envoyer")
    assert next_one.status_code == 303
    assert next_one.headers["location"] != first.headers["location"]


async def test_the_brief_can_be_removed_before_sending(j: Journey) -> None:
    form_token = await check_with_brief(j)
    _, answer = await post(j, "enregistrer", remove_brief="on")
    assert answer.status_code == 303
    assert (await j.client.get(url_of(j) + "/memoire")).status_code == 404
    number = await sent(j, form_token)
    assert (await j.client.get(f"/mes-avis/{number}/memoire")).status_code == 404


async def test_a_brief_changed_in_another_window_after_the_check_is_not_sent(
    j: Journey,
) -> None:
    await check_with_brief(j)
    page = await j.client.get(url_of(j))
    data = {**form_of(page.text), "answer_0": TEXT, "language": "fr", "action": "verifier"}
    check = await j.client.post(url_of(j), data=data)
    shown = form_of(check.text)  # what "Send" will post: the brief it showed, pinned
    other = PDF.replace(b"Catalog", b"Catalog /Lang (fr)")
    await check_with_brief(j, other)  # another window attaches another brief
    answer = await j.client.post(url_of(j), data={**shown, "action": "envoyer"})
    assert answer.status_code == 409
    assert "rien n'a été envoyé" in answer.text
    assert f"{TEXT}</textarea>" in answer.text
    submission_id = Submission.create_id(shown["form_token"])
    assert await j.repository.store.select_events(submission_id) == []


async def test_a_postal_code_is_sealed_and_shown_to_its_author_alone(j: Journey) -> None:
    data, check = await post(j, "verifier", postal_code=" g1r-4s9 ")
    assert "G1R 4S9" in check.text
    number = await sent(j, data["form_token"], postal_code=" g1r-4s9 ")
    printable = await j.client.get(f"/mes-avis/{number}/imprimer")
    assert "G1R 4S9" in printable.text
    assert f"{TEXT}</p>" in printable.text  # the text as sent
    states = await j.pool.fetch("SELECT state FROM stored_events")
    assert not any(b"G1R" in row["state"] for row in states)  # sealed in the event
    j.client.cookies.clear()
    public = await j.client.get(f"/avis/{number}")
    assert "G1R" not in public.text
    assert "Marie Tremblay" not in public.text  # the status lookup shows no one


async def test_a_postal_code_that_is_not_one_is_refused_at_its_field(j: Journey) -> None:
    _, answer = await post(j, "verifier", postal_code="12345")
    assert answer.status_code == 400
    text = answer.text
    assert "code postal n'est pas valide" in text
    assert 'value="12345"' in text
    assert f"{TEXT}</textarea>" in text


async def test_erasing_the_author_deletes_their_briefs_drafts_and_postal_code(
    j: Journey,
) -> None:
    participant = UUID(j.participant)
    at = datetime.now(UTC)
    form_token = await check_with_brief(j)
    number = await sent(j, form_token, postal_code="H2X 1Y4")
    await post(j, "enregistrer")  # a new draft for the same consultation, not yet sent
    await erase_participant(j.repository, participant, at)
    for table in ("submission_briefs", "citizen_drafts"):
        count = f"SELECT count(*) FROM {table} WHERE participant_id = $1"
        assert await j.pool.fetchval(count, participant) == 0, table
    printable = await j.client.get(f"/mes-avis/{number}/imprimer")
    assert printable.status_code == 200
    assert number in printable.text
    assert "H2X" not in printable.text
    after = await post(j, "verifier", postal_code="H2X 1Y4")  # the erased person comes back
    later = await sent(j, after[0]["form_token"], postal_code="H2X 1Y4")
    assert (await j.client.get(f"/mes-avis/{later}/imprimer")).status_code == 200
    assert (
        await j.pool.fetchval(
            "SELECT count(*) FROM participant_keys WHERE participant_id = $1", participant
        )
        == 0
    )  # no new key for an erased person


async def test_a_postal_code_in_a_draft_is_sealed_and_comes_back_as_typed(j: Journey) -> None:
    await post(j, "enregistrer", postal_code="g1r 4s9")
    stored = await j.pool.fetchval(
        "SELECT data::text FROM citizen_drafts WHERE participant_id = $1", UUID(j.participant)
    )
    assert "g1r" not in stored.lower()
    assert 'value="g1r 4s9"' in (await j.client.get(url_of(j))).text
