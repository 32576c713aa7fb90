"""The clerks' desk (/saisie) used for real, and the public status of an opinion
(/suivi): what shows afterwards that each did what it says."""

from __future__ import annotations

from domain import Submission, format_receipt
from tests.web.route_uses import (
    Check,
    Params,
    Seen,
    Use,
    answer_has,
    answer_is_the_pdf,
    csrf,
    page_has,
    plain,
)
from tests.web.route_world import LETTER_TEXT, WRITER, call, letter, receipt_in


def keyed(name: str) -> Params:
    return lambda w: {"receipt": w.keyed[name]}


def desk_page_has(name: str, *wanted: str) -> Check:
    """The desk's page of that keyed opinion, read by the same clerk."""
    return page_has("actor", lambda w: f"/saisie/avis/{w.keyed[name]}", *wanted)


async def letter_keyed(seen: Seen) -> None:
    assert seen.answer.status_code == 303, seen.answer.status_code
    number = receipt_in(seen.answer.headers["location"])
    page = await seen.actor.get(f"/saisie/avis/{number}")
    assert LETTER_TEXT in page.text, "the desk does not show the letter keyed"
    events = await seen.store.select_events(Submission.create_id(seen.world.letter_token))
    assert [e.topic.rsplit(".", 1)[1] for e in events] == ["Received"]


async def call_keyed(seen: Seen) -> None:
    assert seen.answer.status_code == 303, seen.answer.status_code
    number = receipt_in(seen.answer.headers["location"])
    page = await seen.actor.get(seen.answer.headers["location"])
    assert format_receipt(number) in page.text, "no number to read to the caller"
    events = await seen.store.select_events(Submission.create_id(seen.world.call_token))
    assert [e.topic.rsplit(".", 1)[1] for e in events] == ["Received"]


async def found_by_number(seen: Seen) -> None:
    location = seen.answer.headers.get("location", "")
    assert seen.answer.status_code == 303, seen.answer.status_code
    assert location.endswith(f"/saisie/avis/{seen.world.keyed['scanned']}"), location


async def a_pdf(seen: Seen) -> None:
    assert seen.answer.status_code == 200, seen.answer.status_code
    assert seen.answer.headers["content-type"] == "application/pdf"
    assert seen.answer.content.startswith(b"%PDF"), "not a PDF"


async def keyed_blind(seen: Seen) -> None:
    """The second keying's form shows nothing of the first."""
    assert seen.answer.status_code == 200, seen.answer.status_code
    assert 'name="text"' in seen.answer.text
    assert LETTER_TEXT not in seen.answer.text, "the first keying shows: not blind"


async def keyed_second(seen: Seen) -> None:
    assert seen.answer.status_code == 303, seen.answer.status_code
    events = await seen.store.select_events(seen.world.to_verify_id)
    assert events[-1].topic.endswith("KeyedSecond"), events[-1].topic


def via_mail(fields: dict[str, str]) -> dict[str, str]:
    return {"requested_via": "mail", "identity_checked": "on", **fields}


DESK_USES = {
    "clerk:home": Use(plain, answer_has("Au guichet (fr)")),
    "clerk:letter_form": Use(plain, answer_has('name="postal_address"')),
    "clerk:letter_create": Use(plain, letter_keyed, form=lambda w: letter(w, w.letter_token)),
    "clerk:call_form": Use(plain, answer_has('name="read_back"')),
    "clerk:call_create": Use(plain, call_keyed, form=lambda w: call(w, w.call_token)),
    "clerk:call_receipt": Use(keyed("call"), answer_has(lambda w: format_receipt(w.keyed["call"]))),
    "clerk:lookup": Use(
        plain, found_by_number, query=lambda w: f"numero={format_receipt(w.keyed['scanned'])}"
    ),
    "clerk:submission_show": Use(keyed("scanned"), answer_has(LETTER_TEXT, WRITER)),
    "clerk:submission_scan": Use(keyed("scanned"), answer_is_the_pdf),
    "clerk:submission_withdraw": Use(
        keyed("withdraw"),
        desk_page_has("withdraw", "Retiré par son auteur"),
        form=csrf(via_mail({})),
    ),
    "clerk:submission_appeal": Use(
        keyed("appeal"),
        desk_page_has("appeal", "appel en cours d'examen"),
        form=csrf(via_mail({"appeal": "La personne demande un second examen."})),
    ),
    "clerk:submission_correct": Use(
        keyed("correct"),
        desk_page_has("correct", "Une lettre bien relue.", "Historique des corrections"),
        form=csrf({"text": "Une lettre bien relue."}),
    ),
    "clerk:outbox": Use(plain, answer_has(WRITER)),
    "clerk:outbox_pdf": Use(plain, a_pdf, query=lambda w: f"id={w.printable}"),
    "clerk:outbox_printed": Use(
        plain,
        desk_page_has("print", "imprimé le"),
        form=lambda w: {"csrf_token": "jeton", "id": str(w.printable)},
    ),
    "clerk:verification": Use(plain, answer_has(lambda w: f"/saisie/verification/{w.to_verify}")),
    "clerk:verification_letter": Use(lambda w: {"receipt": w.to_verify}, keyed_blind),
    "clerk:verification_post": Use(
        lambda w: {"receipt": w.to_verify},
        keyed_second,
        form=csrf({"text": "Une lettre reçue au guichet, merci de la lire."}),
    ),
    "status_lookup": Use(
        plain,
        answer_has("Lire l'avis publié"),
        query=lambda w: f"numero={format_receipt(w.published_receipt)}",
    ),
}
