"""`/suivi`: anyone with a receipt number follows an opinion, whatever its channel, and
never sees more than its status; typos are told apart from unknown numbers, and trying
numbers by the thousand is stopped."""

from __future__ import annotations

from domain import format_receipt, receipt_number
from tests.web.clerk_desk import LETTER, Desk, desk, key_letter, receipt_in
from tests.web.test_sessions import COOKIE

__all__ = ["desk"]


async def test_a_letter_writer_follows_their_opinion_with_only_the_number(desk: Desk) -> None:
    receipt = receipt_in((await key_letter(desk)).headers["location"])
    desk.client.cookies.delete(COOKIE)  # no sign-in
    typed = " " + format_receipt(receipt).lower().replace("0", "o").replace("-", " ") + " "
    page = await desk.client.get("/suivi", params={"numero": typed})
    assert page.status_code == 200
    assert "Reçu, en attente de modération" in page.text
    assert LETTER not in page.text  # never the text of an opinion not published
    assert "Gisèle" not in page.text  # never a name


async def test_a_late_letter_says_it_is_kept_and_not_published(desk: Desk) -> None:
    receipt = receipt_in((await key_letter(desk, desk.closed)).headers["location"])
    desk.client.cookies.delete(COOKIE)
    page = await desk.client.get(
        "/suivi", params={"numero": receipt}, headers={"Accept-Language": "en"}
    )
    assert "Arrivé en retard" in page.text


async def test_a_typo_and_an_unknown_number_are_told_apart(desk: Desk) -> None:
    number = receipt_number(b"nobody")
    wrong = ("1" if number[0] != "1" else "2") + number[1:]
    typo = await desk.client.get("/suivi", params={"numero": wrong})
    assert typo.status_code == 400
    assert "faute de frappe" in typo.text
    unknown = await desk.client.get("/suivi", params={"numero": number})
    assert unknown.status_code == 404
    assert "Aucun avis ne porte ce numéro" in unknown.text
    english = await desk.client.get("/suivi", params={"numero": number, "lang": "en"})
    assert "No opinion has this number" in english.text


async def test_looking_up_numbers_is_limited_per_address(desk: Desk) -> None:
    number = receipt_number(b"nobody")
    answers = [
        (await desk.client.get("/suivi", params={"numero": number})).status_code for _ in range(21)
    ]
    assert answers[:20] == [404] * 20
    assert answers[20] == 429
    limited = await desk.client.get("/suivi", params={"numero": number})
    assert int(limited.headers["retry-after"]) >= 1
    assert (await desk.client.get("/suivi")).status_code == 200  # the empty form is never limited
