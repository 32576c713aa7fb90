"""The online channel through the ASGI app and real PostgreSQL: draft to receipt."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from uuid import uuid4

from domain import Consultation, Submission
from tests.unit.builders import ORGANIZER
from tests.web.journey import ANSWER, Journey, form_of, refused_by_moderators, send_opinion
from tests.web.outage import database_refusing
from tests.web.test_sessions import COOKIE, signed_in


async def test_a_citizen_checks_then_sends_and_gets_a_receipt_at_once(j: Journey) -> None:
    sent = await send_opinion(j)
    assert sent.status_code == 303
    receipt_page = await j.client.get(sent.headers["location"])
    assert receipt_page.status_code == 200
    number = re.search(r'class="receipt-number">([0-9A-Z-]{11})<', receipt_page.text)
    assert number is not None
    assert "Reçu, en attente de modération" in receipt_page.text
    j.client.cookies.clear()  # anyone holding the number, signed in or not
    public = await j.client.get(f"/avis/{number.group(1)}")
    assert "Reçu, en attente de modération" in public.text
    stored = await j.pool.fetchval("SELECT text FROM private_submission_texts")
    assert stored == ANSWER  # any Unicode kept as typed


async def test_twenty_concurrent_posts_of_one_form_give_one_submission_and_one_receipt(
    j: Journey,
) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    page = await j.client.get(url)
    data = {**form_of(page.text), "answer_0": ANSWER, "language": "fr", "action": "envoyer"}
    answers = await asyncio.gather(*(j.client.post(url, data=data) for _ in range(20)))
    assert {a.status_code for a in answers} == {303}
    assert len({a.headers["location"] for a in answers}) == 1
    submission_id = Submission.create_id(data["form_token"])
    assert len(await j.repository.store.select_events(submission_id)) == 1


async def test_errors_are_shown_at_the_top_and_at_the_field_with_the_text_kept(j: Journey) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    page = await j.client.get(url)
    bad = "Texte avec un caractère nul \x00 dedans"
    data = {**form_of(page.text), "answer_0": bad, "language": "fr", "action": "verifier"}
    answer = await j.client.post(url, data=data)
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "Texte avec un caractère nul" in answer.text


async def test_a_draft_is_kept_on_the_server_and_found_again(j: Journey) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    page = await j.client.get(url)
    data = {**form_of(page.text), "answer_0": "Un brouillon à finir", "action": "enregistrer"}
    saved = await j.client.post(url, data=data)
    assert saved.status_code == 303
    again = await j.client.get(url)
    assert "Un brouillon à finir</textarea>" in again.text
    fragment = await j.client.post(url, data=data, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "Brouillon enregistré le" in fragment.text


async def test_after_the_deadline_the_form_says_closed_and_keeps_the_text(j: Journey) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    data = {**form_of((await j.client.get(url)).text), "answer_0": "Mon avis arrivé trop tard"}
    c = await j.repository.get(j.consultation.id, Consultation)
    c.close_early(ORGANIZER, datetime.now(UTC), "Fin des travaux")
    position = await j.repository.save(c)
    await j.repository.store.wait("public_consultations", position, timeout=5)
    sent = await j.client.post(url, data={**data, "language": "fr", "action": "envoyer"})
    assert sent.status_code == 409
    assert "La consultation est fermée" in sent.text
    assert "Mon avis arrivé trop tard</textarea>" in sent.text


async def test_a_citizen_withdraws_and_appeals_a_refusal(j: Journey) -> None:
    first = await send_opinion(j)
    receipt_url = first.headers["location"]
    assert "lisent chaque avis" in (await j.client.get(receipt_url)).text  # still to read
    withdrawn = await j.client.post(receipt_url + "/retirer", data={"csrf_token": "jeton"})
    assert withdrawn.status_code == 303
    page = (await j.client.get(receipt_url)).text
    assert "Retiré par son auteur" in page
    assert "lisent chaque avis" not in page  # nothing left for the moderators to read
    assert "Gardez ce numéro" in page

    second = await send_opinion(j, text="Un second avis")
    receipt_url2 = second.headers["location"]
    await refused_by_moderators(j, receipt_url2)
    page = (await j.client.get(receipt_url2)).text
    assert "Faire appel" in page
    appealed = await j.client.post(
        second.headers["location"] + "/appel",
        data={"csrf_token": "jeton", "appeal": "Mon avis porte bien sur la consultation."},
    )
    assert appealed.status_code == 303
    assert "en cours d'examen par un autre modérateur" in (await j.client.get(receipt_url2)).text
    again = await j.client.post(
        second.headers["location"] + "/appel", data={"csrf_token": "jeton", "appeal": "Encore"}
    )
    assert again.status_code == 409  # once only


async def test_someone_elses_receipt_is_not_found(j: Journey) -> None:
    sent = await send_opinion(j)
    j.client.cookies.set(COOKIE, await signed_in(j.pool, participant_id=str(uuid4())))
    assert (await j.client.get(sent.headers["location"])).status_code == 404


async def test_with_the_database_down_nothing_is_saved_and_the_text_comes_back(
    j: Journey, database_url: str
) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    page = await j.client.get(url)
    data = {**form_of(page.text), "answer_0": "Mon texte précieux", "action": "envoyer"}
    async with database_refusing(database_url):
        answer = await j.client.post(url, data=data)
    assert answer.status_code == 503, answer.text
    assert "Rien n'a été enregistré" in answer.text
    assert "Mon texte précieux</textarea>" in answer.text
    assert await j.repository.store.select_events(Submission.create_id(data["form_token"])) == []


async def test_a_draft_with_a_null_byte_is_refused_with_the_text_kept(j: Journey) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    page = await j.client.get(url)
    data = {**form_of(page.text), "answer_0": "avant\x00après", "action": "enregistrer"}
    answer = await j.client.post(url, data=data)
    assert answer.status_code == 400
    assert "caractères de contrôle" in answer.text
    assert "avant" in answer.text
