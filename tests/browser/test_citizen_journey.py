"""A citizen's journey in a real browser, with JavaScript on and off: write, attach a
brief, check, send, receipt, print, withdraw; a refusal, then an appeal. axe-core finds
nothing on any of its pages."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from playwright.async_api import Page

from app.persistence.db import connect, create_pool
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.services.participants import register_participant
from domain import ReceiptClaim, normalize_receipt
from tests.browser.axe import axe_violations, describe
from tests.moderation import refuse as moderators_refuse

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ANSWER = "Les bibliothèques doivent garder des postes publics pour participer en ligne."


async def _setup(database_url: str) -> tuple[str, str]:
    """A citizen's session, and the open consultation of the demo data."""
    conn = await connect(database_url)
    try:
        session = secrets.token_urlsafe(32)
        participant = uuid4()
        await register(database_url, participant)
        data = {"kind": "citizen", "name": "Jean Gagnon", "participant_id": str(participant)}
        await conn.execute(
            "INSERT INTO web_sessions (id_hash, data, idle_seconds, expires_at)"
            " VALUES (sha256($1::text::bytea), $2, 3600, now() + interval '1 hour')",
            session,
            json.dumps(data),
        )
        open_id = await conn.fetchval(
            "SELECT consultation_id FROM public_consultations"
            " WHERE now() BETWEEN opens_at AND closes_at LIMIT 1"
        )
    finally:
        await conn.close()
    return session, str(open_id)


async def register(database_url: str, participant: UUID) -> None:
    """As signing in does: the person's key is made, their name sealed with it."""
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        repository = Repository(EventStore(pool), build_mapper())
        personal = {"name": "Jean Gagnon"}
        await register_participant(repository, participant, at=datetime.now(UTC), personal=personal)
    finally:
        await pool.close()


@pytest.fixture(scope="module")
def citizen(live_server: str, database_url: str) -> tuple[str, str]:
    return asyncio.run(_setup(database_url))


async def no_violations(page: Page) -> None:
    violations = await axe_violations(page)
    assert not violations, describe(violations)


async def test_with_javascript_a_citizen_sends_an_opinion_and_sees_the_receipt(
    page: Page, live_server: str, citizen: tuple[str, str]
) -> None:
    await journey(page, live_server, citizen, audit=True)


async def test_without_javascript_a_citizen_sends_an_opinion_and_sees_the_receipt(
    no_script_page: Page, live_server: str, citizen: tuple[str, str]
) -> None:
    # axe-core is JavaScript: the same pages are audited in the test above.
    await journey(no_script_page, live_server, citizen, audit=False)


async def journey(tab: Page, live_server: str, citizen: tuple[str, str], audit: bool) -> None:
    number = await send_one(tab, live_server, citizen, audit)
    await tab.get_by_role("link", name="Version imprimable, avec le texte envoyé").click()
    main = await tab.locator("main").inner_text()
    assert ANSWER in main
    assert "G1R 4S9" in main
    assert number in main
    if audit:
        await no_violations(tab)
    await tab.get_by_role("link", name="Retour à l'accusé de réception").click()
    brief = tab.get_by_role("link", name="Mon mémoire")
    assert "PDF" in await brief.inner_text()
    await tab.get_by_role("button", name="Retirer mon avis").click()
    assert "Retiré par son auteur" in await tab.locator("main").inner_text()


async def send_one(tab: Page, live_server: str, citizen: tuple[str, str], audit: bool) -> str:
    """From the consultation's page to the receipt, with a brief; the receipt number."""
    tab.set_default_timeout(10_000)
    session, consultation_id = citizen
    cookie = {"name": "tribune_session", "value": session, "url": live_server}
    await tab.context.add_cookies([cookie])  # type: ignore[list-item]
    await tab.goto(f"{live_server}/consultations/{consultation_id}")
    await tab.get_by_role("link", name="Donner votre avis").first.click()
    if audit:
        await no_violations(tab)
    await tab.locator("#answer_0").fill(ANSWER)
    await tab.get_by_label("Votre région (facultatif)").select_option("04")
    await tab.get_by_label("Votre code postal (facultatif)").fill("g1r4s9")
    brief = {"name": "memoire.pdf", "mimeType": "application/pdf", "buffer": PDF}
    await tab.get_by_label("Joindre un fichier PDF").set_input_files(brief)  # type: ignore[arg-type]
    await tab.get_by_role("button", name="Vérifier mon avis").click()
    assert "Vérifier votre avis" in await tab.locator("h1").inner_text()
    assert ANSWER in await tab.locator(".preview .text").inner_text()
    assert "Mémoire joint" in await tab.locator("main").inner_text()
    if audit:
        await no_violations(tab)
    await tab.get_by_role("button", name="Envoyer mon avis").click()
    assert await tab.locator("h1").inner_text() == "Accusé de réception"
    number = await tab.locator(".receipt-number").inner_text()
    assert len(number) == 11
    assert "Reçu, en attente de modération" in await tab.locator("main").inner_text()
    if audit:
        await no_violations(tab)
    return number


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_a_citizen_appeals_a_refusal_once(
    page: Page,
    no_script_page: Page,
    live_server: str,
    database_url: str,
    citizen: tuple[str, str],
    javascript: bool,
) -> None:
    tab = page if javascript else no_script_page
    number = await send_one(tab, live_server, citizen, audit=False)
    await refuse(database_url, number)
    await tab.reload()
    assert "Non publié" in await tab.locator("main").inner_text()
    if javascript:
        await no_violations(tab)
    await tab.get_by_label("Faire appel de ce refus").fill("Mon avis porte sur la consultation.")
    await tab.get_by_role("button", name="Faire appel").click()
    status = tab.locator(".appeal-status")
    assert "en cours d'examen" in await status.inner_text()
    assert await tab.get_by_role("button", name="Faire appel").count() == 0  # once only


async def refuse(database_url: str, number: str) -> None:
    """Two moderators refuse the opinion (their screens are another issue's)."""
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        store = EventStore(pool)
        repository = Repository(store, build_mapper())
        claim_id = ReceiptClaim.create_id(normalize_receipt(number))
        claim = await repository.get(claim_id, ReceiptClaim)
        position = await moderators_refuse(repository, claim.submission_id)
        await store.wait("public_submissions", position, timeout=10)
    finally:
        await pool.close()


async def test_with_javascript_the_form_counts_the_characters_left(
    page: Page, live_server: str, citizen: tuple[str, str]
) -> None:
    session, consultation_id = citizen
    cookie = {"name": "tribune_session", "value": session, "url": live_server}
    await page.context.add_cookies([cookie])  # type: ignore[list-item]
    await page.goto(f"{live_server}/consultations/{consultation_id}/participer")
    await page.locator("#answer_0").fill("")
    await page.locator("#answer_0").fill("Bonjour")
    assert "19" in await page.locator("#answer_0-reste").inner_text()
    assert "993" in await page.locator("#answer_0-reste").inner_text()
