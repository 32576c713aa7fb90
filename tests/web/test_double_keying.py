"""Verified transcription through HTTP: an organizer asks for letters keyed twice; a
second clerk keys the letter blind; a third, who keyed neither, reconciles the two
from a word-by-word comparison; only then is the letter moderated; the statistics
show how many letters were keyed twice and how often the keyings disagreed."""

from __future__ import annotations

from app.persistence.store import EventStore
from domain import ReceiptClaim, Submission
from tests.moderation import publish
from tests.waiting import until
from tests.web.clerk_desk import (
    CLERK,
    LETTER,
    OTHER_CLERK,
    Desk,
    desk,
    hidden_fields,
    key_letter,
    receipt_in,
)

__all__ = ["desk"]
THIRD_CLERK = "clerk-marc"
SECOND = LETTER.replace("samedi", "dimanche")


async def require_double_keying(d: Desk) -> None:
    await d.as_clerk("organizer-nadia", "organizer")
    url = f"/admin/consultations/{d.open.id}"
    page = await d.client.get(url)
    assert "Exiger la double saisie des lettres" in page.text
    data = {"csrf_token": hidden_fields(page.text)["csrf_token"], "required": "1"}
    done = await d.client.post(url + "/double-saisie", data=data)
    assert done.status_code == 303, done.text
    assert "Ne plus exiger la double saisie" in (await d.client.get(url)).text


async def in_queue(d: Desk, submission_id: object) -> bool:
    stage = await d.pool.fetchval(
        "SELECT stage FROM moderation_items WHERE submission_id = $1", submission_id
    )
    return bool(stage == "first")


async def post_text(d: Desk, receipt: str, text: str) -> int:
    url = f"/saisie/verification/{receipt}"
    page = await d.client.get(url)
    data = {"csrf_token": hidden_fields(page.text)["csrf_token"], "text": text}
    return (await d.client.post(url, data=data)).status_code


async def test_a_letter_is_keyed_twice_blind_then_reconciled_before_moderation(
    desk: Desk, store: EventStore
) -> None:
    await require_double_keying(desk)
    await desk.as_clerk(CLERK, "clerk")
    receipt = receipt_in((await key_letter(desk)).headers["location"])
    claim = await desk.repository.get(ReceiptClaim.create_id(receipt), ReceiptClaim)
    status = await desk.client.get("/suivi", params={"numero": receipt})
    assert "saisie en vérification" in status.text
    assert "Lettre n° 1" not in (await desk.client.get("/saisie/verification")).text

    await desk.as_clerk(OTHER_CLERK, "clerk")
    waiting = await desk.client.get("/saisie/verification")
    assert "Saisir la lettre n° 1" in waiting.text
    blind = await desk.client.get(f"/saisie/verification/{receipt}")
    assert "samedi" not in blind.text  # never the first keying
    assert await post_text(desk, receipt, SECOND) == 303

    for clerk in (CLERK, OTHER_CLERK):  # neither keyer reconciles
        await desk.as_clerk(clerk, "clerk")
        assert "Rapprocher la lettre" not in (await desk.client.get("/saisie/verification")).text
        assert await post_text(desk, receipt, LETTER) == 400

    await desk.as_clerk(THIRD_CLERK, "clerk")
    compare = await desk.client.get(f"/saisie/verification/{receipt}")
    assert "samedi" in compare.text
    assert "dimanche" in compare.text
    assert compare.text.count("<mark>") == 2  # one word differs, on each side
    assert await post_text(desk, receipt, LETTER) == 303

    submission = await desk.repository.get(claim.submission_id, Submission)
    assert submission.status.value == "received"
    await desk.as_clerk(THIRD_CLERK, "clerk", "moderator")  # who settled it does not moderate it
    await until(lambda: in_queue(desk, claim.submission_id), "the letter in the queue")
    refused = await desk.client.post(
        f"/moderation/avis/{claim.submission_id}/decision",
        data={"csrf_token": "jeton", "action": "publish"},
    )
    assert refused.status_code == 403
    position = await publish(desk.repository, claim.submission_id)
    for read_model in ("public_submissions", "clerk_submissions"):
        await store.wait(read_model, position, timeout=5)
    stats = await desk.client.get(f"/consultations/{desk.open.id}/statistiques")
    assert "Lettres saisies deux fois et rapprochées" in stats.text
    assert "100 %" in stats.text
