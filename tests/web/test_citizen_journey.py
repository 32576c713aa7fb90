"""The online channel through the ASGI app and real PostgreSQL: draft to receipt."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from uuid import uuid4

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.databases import with_database
from app.mapping import build_mapper
from app.repository import Repository
from app.settings import Settings
from app.store import EventStore
from app.web import create_app
from domain import Consultation, ReasonCode, StaffId, Submission
from projections.registry import all_projections
from projections.runner import Runner
from tests.unit.builders import ORGANIZER, content
from tests.web.test_sessions import COOKIE, signed_in

ANSWER = "Je souhaite que l'eau reste publique — «\u00a0bien commun\u00a0» ✓ 🌊"


@dataclass
class Journey:
    client: httpx.AsyncClient
    consultation: Consultation
    participant: str
    pool: asyncpg.Pool
    repository: Repository


@pytest.fixture
async def journey(
    database_url: str, store: EventStore, pool: asyncpg.Pool
) -> AsyncIterator[Journey]:
    """An open consultation, a signed-in citizen, the app with a projector beside it."""
    repository = Repository(store, build_mapper())
    now = datetime.now(UTC)
    fields = content(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=5))
    c = Consultation.draft(uuid4(), by=ORGANIZER, at=now - timedelta(days=3), **fields)
    c.schedule(ORGANIZER, now - timedelta(days=2))
    position = await repository.save(c)
    stop = asyncio.Event()
    runner = Runner(store, build_mapper(), all_projections(), poll_interval=0.2)
    running = asyncio.create_task(runner.run(stop))
    await store.wait("public_consultations", position, timeout=5)
    settings = replace(Settings.from_env(), page_cache_seconds=0)
    participant = str(uuid4())
    try:
        async with LifespanManager(create_app(database_url, settings, projector=False)) as m:
            transport = httpx.ASGITransport(app=m.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://tribune.test") as cl:
                session = await signed_in(pool, participant_id=participant, name="Marie Tremblay")
                cl.cookies.set(COOKIE, session)
                yield Journey(cl, c, participant, pool, repository)
    finally:
        stop.set()
        await running


def form_of(html: str) -> dict[str, str]:
    """The hidden and filled fields of the page's main form, as a browser sends them."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return {k: v.replace("&#39;", "'").replace("&amp;", "&") for k, v in fields.items()}


async def send_opinion(j: Journey, text: str = ANSWER, **extra: str) -> httpx.Response:
    url = f"/consultations/{j.consultation.id}/participer"
    page = await j.client.get(url)
    data = {**form_of(page.text), "answer_0": text, "language": "fr", "region": "03", **extra}
    check = await j.client.post(url, data={**data, "action": "verifier"})
    assert check.status_code == 200, check.text
    return await j.client.post(url, data={**data, "action": "envoyer"})


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


@pytest.fixture
def j(journey: Journey) -> Journey:
    return journey


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
    assert "Brouillon enregistré à" in fragment.text


async def test_after_the_deadline_the_form_says_closed_and_keeps_the_text(j: Journey) -> None:
    c = await j.repository.get(j.consultation.id, Consultation)
    c.close_early(ORGANIZER, datetime.now(UTC), "Fin des travaux")
    position = await j.repository.save(c)
    await j.repository.store.wait("public_consultations", position, timeout=5)
    sent = await send_opinion(j, text="Mon avis arrivé trop tard")
    assert sent.status_code == 409
    assert "La consultation est fermée" in sent.text
    assert "Mon avis arrivé trop tard</textarea>" in sent.text


async def test_a_citizen_withdraws_and_appeals_a_refusal(j: Journey) -> None:
    first = await send_opinion(j)
    receipt_url = first.headers["location"]
    withdrawn = await j.client.post(receipt_url + "/retirer", data={"csrf_token": "jeton"})
    assert withdrawn.status_code == 303
    assert "Retiré par son auteur" in (await j.client.get(receipt_url)).text

    second = await send_opinion(j, text="Un second avis")
    number = second.headers["location"].rsplit("/", 1)[1]
    submission_id = await j.pool.fetchval(
        "SELECT submission_id FROM public_submissions WHERE receipt_number = $1", number
    )
    s = await j.repository.get(submission_id, Submission)
    s.propose_refusal(StaffId("m1"), datetime.now(UTC), ReasonCode("R8"))
    s.confirm_refusal(StaffId("m2"), datetime.now(UTC))
    position = await j.repository.save(s)
    await j.repository.store.wait("public_submissions", position, timeout=5)
    page = (await j.client.get(second.headers["location"])).text
    assert "Faire appel" in page
    appealed = await j.client.post(
        second.headers["location"] + "/appel",
        data={"csrf_token": "jeton", "appeal": "Mon avis porte bien sur la consultation."},
    )
    assert appealed.status_code == 303
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
    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(with_database(database_url, "postgres"))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        answer = await j.client.post(url, data=data)
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        await admin.close()
    assert answer.status_code == 503, answer.text
    assert "Rien n'a été enregistré" in answer.text
    assert "Mon texte précieux</textarea>" in answer.text


async def test_a_draft_with_a_null_byte_is_refused_with_the_text_kept(j: Journey) -> None:
    url = f"/consultations/{j.consultation.id}/participer"
    page = await j.client.get(url)
    data = {**form_of(page.text), "answer_0": "avant\x00après", "action": "enregistrer"}
    answer = await j.client.post(url, data=data)
    assert answer.status_code == 400
    assert "caractères de contrôle" in answer.text
    assert "avant" in answer.text
