"""The online channel's test world: an open consultation, a signed-in citizen, the app
with a projector beside it; and the steps a browser would take through the form."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.asgi import create_app
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.services.participants import register_participant
from app.settings import Settings
from domain import Consultation, ReceiptClaim
from projections.engine.runner import Runner
from projections.registry import all_projections
from tests.moderation import refuse
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
    await register_participant(repository, UUID(participant), at=now, personal={"name": "Marie"})
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


async def submission_id_of(j: Journey, receipt_url: str) -> UUID:
    """The opinion behind a receipt page's address, as the store's receipt claim names it."""
    claim = await j.repository.get(
        ReceiptClaim.create_id(receipt_url.rsplit("/", 1)[1]), ReceiptClaim
    )
    submission_id: UUID = claim.submission_id
    return submission_id


async def refused_by_moderators(j: Journey, receipt_url: str) -> None:
    """Refused by two moderators (tests/moderation.py), then projected."""
    position = await refuse(j.repository, await submission_id_of(j, receipt_url))
    await j.repository.store.wait("public_submissions", position, timeout=5)


@pytest.fixture
def j(journey: Journey) -> Journey:
    return journey
