"""The clerks' desk in a real browser, JavaScript on and off: the demo clerk signs in at
the local identity provider, keys a letter and a call, prints the acknowledgments as
one PDF and marks them printed; then someone with only the receipt number follows it
at /suivi. axe-core finds nothing on any of these pages."""

from __future__ import annotations

import io
from datetime import datetime

import httpx
import pytest
from playwright.async_api import Browser, Page
from pypdf import PdfReader

from app.web.formatting import MONTREAL
from tests.browser.axe import axe_violations, describe
from tests.browser.conftest import LOCALE

LETTER = "Gardez le bureau de poste du village ouvert le samedi. [illisible] Merci."


async def audited(tab: Page, audit: bool) -> None:
    if audit:
        violations = await axe_violations(tab)
        assert not violations, describe(violations)


async def sign_in_as_clerk(tab: Page, live_server: str) -> None:
    """Through the local identity provider, as a person would."""
    await tab.goto(f"{live_server}/saisie/")
    await tab.locator("#login").fill("greffier")
    await tab.locator("#password").fill("greffier")
    await tab.get_by_role("button", name="Se connecter").click()
    await tab.wait_for_url(f"{live_server}/saisie/")
    assert await tab.locator("h1").inner_text() == "Saisie des lettres et des appels"


async def key_letter(tab: Page, audit: bool, consultation: str | None = None) -> str:
    await tab.get_by_role("link", name="Saisir une lettre").first.click()
    await audited(tab, audit)
    assert await tab.evaluate("document.activeElement.id") in ("consultation_id", "")
    if consultation is None:
        await tab.locator("#consultation_id").select_option(index=1)
    else:
        await tab.locator("#consultation_id").select_option(label=consultation)
    today = datetime.now(MONTREAL).date().isoformat()
    await tab.locator("#postmarked_on").fill(today)
    await tab.locator("#name").fill("Gisèle Pelletier")
    await tab.locator("#postal_address").fill("12, rue des Érables\nRimouski (Québec)  G5L 1A1")
    await tab.locator("#name").press("Enter")  # Enter in a field saves nothing
    assert await tab.locator(".keyed").count() == 0
    await tab.locator("#text").fill(LETTER)
    await tab.get_by_role("button", name="Enregistrer la lettre et passer à la suivante").click()
    notice = tab.locator(".keyed")
    await notice.wait_for()
    number = await notice.locator(".receipt-number").inner_text()
    assert await tab.locator("#text").input_value() == ""  # blank for the next letter
    assert await tab.locator("#received_on").input_value() == today  # the day is kept
    await audited(tab, audit)
    return number


async def key_call(tab: Page, audit: bool) -> str:
    await tab.get_by_role("link", name="Saisir un appel").first.click()
    await audited(tab, audit)
    await tab.locator("#consultation_id").select_option(index=1)
    await tab.locator("#name").fill("Robert Gagnon")
    await tab.locator("#postal_address").fill("3, rang Saint-Joseph\nLévis (Québec)  G6V 1A1")
    await tab.locator("#text").fill("Les consultations doivent aussi se faire au téléphone.")
    await tab.get_by_label("J'ai relu l'avis à la personne, qui l'a confirmé.").check()
    await tab.get_by_role("button", name="Enregistrer l'appel et donner le numéro").click()
    number = await tab.locator(".receipt-large").inner_text()
    assert len(number) == 11
    assert await tab.locator(".spelled li").count() == 9
    await audited(tab, audit)
    return number


async def print_batch(tab: Page, live_server: str, numbers: list[str], audit: bool) -> None:
    await tab.get_by_role("link", name="Envois à imprimer").first.click()
    await audited(tab, audit)
    text = await tab.locator("main").inner_text()
    assert all(n in text for n in numbers)
    form = tab.locator("form[action$='/saisie/envois/lot.pdf']")
    ids = await form.locator("input[name=id]").evaluate_all("els => els.map(e => e.value)")
    cookies = {c["name"]: c["value"] for c in await tab.context.cookies()}
    async with httpx.AsyncClient(cookies=cookies) as client:  # what the button downloads
        pdf = await client.get(f"{live_server}/saisie/envois/lot.pdf", params={"id": ids})
    pages = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert all(n in pages for n in numbers)
    await tab.get_by_role("button", name="Le lot est imprimé et mis à la poste").click()
    assert "Lot enregistré comme imprimé" in await tab.locator("main").inner_text()
    await audited(tab, audit)


async def follow(browser: Browser, live_server: str, number: str, javascript: bool) -> None:
    """Someone with only the number, not signed in."""
    context = await browser.new_context(locale=LOCALE, java_script_enabled=javascript)
    try:
        tab = await context.new_page()
        await tab.goto(f"{live_server}/suivi")
        await tab.get_by_label("Numéro de réception").fill(number.lower().replace("-", " "))
        await tab.get_by_role("button", name="Voir l'état").click()
        assert "Reçu, en attente de modération" in await tab.locator("main").inner_text()
        await audited(tab, javascript)
    finally:
        await context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_the_demo_clerk_keys_a_letter_and_a_call_and_prints_their_acknowledgments(
    page: Page, no_script_page: Page, browser: Browser, live_server: str, javascript: bool
) -> None:
    tab = page if javascript else no_script_page
    await sign_in_as_clerk(tab, live_server)
    await audited(tab, javascript)
    letter = await key_letter(tab, javascript)
    call = await key_call(tab, javascript)
    await print_batch(tab, live_server, [letter, call], javascript)
    await tab.goto(f"{live_server}/saisie/avis")
    await tab.get_by_label("Numéro de réception").fill(letter)
    await tab.get_by_role("button", name="Chercher").click()
    assert "Gisèle Pelletier" in await tab.locator("main").inner_text()
    await audited(tab, javascript)
    await follow(browser, live_server, letter, javascript)
