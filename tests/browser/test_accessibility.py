"""Every public page, in both languages, as a browser and axe-core see it.

To check a new page, add it to PAGES (once per language): every test below runs on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.async_api import ConsoleMessage, Error, Page

from tests.browser.axe import axe_violations, describe


@dataclass(frozen=True)
class PageUnderTest:
    path: str
    lang: str

    def __str__(self) -> str:
        return f"{self.path} ({self.lang})"


PAGES = [
    PageUnderTest("/", "fr"),
    PageUnderTest("/?lang=en", "en"),
]

pages = pytest.mark.parametrize("target", PAGES, ids=str)


async def visit(page: Page, live_server: str, target: PageUnderTest) -> None:
    response = await page.goto(live_server + target.path)
    assert response is not None
    assert response.status == 200, f"{target}: HTTP {response.status}"


@pages
async def test_axe_finds_no_wcag_violation(
    page: Page, live_server: str, target: PageUnderTest
) -> None:
    await visit(page, live_server, target)
    violations = await axe_violations(page)
    assert not violations, f"axe on {target}:\n\n{describe(violations)}"


@pages
async def test_the_page_declares_its_language(
    page: Page, live_server: str, target: PageUnderTest
) -> None:
    await visit(page, live_server, target)
    assert await page.locator("html").get_attribute("lang") == target.lang


@pages
async def test_the_page_has_a_title_a_single_h1_and_a_main_landmark(
    page: Page, live_server: str, target: PageUnderTest
) -> None:
    await visit(page, live_server, target)
    assert (await page.title()).strip()
    assert await page.locator("h1").count() == 1
    assert (await page.locator("h1").inner_text()).strip()
    assert await page.get_by_role("main").count() == 1


@pages
async def test_the_skip_link_comes_first_shows_and_moves_focus_to_the_content(
    page: Page, live_server: str, target: PageUnderTest
) -> None:
    await visit(page, live_server, target)
    await page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert await focused.get_attribute("href") == "#contenu"
    assert await focused.is_visible()
    box = await focused.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert viewport is not None
    assert 0 <= box["x"] < viewport["width"]
    assert 0 <= box["y"] < viewport["height"], "the focused skip link is off screen"
    await page.keyboard.press("Enter")
    assert await page.evaluate("() => document.activeElement.id") == "contenu"


@pages
async def test_the_page_loads_without_a_console_error_or_csp_violation(
    page: Page, live_server: str, target: PageUnderTest
) -> None:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_page_error(error: Error) -> None:
        errors.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    await visit(page, live_server, target)
    await page.wait_for_load_state("networkidle")
    assert not errors, f"{target}: {errors}"


@pages
async def test_the_page_works_without_javascript(
    no_script_page: Page, live_server: str, target: PageUnderTest
) -> None:
    await visit(no_script_page, live_server, target)
    h1 = no_script_page.locator("h1")
    assert await h1.is_visible()
    assert (await h1.inner_text()).strip()


async def test_axe_reports_what_it_should(page: Page) -> None:
    """The harness itself: a page with known faults gives their rules, tags filter."""
    await page.set_content('<html><body><img src="/x.png"><a href="/y"></a></body></html>')
    found = {v["id"] for v in await axe_violations(page)}
    assert {"html-has-lang", "image-alt", "link-name"} <= found
    assert not await axe_violations(page, tags=("wcag2aaa",))


async def test_the_sites_csp_is_in_force_in_the_browser(page: Page, live_server: str) -> None:
    """So axe_violations runs under the real policy: an inline script is refused."""
    await visit(page, live_server, PAGES[0])
    with pytest.raises(Error):
        await page.add_script_tag(content="window.injected = true")
    assert await page.evaluate("() => window.injected") is None
