"""A citizen's journey in a real browser, with JavaScript on and off: write, check,
send, receipt; axe-core finds nothing on any of its pages."""

from __future__ import annotations

import asyncio
import json
import secrets
from uuid import uuid4

import pytest
from playwright.async_api import Page

from app.db import connect
from tests.browser.axe import axe_violations, describe

ANSWER = "Les bibliothèques doivent garder des postes publics pour participer en ligne."


async def _setup(database_url: str) -> tuple[str, str]:
    """A citizen's session, and the open consultation of the demo data."""
    conn = await connect(database_url)
    try:
        session = secrets.token_urlsafe(32)
        data = {"kind": "citizen", "name": "Jean Gagnon", "participant_id": str(uuid4())}
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
    await tab.get_by_role("button", name="Vérifier mon avis").click()
    assert "Vérifier votre avis" in await tab.locator("h1").inner_text()
    assert ANSWER in await tab.locator(".preview .text").inner_text()
    if audit:
        await no_violations(tab)
    await tab.get_by_role("button", name="Envoyer mon avis").click()
    assert await tab.locator("h1").inner_text() == "Accusé de réception"
    number = await tab.locator(".receipt-number").inner_text()
    assert len(number) == 11
    assert "Reçu, en attente de modération" in await tab.locator("main").inner_text()
    if audit:
        await no_violations(tab)
    await tab.get_by_role("button", name="Retirer mon avis").click()
    assert "Retiré par son auteur" in await tab.locator("main").inner_text()


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
