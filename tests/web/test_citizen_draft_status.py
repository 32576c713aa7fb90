"""The note an htmx save of the draft puts beside the form: the time it was saved, as a
sentence ended once in either language."""

from __future__ import annotations

import re

from tests.web.journey import Journey, form_of
from tests.web.test_public_phases import visible_text


async def saved_note(j: Journey, lang: str) -> str:
    url = f"/consultations/{j.consultation.id}/participer?lang={lang}"
    data = {**form_of((await j.client.get(url)).text), "answer_0": "Un début"}
    headers = {"HX-Request": "true"}
    saved = await j.client.post(url, data={**data, "action": "enregistrer"}, headers=headers)
    assert saved.status_code == 200
    return visible_text(saved.text).strip()


async def test_in_english_the_draft_saved_note_ends_with_the_period_of_a_m_or_p_m(
    j: Journey,
) -> None:
    note = await saved_note(j, "en")
    assert re.search(r"Draft saved on .*\d [ap]\.m\.$", note), note


async def test_in_french_the_draft_saved_note_ends_with_a_period(j: Journey) -> None:
    note = await saved_note(j, "fr")
    assert re.search(r"Brouillon enregistré le .*\d h \d\d\.$", note), note
