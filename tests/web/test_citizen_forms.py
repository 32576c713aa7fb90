"""What the citizen's forms take in: line breaks as the browser counted them, a form
token that can always be sent once, and every error at the top and at its field."""

from __future__ import annotations

import re

import httpx

from domain import Submission
from tests.web.journey import (
    Journey,
    form_of,
    refused_by_moderators,
    send_opinion,
    submission_id_of,
)


def url_of(j: Journey) -> str:
    return f"/consultations/{j.consultation.id}/participer"


async def submission_at(j: Journey, receipt_url: str) -> Submission:
    """The opinion behind a receipt page's address."""
    return await j.repository.get(await submission_id_of(j, receipt_url), Submission)


async def received(j: Journey) -> int:
    count: int = await j.pool.fetchval(
        "SELECT count(*) FROM stored_events WHERE topic LIKE '%Submission.Received'"
    )
    return count


async def test_an_answer_that_fits_the_box_with_line_breaks_sent_as_crlf_is_accepted(
    j: Journey,
) -> None:
    lines = ["x" * 1_990] * 10 + ["y" * 90]  # 10 line breaks: 20 000 as the box counts
    as_typed = "\n".join(lines)
    assert len(as_typed) == 20_000
    sent = await send_opinion(j, text="\r\n".join(lines))  # as the browser sends it
    assert sent.status_code == 303, sent.text
    assert (await submission_at(j, sent.headers["location"])).text == as_typed


async def test_a_lone_carriage_return_is_kept_as_a_line_break(j: Journey) -> None:
    sent = await send_opinion(j, text="Première ligne\rSeconde ligne")
    assert sent.status_code == 303, sent.text
    stored = await submission_at(j, sent.headers["location"])
    assert stored.text == "Première ligne\nSeconde ligne"


async def test_a_form_posted_with_an_empty_token_comes_back_able_to_be_sent(j: Journey) -> None:
    data = {**form_of((await j.client.get(url_of(j))).text), "answer_0": "Mon avis"}
    data.update(form_token="", language="fr")
    refused = await j.client.post(url_of(j), data={**data, "action": "verifier"})
    assert refused.status_code == 400
    assert "Ce formulaire avait expiré : votre texte est conservé ci-dessous." in refused.text
    assert "Rechargez" not in refused.text  # a fresh token is already in the form
    assert "Mon avis</textarea>" in refused.text
    again = form_of(refused.text)
    assert len(again["form_token"]) >= 32
    stored = await j.pool.fetchval("SELECT form_token FROM citizen_drafts")
    assert len(stored) >= 32  # the draft never keeps an empty token
    reloaded = form_of((await j.client.get(url_of(j))).text)
    assert reloaded["form_token"] == stored
    checked = await j.client.post(url_of(j), data={**data, **again, "action": "verifier"})
    assert checked.status_code == 200, checked.text
    sent = await j.client.post(url_of(j), data={**data, **again, "action": "envoyer"})
    assert sent.status_code == 303


async def test_saving_a_draft_with_an_empty_token_keeps_a_fresh_one(j: Journey) -> None:
    data = {**form_of((await j.client.get(url_of(j))).text), "answer_0": "Brouillon"}
    saved = await j.client.post(url_of(j), data={**data, "form_token": "", "action": "enregistrer"})
    assert saved.status_code == 303
    reloaded = form_of((await j.client.get(url_of(j))).text)
    assert len(reloaded["form_token"]) >= 32


async def test_a_draft_stored_with_an_empty_token_is_given_a_fresh_one(j: Journey) -> None:
    await j.pool.execute(
        "INSERT INTO citizen_drafts (participant_id, consultation_id, form_token, data)"
        " VALUES ($1, $2, '', $3)",
        j.participant,
        j.consultation.id,
        '{"answer_0": "Ancien brouillon", "language": "fr", "form_token": ""}',
    )
    page = await j.client.get(url_of(j))
    assert "Ancien brouillon</textarea>" in page.text
    data = {**form_of(page.text), "answer_0": "Ancien brouillon", "language": "fr"}
    assert len(data["form_token"]) >= 32
    assert (await j.client.post(url_of(j), data={**data, "action": "verifier"})).status_code == 200


async def test_a_form_without_a_valid_token_is_never_sent_even_twice(j: Journey) -> None:
    data = {**form_of((await j.client.get(url_of(j))).text), "answer_0": "Mon avis"}
    before = await received(j)
    for token in ("", "", "court"):
        posted = {**data, "form_token": token, "language": "fr", "action": "envoyer"}
        answer = await j.client.post(url_of(j), data=posted)
        assert answer.status_code == 400
        assert "Ce formulaire avait expiré" in answer.text
    assert await received(j) == before


async def test_a_wrong_or_missing_language_is_shown_at_its_field_and_linked_from_the_top(
    j: Journey,
) -> None:
    data = {**form_of((await j.client.get(url_of(j))).text), "answer_0": "Mon avis"}
    for language in ({"language": "de"}, {}):
        answer = await j.client.post(url_of(j), data={**data, **language, "action": "verifier"})
        assert answer.status_code == 400
        assert '<a href="#language">' in answer.text
        assert 'id="language"' in answer.text
        assert 'aria-describedby="language-erreur"' in answer.text
        assert re.search(r'class="field-error" id="language-erreur">[^<]+<', answer.text)
        assert 'name="language" value="fr"  aria-invalid="true"' in answer.text
        assert "Mon avis</textarea>" in answer.text


async def test_the_summary_at_the_top_names_the_field_each_error_is_about(j: Journey) -> None:
    data = {**form_of((await j.client.get(url_of(j))).text), "answer_0": ""}
    data.pop("language", None)
    answer = await j.client.post(url_of(j), data={**data, "action": "verifier"})
    assert '<a href="#language">Langue : Ce champ est obligatoire.</a>' in answer.text
    first_answer = "Réponse à la question 1 : Ce champ est obligatoire."
    assert f'<a href="#answer_0">{first_answer}</a>' in answer.text
    english = await j.client.post(url_of(j) + "?lang=en", data={**data, "action": "verifier"})
    assert '<a href="#language">Language: This field is required.</a>' in english.text


async def refused_receipt(j: Journey) -> str:
    """The address of the person's own opinion, refused by two moderators."""
    receipt_url = str((await send_opinion(j)).headers["location"])
    await refused_by_moderators(j, receipt_url)
    return receipt_url


async def appeal(j: Journey, receipt_url: str, text: str) -> httpx.Response:
    return await j.client.post(receipt_url + "/appel", data={"csrf_token": "jeton", "appeal": text})


async def test_a_refused_appeal_keeps_the_text_and_shows_the_error_at_the_field(
    j: Journey,
) -> None:
    receipt_url = await refused_receipt(j)
    bad = "Mon appel \x1b avec un caractère de contrôle"
    answer = await appeal(j, receipt_url, bad)
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text
    assert '<a href="#appeal">' in answer.text
    assert 'class="field-error" id="appeal-erreur"' in answer.text
    assert f'aria-describedby="appeal-erreur" aria-invalid="true">{bad}</textarea>' in answer.text
    blank = await appeal(j, receipt_url, " ")
    assert blank.status_code == 400
    assert 'aria-invalid="true"> </textarea>' in blank.text


async def test_an_appeal_longer_than_its_box_is_refused_with_the_text_kept(j: Journey) -> None:
    receipt_url = await refused_receipt(j)
    too_long = "Mon appel, " + "x" * 5_000
    answer = await appeal(j, receipt_url, too_long)
    assert answer.status_code == 400
    assert f'aria-invalid="true">{too_long}</textarea>' in answer.text
    assert 'maxlength="5000"' in answer.text  # the box and the server agree


async def test_an_appeal_with_line_breaks_sent_as_crlf_is_kept_with_plain_line_breaks(
    j: Journey,
) -> None:
    receipt_url = await refused_receipt(j)
    text = "\r\n".join(["y" * 999] * 5)  # 4 999 characters as the box counts them
    answer = await appeal(j, receipt_url, text)
    assert answer.status_code == 303, answer.text
    s = await submission_at(j, receipt_url)
    assert s.appeal_text == text.replace("\r\n", "\n")
