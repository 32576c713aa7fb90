"""The moderators' queue through HTTP: blind, oldest first, leased; decisions with
separation of duties enforced at the route; twenty moderators deciding at once record
one decision; a passage withheld never reaches any public output."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
from markupsafe import escape

from app.moderation.leases import take_next
from app.persistence.store import EventStore
from app.services.moderation import (
    decide_appeal,
    propose_refusal,
    publish_submission,
    second_opinion,
)
from domain import Calibration, ReasonCode, ReceiptClaim, StaffId, Submission, format_receipt
from domain.calibration import DEFAULT_SHARE, sampled
from projections.dashboard_queries import dashboard
from tests.waiting import until
from tests.web.clerk_desk import CLERK, LETTER, Desk, desk, hidden_fields, key_letter, receipt_in
from tests.web.test_sessions import COOKIE, signed_in

__all__ = ["desk"]
SECRET = "Mon voisin Jules Tremblay au 12 rue des Pins"
TEXT = f"L'eau doit rester publique. {SECRET} pollue la rivière. Merci."


async def empty_queue(d: Desk) -> None:
    """Decided by a moderator of no test, so that a test starts with the queue empty
    (the module's database keeps what earlier tests keyed)."""
    rows = await d.pool.fetch(
        "SELECT submission_id, stage FROM moderation_items WHERE stage IS NOT NULL"
    )
    at, by = datetime.now(UTC), StaffId("mod-housekeeping")
    for row in rows:
        if row["stage"] == "first":
            await publish_submission(d.repository, row["submission_id"], by, at, [])
        elif row["stage"] == "confirm":
            await second_opinion(d.repository, row["submission_id"], by, at, confirm=True)
        else:
            await decide_appeal(d.repository, row["submission_id"], by, at, False, "")

    async def empty() -> bool:
        waiting = await d.pool.fetchval(
            "SELECT count(*) FROM moderation_items WHERE stage IS NOT NULL"
        )
        return bool(waiting == 0)

    await until(empty, "the queue emptied")


async def keyed(d: Desk, text: str = TEXT) -> tuple[str, UUID]:
    await d.as_clerk(CLERK, "clerk")
    receipt = receipt_in((await key_letter(d, text=text)).headers["location"])
    claim = await d.repository.get(ReceiptClaim.create_id(receipt), ReceiptClaim)
    return receipt, claim.submission_id


async def as_moderator(d: Desk, who: str, *more: str) -> None:
    await d.as_clerk(who, "moderator", *more)


async def take(d: Desk) -> httpx.Response:
    home = await d.client.get("/moderation/")
    data = {"csrf_token": hidden_fields(home.text)["csrf_token"]}
    return await d.client.post("/moderation/suivant", data=data)


async def decide(d: Desk, submission_id: UUID, action: str, **fields: str) -> httpx.Response:
    page = await d.client.get(f"/moderation/avis/{submission_id}")
    token = hidden_fields(page.text).get("csrf_token", "jeton")
    data = {"csrf_token": token, "action": action, **fields}
    return await d.client.post(f"/moderation/avis/{submission_id}/decision", data=data)


async def status_of(d: Desk, receipt: str) -> str:
    status: str = await d.pool.fetchval(
        "SELECT status FROM public_submissions WHERE receipt_number = $1", receipt
    )
    return status


async def test_the_queue_is_blind_and_gives_the_oldest_first(desk: Desk) -> None:
    await empty_queue(desk)
    first = await keyed(desk)
    await keyed(desk, LETTER)
    await as_moderator(desk, "mod-sophie")
    taken = await take(desk)
    assert taken.headers["location"].endswith(str(first[1]))
    page = await desk.client.get(taken.headers["location"])
    assert str(escape(TEXT)) in page.text
    for never in ("Par la poste", "Gisèle", "Pelletier", "Bas-Saint-Laurent", CLERK, first[0]):
        assert never not in page.text, never


async def test_a_lease_keeps_others_off_an_item_until_it_is_released_or_expires(
    desk: Desk,
) -> None:
    await empty_queue(desk)
    _, only = await keyed(desk)
    await as_moderator(desk, "mod-sophie")
    assert (await take(desk)).headers["location"].endswith(str(only))
    await as_moderator(desk, "mod-luc")
    assert (await take(desk)).headers["location"].endswith("fait=vide")  # held by Sophie
    await as_moderator(desk, "mod-sophie")
    page = await desk.client.get(f"/moderation/avis/{only}")
    data = {"csrf_token": hidden_fields(page.text)["csrf_token"]}
    await desk.client.post(f"/moderation/avis/{only}/rendre", data=data)
    await as_moderator(desk, "mod-luc")
    assert (await take(desk)).headers["location"].endswith(str(only))  # released
    async with desk.pool.acquire() as conn:  # Luc's lease, a second long, runs out
        assert await take_next(conn, "mod-luc", timedelta(seconds=1)) == only

        async def lea_takes_it() -> bool:
            return await take_next(conn, "mod-lea") == only

        await until(lea_takes_it, "Luc's lease to expire", seconds=5)


async def test_the_clerk_who_keyed_it_cannot_take_or_decide_it_even_as_a_moderator(
    desk: Desk,
) -> None:
    await empty_queue(desk)
    _, submission_id = await keyed(desk)
    await desk.as_clerk(CLERK, "clerk", "moderator")
    assert (await take(desk)).headers["location"].endswith("fait=vide")
    refused = await decide(desk, submission_id, "publish")
    assert refused.status_code == 403
    names = [e.topic for e in await desk.repository.store.select_events(submission_id)]
    assert not any(n.endswith("Published") for n in names)


async def test_twenty_moderators_deciding_at_once_record_one_decision(desk: Desk) -> None:
    receipt, submission_id = await keyed(desk)
    clients = []
    for i in range(20):
        session = await signed_in(
            desk.pool, kind="staff", staff_id=f"mod-{i}", name=f"M{i}", roles=["moderator"]
        )
        client = httpx.AsyncClient(transport=desk.client._transport, base_url=desk.client.base_url)
        client.cookies.set(COOKIE, session)
        clients.append(client)
    data = {"csrf_token": "jeton", "action": "publish"}
    url = f"/moderation/avis/{submission_id}/decision"
    answers = await asyncio.gather(*(c.post(url, data=data) for c in clients))
    for c in clients:
        await c.aclose()
    codes = sorted(a.status_code for a in answers)
    assert codes == [303] + [409] * 19
    told = next(a for a in answers if a.status_code == 409)
    assert "décidé entre-temps" in told.text
    events = await desk.repository.store.select_events(submission_id)
    assert sum(e.topic.endswith("Published") for e in events) == 1
    assert await status_of(desk, receipt) == "published"


async def test_a_withheld_passage_never_reaches_any_public_output(
    desk: Desk, store: EventStore
) -> None:
    receipt, submission_id = await keyed(desk)
    await as_moderator(desk, "mod-sophie")
    await take(desk)
    bad = await decide(desk, submission_id, "redact", passage_1="n'existe pas", reason_1="R3")
    assert bad.status_code == 400
    assert 'href="#passage_1"' in bad.text
    assert "n&#39;existe pas" in bad.text  # what was typed is kept
    done = await decide(desk, submission_id, "redact", passage_1=SECRET, reason_1="R3")
    assert done.status_code == 303, done.text
    await until(lambda: status_in(desk, receipt, "published"), "the publication projected")
    outputs = [
        f"/avis/{format_receipt(receipt)}",
        f"/consultations/{desk.open.id}/avis",
        f"/consultations/{desk.open.id}/avis.csv",
        f"/consultations/{desk.open.id}/avis.json",
        f"/consultations/{desk.open.id}/flux.atom",
        f"/api/consultations/{desk.open.id}/submissions",
        f"/api/submissions/{receipt}",
    ]
    page = await desk.client.get(outputs[0])
    assert "[passage retiré : R3]" in page.text
    for url in outputs:
        answer = await desk.client.get(url)
        assert answer.status_code == 200, url
        assert "Jules" not in answer.text, url
        assert "Tremblay" not in answer.text, url
    search = await desk.client.get(f"/consultations/{desk.open.id}/avis", params={"q": "Tremblay"})
    assert format_receipt(receipt) not in search.text  # the withheld words are not searchable
    found = await desk.client.get(f"/consultations/{desk.open.id}/avis", params={"q": "rivière"})
    assert format_receipt(receipt) in found.text  # what is published is


async def status_in(d: Desk, receipt: str, wanted: str) -> bool:
    return await status_of(d, receipt) == wanted


async def test_a_refusal_needs_a_second_moderator_and_an_appeal_an_uninvolved_one(
    desk: Desk,
) -> None:
    receipt, submission_id = await keyed(desk)
    await as_moderator(desk, "mod-sophie")
    await take(desk)
    proposed = await decide(desk, submission_id, "propose_refusal", reason="R8", note="Hors sujet.")
    assert proposed.status_code == 303
    assert (await decide(desk, submission_id, "confirm")).status_code == 403  # her own proposal
    await as_moderator(desk, "mod-luc")
    await take(desk)
    assert (await decide(desk, submission_id, "confirm")).status_code == 303
    await until(lambda: status_in(desk, receipt, "refused"), "the refusal projected")

    await desk.as_clerk("clerk-lea", "clerk")  # the writer appeals by phone
    page = await desk.client.get(f"/saisie/avis/{receipt}")
    data = {
        "csrf_token": hidden_fields(page.text)["csrf_token"],
        "requested_via": "phone",
        "identity_checked": "on",
        "appeal": "Mon avis porte bien sur la consultation.",
    }
    assert (await desk.client.post(f"/saisie/avis/{receipt}/appel", data=data)).status_code == 303
    for involved in ("mod-sophie", "mod-luc"):
        await as_moderator(desk, involved)
        assert (await decide(desk, submission_id, "grant")).status_code == 403
    await as_moderator(desk, "mod-claire")
    await take(desk)
    assert (
        await decide(desk, submission_id, "grant", note="Il porte sur l'eau.")
    ).status_code == 303
    await until(lambda: status_in(desk, receipt, "published"), "the appeal granted, projected")


async def test_a_decision_not_asked_at_this_stage_is_refused_at_the_form(desk: Desk) -> None:
    await empty_queue(desk)
    receipt, submission_id = await keyed(desk)
    await as_moderator(desk, "mod-sophie")
    await take(desk)
    wrong = await decide(desk, submission_id, "confirm")
    assert wrong.status_code == 400
    assert "ne se prend pas à cette étape" in wrong.text
    assert await status_of(desk, receipt) == "received"


async def test_the_dashboard_counts_the_queue_the_outcomes_by_channel_and_the_overturns(
    desk: Desk, store: EventStore
) -> None:
    await empty_queue(desk)
    _, published = await keyed(desk)
    _, overturned = await keyed(desk, LETTER)
    await keyed(desk, "Un troisième, qui attend.")
    at, first, second = datetime.now(UTC), StaffId("mod-a"), StaffId("mod-b")
    await publish_submission(desk.repository, published, first, at, [])
    await propose_refusal(desk.repository, overturned, first, at, ReasonCode("R8"), "")
    position = await second_opinion(desk.repository, overturned, second, at, confirm=False)
    await store.wait("public_submissions", position, timeout=5)
    await store.wait("moderation_queue", position, timeout=5)
    await as_moderator(desk, "mod-sophie")
    board = await desk.client.get("/moderation/tableau")
    assert board.status_code == 200
    text = re.sub(r"\s+", " ", board.text)
    waiting = re.search(r"Avis en attente d.{1,5}un modérateur</dt> ?<dd>(\d+)</dd>", text)
    assert waiting, "the queue's length is not shown"
    assert waiting[1] == "2"  # the one waiting, and the overturned one, back in the queue
    assert re.search(r"Refus proposés, puis infirmés</dt><dd>\d+ / \d+", text)
    dash = await dashboard(desk.pool)
    assert dash.refusals_overturned >= 1
    assert dash.outcomes["mail"]["published"] >= 1


def calibrated_token() -> str:
    """A form token whose submission is among the share sent back for calibration."""
    return next(
        token
        for token in (f"calibration-{i:04d}-{'x' * 24}" for i in range(10_000))
        if sampled(Submission.create_id(token), DEFAULT_SHARE)
    )


async def test_a_share_of_decisions_goes_back_blind_to_another_moderator_and_changes_nothing(
    desk: Desk, store: EventStore
) -> None:
    await desk.as_clerk(CLERK, "clerk")
    token = calibrated_token()
    receipt = receipt_in((await key_letter(desk, form_token=token)).headers["location"])
    submission_id = Submission.create_id(token)
    first = StaffId("mod-a")
    position = await publish_submission(
        desk.repository, submission_id, first, datetime.now(UTC), []
    )
    await store.wait("calibration", position, timeout=15)
    home = await desk.client.get("/moderation/")  # a clerk: refused
    assert home.status_code == 403
    await as_moderator(desk, "mod-a")  # who decided: never given it back
    assert not (await take_calibration(desk)).headers["location"].endswith(str(submission_id))
    await as_moderator(desk, "mod-b")
    page = await calibration_of(desk, submission_id)
    assert "Avis de calibration" in page.text
    assert "Publié" not in page.text  # blind to the first decision
    data = {
        "csrf_token": hidden_fields(page.text)["csrf_token"],
        "action": "propose_refusal",
        "reason": "R8",
    }
    done = await desk.client.post(f"/moderation/calibration/{submission_id}/decision", data=data)
    assert done.headers["location"].endswith("fait=calibre")
    stored = await desk.repository.get(Calibration.create_id(submission_id), Calibration)
    assert (stored.first_outcome, stored.outcome, stored.by) == ("publish", "refuse", "mod-b")
    assert await status_of(desk, receipt) == "published"  # it changed nothing
    await until(lambda: has_pair(desk, submission_id), "the pair projected")
    board = await desk.client.get("/moderation/tableau")
    assert "Kappa de Cohen" in board.text


async def calibration_of(d: Desk, submission_id: UUID) -> httpx.Response:
    """Take calibration items, oldest first, deciding on those of earlier tests, until
    this submission's comes."""
    for _ in range(20):
        taken = await take_calibration(d)
        if taken.headers["location"].endswith("fait=vide"):  # not projected yet: again
            await asyncio.sleep(0.2)
            continue
        page = await d.client.get(taken.headers["location"])
        if taken.headers["location"].endswith(f"/calibration/{submission_id}"):
            return page
        data = {"csrf_token": hidden_fields(page.text)["csrf_token"], "action": "publish"}
        await d.client.post(taken.headers["location"] + "/decision", data=data)
    raise AssertionError("this submission never came back for calibration")


async def take_calibration(d: Desk) -> httpx.Response:
    home = await d.client.get("/moderation/")
    data = {"csrf_token": hidden_fields(home.text)["csrf_token"]}
    return await d.client.post("/moderation/calibration", data=data)


async def has_pair(d: Desk, submission_id: UUID) -> bool:
    found = await d.pool.fetchval(
        "SELECT count(*) FROM calibration_pairs WHERE submission_id = $1", submission_id
    )
    return bool(found)


async def test_a_decision_on_a_text_corrected_meanwhile_is_not_recorded(desk: Desk) -> None:
    await empty_queue(desk)
    receipt, submission_id = await keyed(desk)
    await as_moderator(desk, "mod-sophie")
    await take(desk)
    page = await desk.client.get(f"/moderation/avis/{submission_id}")
    read = hidden_fields(page.text)
    await desk.as_clerk(CLERK, "clerk")  # the keying clerk corrects a typo meanwhile
    desk_page = await desk.client.get(f"/saisie/avis/{receipt}")
    fix = {"csrf_token": hidden_fields(desk_page.text)["csrf_token"], "text": TEXT + " Corrigé."}
    assert (
        await desk.client.post(f"/saisie/avis/{receipt}/correction", data=fix)
    ).status_code == 303
    await as_moderator(desk, "mod-sophie")
    data = {**read, "action": "redact", "passage_1": SECRET, "reason_1": "R3"}
    late = await desk.client.post(f"/moderation/avis/{submission_id}/decision", data=data)
    assert late.status_code == 409
    assert "Le texte a changé depuis que vous l" in late.text
    assert await status_of(desk, receipt) == "received"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


async def test_a_scan_is_public_only_once_a_moderator_published_it_with_the_letter(
    desk: Desk, store: EventStore
) -> None:
    await empty_queue(desk)
    await desk.as_clerk(CLERK, "clerk")
    files = {"scan": ("lettre.png", PNG, "image/png")}
    receipt = receipt_in((await key_letter(desk, files=files)).headers["location"])
    claim = await desk.repository.get(ReceiptClaim.create_id(receipt), ReceiptClaim)
    public_url = f"/avis/{format_receipt(receipt)}/piece-jointe"
    await as_moderator(desk, "mod-sophie")
    await take(desk)
    page = await desk.client.get(f"/moderation/avis/{claim.submission_id}")
    seen = await desk.client.get(f"/moderation/avis/{claim.submission_id}/piece-jointe")
    assert seen.content == PNG
    assert seen.headers["cache-control"] == "no-store"
    assert (await desk.client.get(public_url)).status_code == 404  # not reviewed yet
    undecided = await decide(desk, claim.submission_id, "publish")
    assert undecided.status_code == 400  # its fate is asked with the publication
    assert 'id="attachment-erreur"' in undecided.text
    data = {**hidden_fields(page.text), "action": "publish", "attachment": "publish"}
    done = await desk.client.post(f"/moderation/avis/{claim.submission_id}/decision", data=data)
    assert done.status_code == 303, done.text
    await until(lambda: status_in(desk, receipt, "published"), "the publication projected")
    shown = await desk.client.get(f"/avis/{format_receipt(receipt)}")
    assert "La pièce jointe à cet avis" in shown.text
    assert (await desk.client.get(public_url)).content == PNG
