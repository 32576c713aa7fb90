"""Outside its open phase a consultation says so up front: no form to fill in for
nothing, and a draft kept from before is shown, never deleted."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx

from domain import Consultation
from tests.unit.builders import ORGANIZER, content
from tests.web.journey import Journey, form_of
from tests.web.test_public_phases import visible_text

FORM = 'name="form_token"'
ENDS_ONCE = r"\d [ap]\.m\.(?!\.)"
"""An English time ends its sentence with the period of "a.m." or "p.m.", and no other."""


async def close(j: Journey) -> None:
    c = await j.repository.get(j.consultation.id, Consultation)
    c.close_early(ORGANIZER, datetime.now(UTC), "Fin des travaux")
    position = await j.repository.save(c)
    await j.repository.store.wait("public_consultations", position, timeout=5)


async def cancel(j: Journey) -> None:
    c = await j.repository.get(j.consultation.id, Consultation)
    c.cancel(ORGANIZER, datetime.now(UTC), "Reportée")
    position = await j.repository.save(c)
    await j.repository.store.wait("public_consultations", position, timeout=5)


async def upcoming(j: Journey) -> str:
    """A consultation that opens in three days; its participation address."""
    now = datetime.now(UTC)
    fields = content(opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=9))
    c = Consultation.draft(uuid4(), by=ORGANIZER, at=now, **fields)
    c.schedule(ORGANIZER, now)
    position = await j.repository.save(c)
    await j.repository.store.wait("public_consultations", position, timeout=5)
    return f"/consultations/{c.id}/participer"


async def test_a_closed_consultation_says_since_when_with_no_form_and_a_way_back(
    j: Journey,
) -> None:
    await close(j)
    page = await j.client.get(f"/consultations/{j.consultation.id}/participer")
    assert page.status_code == 410
    assert "Cette consultation est fermée depuis le" in page.text
    assert "<time datetime=" in page.text
    assert "Fin des travaux" in page.text
    assert FORM not in page.text
    assert f'href="http://tribune.test/consultations/{j.consultation.id}"' in page.text


async def test_a_consultation_not_yet_open_says_from_when_with_no_form(j: Journey) -> None:
    page = await j.client.get(await upcoming(j))
    assert page.status_code == 403
    assert "pas encore ouverte. Vous pourrez donner votre avis à partir du" in page.text
    assert FORM not in page.text
    english = await j.client.get(await upcoming(j) + "?lang=en")
    assert "This consultation is not open yet" in english.text


async def test_a_draft_kept_before_the_close_is_shown_to_copy_and_kept(j: Journey) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    data = {**form_of((await j.client.get(url)).text), "answer_0": "Mon brouillon inachevé"}
    assert (await j.client.post(url, data={**data, "action": "enregistrer"})).status_code == 303
    await close(j)
    page = await j.client.get(url)
    assert page.status_code == 410
    assert "Votre brouillon n'a pas été envoyé" in page.text
    assert "readonly>Mon brouillon inachevé</textarea>" in page.text
    assert await j.pool.fetchval("SELECT count(*) FROM citizen_drafts") == 1


async def test_checking_an_opinion_after_the_close_is_410_as_the_page_with_the_text_kept(
    j: Journey,
) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    data = {**form_of((await j.client.get(url)).text), "answer_0": "Écrit avant la clôture"}
    await close(j)
    checked = await j.client.post(url, data={**data, "language": "fr", "action": "verifier"})
    assert checked.status_code == 410  # as the page's GET: the consultation is gone for good
    assert "La consultation est fermée" in checked.text
    assert "Écrit avant la clôture</textarea>" in checked.text
    assert "Vérifier votre avis</h1>" not in checked.text


async def test_in_english_the_closing_time_ends_its_sentence_with_one_period(j: Journey) -> None:
    await close(j)
    page = await j.client.get(f"/consultations/{j.consultation.id}/participer?lang=en")
    assert page.status_code == 410
    text = visible_text(page.text)
    assert re.search("closed since .*" + ENDS_ONCE + " It no longer", text), text
    assert ".." not in text


async def test_in_english_the_opening_time_ends_its_sentence_with_one_period(j: Journey) -> None:
    page = await j.client.get(await upcoming(j) + "?lang=en")
    assert page.status_code == 403
    text = visible_text(page.text)
    assert re.search("opinion from .*" + ENDS_ONCE, text), text
    assert ".." not in text


async def test_in_french_the_times_end_their_sentences_with_one_period(j: Journey) -> None:
    opens = visible_text((await j.client.get(await upcoming(j))).text)
    assert re.search(r"à partir du .*\d h \d\d\.\n", opens), opens
    await close(j)
    closed = visible_text(
        (await j.client.get(f"/consultations/{j.consultation.id}/participer")).text
    )
    assert re.search(r"depuis le .*\d h \d\d\. Elle n'accepte plus", closed), closed


async def post_typed(j: Journey, url: str, text: str, action: str) -> httpx.Response:
    """The form as read while open, the answer typed, then posted with `action`."""
    data = {**form_of((await j.client.get(f"/consultations/{j.consultation.id}/participer")).text)}
    return await j.client.post(url, data={**data, "answer_0": text, "action": action})


async def test_checking_before_the_opening_is_403_as_the_page_with_the_text_and_draft_kept(
    j: Journey,
) -> None:
    url = await upcoming(j)
    assert (await j.client.get(url)).status_code == 403
    checked = await post_typed(j, url, "Écrit trop tôt", "verifier")
    assert checked.status_code == 403
    assert "pas encore ouverte : votre avis n'a pas été envoyé" in checked.text
    assert "Écrit trop tôt</textarea>" in checked.text
    consultation_id = UUID(url.split("/")[2])
    draft = "SELECT data FROM citizen_drafts WHERE consultation_id = $1"
    assert "Écrit trop tôt" in await j.pool.fetchval(draft, consultation_id)


async def test_a_cancelled_consultation_answers_410_to_the_page_and_to_a_post_alike(
    j: Journey,
) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    data = form_of((await j.client.get(url)).text)
    await cancel(j)
    assert (await j.client.get(url)).status_code == 410
    for action in ("verifier", "modifier"):
        posted = await j.client.post(url, data={**data, "answer_0": "Annulé", "action": action})
        assert posted.status_code == 410
        assert "Cette consultation a été annulée." in posted.text
        assert "Annulé</textarea>" in posted.text


async def test_saving_a_draft_before_the_opening_keeps_it_for_the_opening(j: Journey) -> None:
    url = await upcoming(j)
    saved = await post_typed(j, url, "À reprendre à l'ouverture", "enregistrer")
    assert saved.status_code == 303
    page = await j.client.get(saved.headers["location"])
    assert page.status_code == 403
    assert "Votre brouillon est conservé" in page.text
    assert "readonly>À reprendre à l&#39;ouverture</textarea>" in page.text


async def saved_in_background(j: Journey, url: str, lang: str = "fr") -> str:
    """What the note beside the form says after an htmx save (the page's autosave)."""
    data = {**form_of((await j.client.get(f"/consultations/{j.consultation.id}/participer")).text)}
    saved = await j.client.post(
        f"{url}?lang={lang}",
        data={**data, "answer_0": "Un brouillon", "action": "enregistrer"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
    return visible_text(saved.text)


async def test_a_draft_saved_after_the_close_is_said_saved_and_no_longer_sendable(
    j: Journey,
) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    await j.client.get(url)  # the form, while open: its token
    await close(j)
    note = await saved_in_background(j, url)
    assert "Brouillon enregistré le" in note
    assert "La consultation est fermée : ce brouillon ne peut plus être envoyé." in note
    english = await saved_in_background(j, url, "en")
    assert "The consultation is closed: this draft can no longer be sent." in english


async def test_a_draft_saved_while_open_says_only_that_it_is_saved(j: Journey) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    note = await saved_in_background(j, url)
    assert "Brouillon enregistré le" in note
    assert "La consultation" not in note
