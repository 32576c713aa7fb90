"""The moderators' queue in a real browser, JavaScript on and off: moderatrice takes the
next opinion and publishes it with a passage withheld (selected in the text with
JavaScript, copied by hand without), then proposes a refusal of another; moderateur
confirms it. axe-core finds nothing on the queue's pages."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import LOCALE
from tests.browser.test_clerk_desk import audited


async def moderator(browser: Browser, live_server: str, who: str, javascript: bool) -> Page:
    context = await browser.new_context(locale=LOCALE, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    tab = await context.new_page()
    await tab.goto(f"{live_server}/moderation/")
    await tab.locator("#login").fill(who)
    await tab.locator("#password").fill(who)
    await tab.get_by_role("button", name="Se connecter").click()
    await tab.wait_for_url(f"{live_server}/moderation/")
    return tab


async def take_next(tab: Page, audit: bool) -> str:
    await audited(tab, audit)
    await tab.get_by_role("button", name="Prendre le suivant").click()
    await tab.locator("#texte").wait_for()
    await audited(tab, audit)
    return (await tab.locator("#texte").inner_text()).strip()


async def attachment_published_if_any(tab: Page) -> None:
    """An opinion with a brief asks its fate too: published with it, here."""
    if await tab.locator("#attachment").count():
        await tab.get_by_label("La publier avec l'avis").check()


async def mark_first_word(tab: Page, text: str, javascript: bool) -> str:
    word = text.split()[0]
    if javascript:  # selected in the text: the script copies it into the first field
        await tab.evaluate(
            """word => {
                const node = document.querySelector('#texte p').firstChild;
                const start = node.textContent.indexOf(word);
                const range = document.createRange();
                range.setStart(node, start);
                range.setEnd(node, start + word.length);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                const up = new MouseEvent('mouseup', {bubbles: true});  // as a mouse's does
                document.getElementById('texte').dispatchEvent(up);
            }""",
            word,
        )
        assert await tab.locator("#passage_1").input_value() == word
    else:
        await tab.locator("#passage_1").fill(word)
    return word


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_moderators_publish_with_a_passage_withheld_and_refuse_with_a_second_opinion(
    browser: Browser, live_server: str, javascript: bool
) -> None:
    first = await moderator(browser, live_server, "moderatrice", javascript)
    text = await take_next(first, javascript)
    await mark_first_word(first, text, javascript)
    await first.locator("#reason_1").select_option("R3")
    await attachment_published_if_any(first)
    await first.get_by_role("button", name="Publier avec ces retraits").click()
    await first.locator(".keyed").wait_for()  # with htmx, the queue comes back in place
    assert "Avis publié avec retraits" in await first.locator("main").inner_text()
    await take_next(first, audit=False)
    await first.locator("#reason").select_option("R8")
    await first.get_by_role("button", name="Proposer le refus").click()
    await first.locator(".keyed").wait_for()
    assert "Refus proposé" in await first.locator("main").inner_text()
    await first.context.close()

    second = await moderator(browser, live_server, "moderateur", javascript)
    for _ in range(60):  # the oldest first: those waiting for a first decision, published
        await take_next(second, audit=False)
        if await second.get_by_role("button", name="Confirmer le refus").count():
            break
        await attachment_published_if_any(second)
        await second.get_by_role("button", name="Publier tel quel").click()
        await second.locator(".keyed").wait_for()
    await audited(second, javascript)
    await second.get_by_role("button", name="Confirmer le refus").click()
    await second.locator(".keyed").wait_for()
    assert "Refus confirmé" in await second.locator("main").inner_text()
    await second.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_the_dashboard_and_a_calibration_item(
    browser: Browser, live_server: str, javascript: bool
) -> None:
    tab = await moderator(browser, live_server, "moderateur", javascript)
    await tab.get_by_role("link", name="Tableau de bord de la modération").click()
    await tab.get_by_role("heading", name="Résultats par moyen").wait_for()  # in place, with htmx
    await audited(tab, javascript)
    await tab.get_by_role("link", name="File de modération").click()
    await tab.get_by_role("heading", name="File de modération").wait_for()
    await tab.get_by_role("button", name="Prendre un avis de calibration").click()
    await tab.locator("#texte").wait_for()  # the demo's decisions hold a few, sampled
    assert "Avis de calibration" in await tab.locator("h1").inner_text()
    await audited(tab, javascript)
    await tab.get_by_role("button", name="Publier tel quel").click()
    await tab.locator(".keyed").wait_for()
    assert "Décision de calibration enregistrée" in await tab.locator("main").inner_text()
    await tab.context.close()
