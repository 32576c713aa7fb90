"""Double keying in a real browser, JavaScript on and off: the demo organizer asks for
letters keyed twice; greffier keys a letter, greffiere keys it again blind, verificateur
reconciles the two; axe-core finds nothing on the verification pages."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import LOCALE
from tests.browser.test_clerk_desk import audited, key_letter

SECOND = "Gardez le bureau de poste du village ouvert le dimanche. [illisible] Merci."


async def signed_in(browser: Browser, live_server: str, who: str, javascript: bool) -> Page:
    context = await browser.new_context(locale=LOCALE, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    tab = await context.new_page()
    await tab.goto(f"{live_server}/saisie/" if who != "organisatrice" else f"{live_server}/admin/")
    await tab.locator("#login").fill(who)
    await tab.locator("#password").fill(who)
    await tab.get_by_role("button", name="Se connecter").click()
    await tab.wait_for_load_state()
    return tab


async def require_double_keying(browser: Browser, live_server: str, javascript: bool) -> str:
    """On the open demo consultation; its title."""
    tab = await signed_in(browser, live_server, "organisatrice", javascript)
    try:
        links = tab.locator("main a[href*='/admin/consultations/']")
        for i in range(await links.count()):
            await links.nth(i).click()
            is_open = await tab.get_by_role("heading", name="Fermer plus tôt").count()
            ask = tab.get_by_role("button", name="Exiger la double saisie des lettres")
            if is_open and await ask.count():
                await ask.click()
            if is_open:
                title = await tab.locator("h1").evaluate("h => h.firstChild.textContent")
                await audited(tab, javascript)
                await tab.get_by_role("link", name="Historique").click()
                await tab.get_by_role("link", name="Corrections de saisie").click()
                assert "Corrections de saisie" in await tab.locator("h1").inner_text()
                await audited(tab, javascript)
                return str(title).strip()
            await tab.go_back()
        pytest.fail("no open consultation")
    finally:
        await tab.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_three_demo_clerks_key_a_letter_twice_and_reconcile_it(
    browser: Browser, live_server: str, javascript: bool
) -> None:
    title = await require_double_keying(browser, live_server, javascript)
    first = await signed_in(browser, live_server, "greffier", javascript)
    number = await key_letter(first, audit=False, consultation=title)
    await first.context.close()

    second = await signed_in(browser, live_server, "greffiere", javascript)
    await second.get_by_role("link", name="Double saisie").first.click()
    await audited(second, javascript)
    await second.get_by_role("link", name="Saisir la lettre").last.click()
    assert await second.locator("#text").input_value() == ""  # blind
    await audited(second, javascript)
    await second.locator("#text").fill(SECOND)
    await second.get_by_role("button", name="Enregistrer la seconde saisie").click()
    await second.context.close()

    third = await signed_in(browser, live_server, "verificateur", javascript)
    await third.get_by_role("link", name="Double saisie").first.click()
    await third.get_by_role("link", name="Rapprocher la lettre").last.click()
    assert await third.locator("mark").count() >= 2
    await audited(third, javascript)
    await third.get_by_role("button", name="Arrêter le texte et passer à la modération").click()
    await third.goto(f"{live_server}/suivi?numero={number}")
    assert "Reçu, en attente de modération" in await third.locator("main").inner_text()
    await third.context.close()
