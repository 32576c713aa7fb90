"""What a consultation's page says about taking part, in each phase and language, and
the header's link to the admin.

Each consultation is drafted and scheduled (and cancelled) through the aggregate at
the moments that put its phase (and the mail grace period) exactly where a test wants
it, then projected.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from app.asgi import create_app
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.settings import Settings
from domain import Consultation
from projections.engine.runner import Runner
from projections.registry import all_projections
from tests.unit.builders import ORGANIZER as ORGANIZER_ID
from tests.unit.builders import content
from tests.web.asgi import served
from tests.web.test_sessions import COOKIE, signed_in

NOW = datetime.now(UTC)
DAY = timedelta(days=1)
ADDRESS = "1020, rue des Parlementaires, Québec"
PHONE = "1 800 555-0100"
HOURS = {"fr": "du lundi au vendredi, de 9 h à 17 h.", "en": "Monday to Friday, 9 a.m. to 5 p.m."}


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Pages kept for a second, as in production: what one reader sees may reach another."""
    settings = replace(Settings.from_env(), page_cache_seconds=1.0)
    async with served(create_app(database_url, settings, projector=False)) as c:
        yield c


async def consultation(
    store: EventStore, opens: timedelta, closes: timedelta, status: str = "scheduled"
) -> UUID:
    """Opening and closing relative to now; seven days of grace for letters. Drafted and
    scheduled the day before it opens (or before now, for one still to open)."""
    repository = Repository(store, build_mapper())
    drafted_at = min(NOW, NOW + opens) - DAY
    fields = content(
        title={"fr": "L'avenir de l'eau", "en": "The future of water"},
        opens_at=NOW + opens,
        closes_at=NOW + closes,
        mail_grace_days=7,
        postal_address=ADDRESS,
        phone=PHONE,
        phone_hours=HOURS,
    )
    c = Consultation.draft(uuid4(), by=ORGANIZER_ID, at=drafted_at, **fields)
    c.schedule(ORGANIZER_ID, drafted_at)
    if status == "cancelled":
        c.cancel(ORGANIZER_ID, NOW, "Reportée")
    await repository.save(c)
    await Runner(store, build_mapper(), all_projections()).catch_up_all()
    return c.id


def visible_text(page: str) -> str:
    """What a reader sees (and a screen reader reads): tags gone, entities decoded."""
    without_head = re.sub(r"<head>.*</head>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", without_head))


async def page_of(client: httpx.AsyncClient, consultation_id: UUID, lang: str) -> str:
    response = await client.get(f"/consultations/{consultation_id}?lang={lang}")
    assert response.status_code == 200
    return visible_text(response.text)


def asks_for_opinions(text: str) -> bool:
    return any(
        words in text
        for words in ("Comment donner votre avis", "How to give your opinion", PHONE, ADDRESS)
    )


# Taking part, phase by phase ---------------------------------------------------------


async def test_an_open_consultation_gives_every_way_to_take_part(
    client: httpx.AsyncClient, store: EventStore
) -> None:
    open_now = await consultation(store, -DAY, 10 * DAY)
    text = await page_of(client, open_now, "fr")
    assert asks_for_opinions(text)
    assert PHONE in text
    assert ADDRESS in text


async def test_a_closed_consultation_past_the_mail_grace_period_no_longer_asks_for_opinions(
    client: httpx.AsyncClient, store: EventStore
) -> None:
    closed = await consultation(store, -60 * DAY, -30 * DAY)
    french, english = await page_of(client, closed, "fr"), await page_of(client, closed, "en")
    assert not asks_for_opinions(french)
    assert not asks_for_opinions(english)
    assert "Cette consultation a pris fin le" in french
    assert "elle ne reçoit plus d'avis." in french
    assert "This consultation closed on" in english


async def test_during_the_mail_grace_period_the_postal_address_is_still_given(
    client: httpx.AsyncClient, store: EventStore
) -> None:
    just_closed = await consultation(store, -30 * DAY, -DAY)
    text = await page_of(client, just_closed, "fr")
    assert ADDRESS in text
    assert "Une lettre oblitérée avant la clôture compte encore" in text
    assert PHONE not in text
    assert "Remplissez le formulaire" not in text
    english = await page_of(client, just_closed, "en")
    assert "A letter postmarked before the close still counts" in english


async def test_a_cancelled_consultation_says_it_takes_no_opinions(
    client: httpx.AsyncClient, store: EventStore
) -> None:
    cancelled = await consultation(store, -DAY, 10 * DAY, status="cancelled")
    text = await page_of(client, cancelled, "fr")
    assert not asks_for_opinions(text)
    assert "Cette consultation a été annulée : elle ne reçoit pas d'avis." in text


async def test_an_upcoming_consultation_says_when_it_opens(
    client: httpx.AsyncClient, store: EventStore
) -> None:
    upcoming = await consultation(store, 5 * DAY, 30 * DAY)
    french, english = await page_of(client, upcoming, "fr"), await page_of(client, upcoming, "en")
    assert not asks_for_opinions(french)
    assert "Cette consultation ouvrira le" in french
    assert "This consultation opens on" in english


# Typography ---------------------------------------------------------------------------


async def test_english_pages_have_no_space_before_a_colon_and_french_ones_keep_it(
    client: httpx.AsyncClient, store: EventStore
) -> None:
    c = await consultation(store, -DAY, 10 * DAY)
    for path in (f"/consultations/{c}", f"/consultations/{c}/statistiques"):
        english = visible_text((await client.get(f"{path}?lang=en")).text)
        assert not re.search(r"\s:", english), re.findall(r".{30}\s:.{10}", english)
    assert "Consultation: Open" in await page_of(client, c, "en")
    assert "Consultation : Ouverte" in await page_of(client, c, "fr")


async def test_the_chart_text_alternative_follows_each_language(
    client: httpx.AsyncClient, store: EventStore
) -> None:
    c = await consultation(store, -DAY, 10 * DAY)
    english = (await client.get(f"/consultations/{c}/statistiques?lang=en")).text
    french = (await client.get(f"/consultations/{c}/statistiques?lang=fr")).text
    assert "Published: 0. Pending: 0." in english
    assert "Publié : 0. En attente : 0." in french


async def test_phone_hours_end_with_one_period_whether_or_not_they_were_typed_with_one(
    client: httpx.AsyncClient, store: EventStore
) -> None:
    c = await consultation(store, -DAY, 10 * DAY)
    assert "9 a.m. to 5 p.m.\n" in await page_of(client, c, "en")
    assert "de 9 h à 17 h.\n" in await page_of(client, c, "fr")
    assert ".." not in await page_of(client, c, "en")


# The admin link -----------------------------------------------------------------------

ORGANIZER: dict[str, object] = {
    "kind": "staff",
    "staff_id": "o1",
    "name": "Odile",
    "roles": ["organizer"],
}
ADMIN_LINK = 'href="http://tribune.test/admin/"'


async def test_a_signed_in_organizer_has_a_link_to_the_admin(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    client.cookies.set(COOKIE, await signed_in(pool, 1800, **ORGANIZER))
    for lang, words in (("fr", "Gérer les consultations"), ("en", "Manage consultations")):
        page = (await client.get(f"/?lang={lang}")).text
        assert f"{ADMIN_LINK}>{words}</a>" in page


async def test_staff_without_the_organizer_role_and_citizens_get_no_admin_link(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    sessions: list[dict[str, object]] = [
        {**ORGANIZER, "roles": ["clerk", "moderator"]},
        {"kind": "citizen"},
    ]
    for session in sessions:
        client.cookies.set(COOKIE, await signed_in(pool, 1800, **session))
        assert ADMIN_LINK not in (await client.get("/")).text


async def test_the_admin_link_never_reaches_a_page_kept_for_the_public(
    client: httpx.AsyncClient, pool: asyncpg.Pool, store: EventStore
) -> None:
    c = await consultation(store, -DAY, 10 * DAY)
    organizer = await signed_in(pool, 1800, **ORGANIZER)
    for path in ("/", f"/consultations/{c}", f"/consultations/{c}/avis"):
        client.cookies.set(COOKIE, organizer)
        assert ADMIN_LINK in (await client.get(path)).text  # first render: the organizer's
        client.cookies.delete(COOKIE)
        anonymous = await client.get(path)
        assert ADMIN_LINK not in anonymous.text
        client.cookies.set(COOKIE, organizer)
        assert ADMIN_LINK in (await client.get(path)).text  # not the public's copy
