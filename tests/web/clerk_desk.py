"""The clerks' test world: an open consultation and one closed last week (its mail
grace still running), the app with a projector beside it, a signed-in clerk; and the
steps a clerk takes to key a letter or a call."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest

from app.asgi import create_app
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.settings import Settings
from app.web.formatting import MONTREAL
from app.web.forms import local_input
from domain import Consultation
from projections.engine.runner import Runner
from projections.registry import all_projections
from tests.unit.builders import ORGANIZER, content
from tests.web.asgi import served
from tests.web.test_sessions import COOKIE, signed_in

CLERK = "clerk-paul"
OTHER_CLERK = "clerk-lea"
LETTER = "Je tiens à ce que le service reste ouvert le samedi. [illisible] Merci."


@dataclass
class Desk:
    client: httpx.AsyncClient
    open: Consultation
    closed: Consultation
    pool: asyncpg.Pool
    repository: Repository

    async def as_clerk(self, staff_id: str, *roles: str) -> None:
        session = await signed_in(
            self.pool, kind="staff", staff_id=staff_id, name=staff_id, roles=list(roles)
        )
        self.client.cookies.set(COOKIE, session)


async def consultation(repository: Repository, opens: timedelta, closes: timedelta) -> Consultation:
    now = datetime.now(UTC)
    fields = content(opens_at=now + opens, closes_at=now + closes, mail_grace_days=14)
    drafted_at = now + opens - timedelta(days=3)
    c = Consultation.draft(uuid4(), by=ORGANIZER, at=drafted_at, **fields)
    c.schedule(ORGANIZER, now + opens - timedelta(days=2))
    await repository.save(c)
    return c


@pytest.fixture
async def desk(database_url: str, store: EventStore, pool: asyncpg.Pool) -> AsyncIterator[Desk]:
    repository = Repository(store, build_mapper())
    day = timedelta(days=1)
    opened = await consultation(repository, -day, 5 * day)
    closed = await consultation(repository, -20 * day, -7 * day)
    stop = asyncio.Event()
    runner = Runner(store, build_mapper(), all_projections(), poll_interval=0.2)
    running = asyncio.create_task(runner.run(stop))
    await store.wait("public_consultations", await store.max_notification_id(), timeout=5)
    settings = replace(Settings.from_env(), page_cache_seconds=0)
    try:
        async with served(create_app(database_url, settings, projector=False)) as client:
            d = Desk(client, opened, closed, pool, repository)
            await d.as_clerk(CLERK, "clerk")
            yield d
    finally:
        stop.set()
        await running


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def today() -> str:
    return datetime.now(MONTREAL).date().isoformat()


async def key_letter(
    d: Desk, c: Consultation | None = None, files: dict[str, Any] | None = None, **fields: Any
) -> httpx.Response:
    page = await d.client.get("/saisie/lettre")
    data = {
        **hidden_fields(page.text),
        "consultation_id": str((c or d.open).id),
        "received_on": today(),
        "postmarked_on": today(),
        "name": "Gisèle Pelletier",
        "postal_address": "12, rue des Érables\nRimouski (Québec)  G5L 1A1",
        "region": "01",
        "language": "fr",
        "text": LETTER,
        "show_name": "not_stated",
        **fields,
    }
    return await d.client.post("/saisie/lettre", data=data, files=files)


async def key_call(d: Desk, **fields: Any) -> httpx.Response:
    page = await d.client.get("/saisie/appel")
    data = {
        **hidden_fields(page.text),
        "consultation_id": str(d.open.id),
        "call_started_at": local_input(datetime.now(UTC) - timedelta(minutes=10)),
        "name": "Robert Gagnon",
        "phone": "418 555-0123",
        "language": "fr",
        "text": "Je veux que les consultations se fassent aussi au téléphone.",
        "read_back": "on",
        **fields,
    }
    return await d.client.post("/saisie/appel", data=data)


def receipt_in(url: str) -> str:
    found = re.search(r"(?:dernier=|/appel/)([0-9A-Z]{9})", url)
    assert found, url
    return found[1]
