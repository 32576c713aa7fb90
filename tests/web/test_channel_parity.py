"""Channel parity, shown end to end: one text given online, by mail and by phone gets
the same moderation state, the same public page apart from the channel's label, the
same open-data row, and is counted the same."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import escape

from app.persistence.store import EventStore
from domain import ReceiptClaim, format_receipt
from tests.moderation import publish
from tests.web.clerk_desk import Desk, desk, hidden_fields, key_call, key_letter, receipt_in
from tests.web.test_sessions import COOKIE, signed_in

__all__ = ["desk"]
TEXT = "Le même avis, quel que soit le moyen : des heures d'ouverture le samedi."
CHANNEL_LABELS = ("En ligne", "Par la poste", "Par téléphone")


async def send_online(d: Desk) -> str:
    """Through the citizen's own form, as a signed-in citizen."""
    participant = "6f9c8a52-6c1e-4b9a-9a57-0f1f3a1c2b11"
    d.client.cookies.set(COOKIE, await signed_in(d.pool, participant_id=participant))
    url = f"/consultations/{d.open.id}/participer"
    page = await d.client.get(url)
    data = {**hidden_fields(page.text), "answer_0": TEXT, "language": "fr", "region": "01"}
    await d.client.post(url, data={**data, "action": "verifier"})
    sent = await d.client.post(url, data={**data, "action": "envoyer"})
    assert sent.status_code == 303, sent.text
    return sent.headers["location"].rsplit("/", 1)[1]


async def each_channel(d: Desk) -> dict[str, str]:
    """The receipt number of the same text, by each channel."""
    letter = receipt_in((await key_letter(d, text=TEXT)).headers["location"])
    call = receipt_in((await key_call(d, text=TEXT, region="01")).headers["location"])
    online = await send_online(d)
    d.client.cookies.delete(COOKIE)
    return {"online": online, "mail": letter, "phone": call}


async def statuses(d: Desk, receipts: dict[str, str]) -> set[tuple[str, str]]:
    rows = await d.pool.fetch(
        "SELECT status, appeal_status FROM public_submissions WHERE receipt_number = ANY($1)",
        list(receipts.values()),
    )
    return {(r["status"], r["appeal_status"]) for r in rows}


def without_channel(page: str, receipt: str) -> str:
    """The page's main content, its receipt number, times and channel label taken out."""
    main = page[page.index("<main") : page.index("</main>")]
    main = main.replace(format_receipt(receipt), "RECEIPT")
    main = re.sub(r'<time datetime="[^"]*">[^<]*</time>', "TIME", main)
    for label in CHANNEL_LABELS:
        main = main.replace(label, "CHANNEL")
    return main


def same_row(row: dict[str, Any]) -> dict[str, Any]:
    ignored = ("receipt_number", "receipt", "channel", "received_at", "published_at", "links")
    return {k: v for k, v in row.items() if k not in ignored}


async def page_of(d: Desk, receipt: str) -> str:
    return (await d.client.get(f"/avis/{format_receipt(receipt)}")).text


async def publish_all(d: Desk, store: EventStore, receipts: dict[str, str]) -> None:
    for receipt in receipts.values():
        claim = await d.repository.get(ReceiptClaim.create_id(receipt), ReceiptClaim)
        position = await publish(d.repository, claim.submission_id)
    await store.wait("public_submissions", position, timeout=5)


async def test_one_text_by_three_channels_is_treated_the_same(
    desk: Desk, store: EventStore
) -> None:
    receipts = await each_channel(desk)
    assert await statuses(desk, receipts) == {("received", "none")}
    await publish_all(desk, store, receipts)
    assert await statuses(desk, receipts) == {("published", "none")}

    pages = {ch: await page_of(desk, r) for ch, r in receipts.items()}
    shapes = {without_channel(pages[ch], r) for ch, r in receipts.items()}
    assert len(shapes) == 1, "the public pages differ by more than the channel's label"
    assert all(str(escape(TEXT)) in page for page in pages.values())

    rows = [
        (await desk.client.get(f"/api/submissions/{format_receipt(r)}")).json()
        for r in receipts.values()
    ]
    assert {r["channel"] for r in rows} == {"online", "mail", "phone"}
    assert same_row(rows[0]) == same_row(rows[1]) == same_row(rows[2])

    stats = (await desk.client.get(f"/api/consultations/{desk.open.id}/statistics")).json()
    by_channel = {row["channel"]: (row["published"], row["total"]) for row in stats["by_channel"]}
    assert by_channel == {"online": (1, 1), "mail": (1, 1), "phone": (1, 1)}
    assert stats["reconciles"]


async def test_the_three_channels_share_one_form_of_receipt_number(desk: Desk) -> None:
    receipts = await each_channel(desk)
    for receipt in receipts.values():
        assert re.fullmatch(r"[0-9A-Z]{9}", receipt)
        assert (await desk.client.get("/suivi", params={"numero": receipt})).status_code == 200
