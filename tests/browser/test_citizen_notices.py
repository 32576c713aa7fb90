"""The citizen's refusals and notices in a real browser: each says what happened, keeps
what was typed, and axe-core finds nothing on it."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page

from app.persistence.db import connect
from tests.browser.test_citizen_journey import citizen, no_violations, refuse, send_one

__all__ = ["citizen"]


async def _closed_consultation(database_url: str) -> str:
    conn = await connect(database_url)
    try:
        found: str = str(
            await conn.fetchval(
                "SELECT consultation_id FROM public_consultations"
                " WHERE closes_at < now() AND status = 'scheduled' LIMIT 1"
            )
        )
    finally:
        await conn.close()
    return found


@pytest.fixture(scope="module")
def closed_id(live_server: str, database_url: str) -> str:
    return asyncio.run(_closed_consultation(database_url))


async def signed_in(page: Page, live_server: str, citizen: tuple[str, str]) -> None:
    cookie = {"name": "tribune_session", "value": citizen[0], "url": live_server}
    await page.context.add_cookies([cookie])  # type: ignore[list-item]


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_a_closed_consultation_says_so_instead_of_a_form(
    page: Page, live_server: str, citizen: tuple[str, str], closed_id: str, lang: str
) -> None:
    await signed_in(page, live_server, citizen)
    answer = await page.goto(f"{live_server}/consultations/{closed_id}/participer?lang={lang}")
    assert answer is not None
    assert answer.status == 410
    assert await page.locator("textarea[name]").count() == 0
    await no_violations(page)


async def test_a_language_error_is_shown_at_its_field_and_the_summary_reaches_it(
    page: Page, live_server: str, citizen: tuple[str, str]
) -> None:
    await signed_in(page, live_server, citizen)
    await page.goto(f"{live_server}/consultations/{citizen[1]}/participer")
    await page.locator("#answer_0").fill("Mon avis sur la question.")
    await page.evaluate(
        "document.querySelectorAll('input[name=language]').forEach(r => r.checked = false)"
    )
    await page.get_by_role("button", name="Vérifier mon avis").click()
    assert await page.locator("#language-erreur").is_visible()
    await page.locator('#erreurs a[href="#language"]').click()
    assert await page.evaluate("location.hash") == "#language"
    assert await page.locator("#answer_0").input_value() == "Mon avis sur la question."
    await no_violations(page)


async def test_a_refused_appeal_comes_back_with_its_text_and_the_error_at_the_field(
    page: Page, live_server: str, database_url: str, citizen: tuple[str, str]
) -> None:
    number = await send_one(page, live_server, citizen, audit=False)
    await refuse(database_url, number)
    await page.reload()
    await page.get_by_label("Faire appel de ce refus").fill("   ")
    await page.get_by_role("button", name="Faire appel").click()
    field = page.get_by_label("Faire appel de ce refus")
    assert await field.get_attribute("aria-invalid") == "true"
    assert await page.locator("#appeal-erreur").is_visible()
    await no_violations(page)
