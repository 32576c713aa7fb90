"""Every public page, in both languages, as a browser and axe-core see it.

To check a new page, add it to PAGES (once per language): every test below runs on it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from playwright.async_api import ConsoleMessage, Error, Page

from app.persistence.db import connect
from tests.browser.axe import axe_violations, describe

Visit = Callable[[Page, "PageUnderTest"], Awaitable[None]]


@dataclass(frozen=True)
class PageUnderTest:
    kind: str
    lang: str

    def __str__(self) -> str:
        return f"{self.kind} ({self.lang})"


ORGANIZER = {"kind": "staff", "staff_id": "o1", "name": "Odile", "roles": ["organizer"]}
CITIZEN = {"kind": "citizen", "name": "Marie"}  # and the participant_id of a demo opinion

# Every public page, by kind; its address is found in the demo data (site_paths).
KINDS = [
    "home",
    "consultation_open",
    "consultation_upcoming",
    "consultation_closed",
    "submissions",
    "submissions_filtered",
    "submission",
    "statistics",
    "ledger",
    # The organizers' admin, signed in as an organizer.
    "admin_list",
    "admin_new",
    "admin_show",
    "admin_history",
    "admin_preview",
    # The online channel, signed in as a citizen.
    "citizen_form",
    "citizen_submissions",
    "citizen_receipt",
    "citizen_receipt_print",
]
PAGES = [PageUnderTest(kind, lang) for kind in KINDS for lang in ("fr", "en")]

pages = pytest.mark.parametrize("target", PAGES, ids=str)


async def _site_paths(database_url: str) -> dict[str, str]:
    conn = await connect(database_url)
    try:
        by_phase = {
            r["phase"]: r["id"]
            for r in await conn.fetch(
                "SELECT DISTINCT ON (phase) consultation_id AS id, CASE"
                " WHEN now() < opens_at THEN 'upcoming' WHEN now() < closes_at THEN 'open'"
                " ELSE 'closed' END AS phase FROM public_consultations ORDER BY phase"
            )
        }
        session = secrets.token_urlsafe(32)
        await conn.execute(
            "INSERT INTO web_sessions (id_hash, data, idle_seconds, expires_at)"
            " VALUES (sha256($1::text::bytea), $2, 3600, now() + interval '1 hour')",
            session,
            json.dumps(
                {"kind": "staff", "staff_id": "o1", "name": "Odile", "roles": ["organizer"]}
            ),
        )
        own = await conn.fetchrow(
            "SELECT participant_id, receipt_number FROM public_submissions"
            " WHERE channel = 'online' AND status = 'refused' LIMIT 1"
        )
        assert own is not None, "the demo data has a refused online opinion"
        citizen = secrets.token_urlsafe(32)
        await conn.execute(
            "INSERT INTO web_sessions (id_hash, data, idle_seconds, expires_at)"
            " VALUES (sha256($1::text::bytea), $2, 3600, now() + interval '1 hour')",
            citizen,
            json.dumps({**CITIZEN, "participant_id": str(own["participant_id"])}),
        )
        receipt = await conn.fetchval(
            "SELECT receipt_number FROM public_submissions WHERE status = 'published' LIMIT 1"
        )
    finally:
        await conn.close()
    base = f"/consultations/{by_phase['open']}"
    return {
        "home": "/",
        "consultation_open": base,
        "consultation_upcoming": f"/consultations/{by_phase['upcoming']}",
        "consultation_closed": f"/consultations/{by_phase['closed']}",
        "submissions": f"{base}/avis",
        "submissions_filtered": f"{base}/avis?q=eau&region=03&canal=online",
        "submission": f"/avis/{receipt}",
        "statistics": f"{base}/statistiques",
        "ledger": f"{base}/registre",
        "admin_list": "/admin/",
        "admin_new": "/admin/consultations/nouvelle",
        "admin_show": f"/admin{base}",
        "admin_history": f"/admin{base}/historique",
        "admin_preview": f"/admin{base}/apercu",
        "citizen_form": f"{base}/participer",
        "citizen_submissions": "/mes-avis",
        "citizen_receipt": f"/mes-avis/{own['receipt_number']}",
        "citizen_receipt_print": f"/mes-avis/{own['receipt_number']}/imprimer",
        "session": session,
        "citizen_session": citizen,
    }


@pytest.fixture(scope="module")
def site_paths(live_server: str, database_url: str) -> dict[str, str]:
    return asyncio.run(_site_paths(database_url))


@pytest.fixture
def visit(live_server: str, site_paths: dict[str, str]) -> Visit:
    async def go(page: Page, target: PageUnderTest) -> None:
        path = site_paths[target.kind]
        for prefix, session in (("admin", "session"), ("citizen", "citizen_session")):
            if target.kind.startswith(prefix):
                value = site_paths[session]
                cookie = {"name": "tribune_session", "value": value, "url": live_server}
                await page.context.add_cookies([cookie])  # type: ignore[list-item]
        joiner = "&" if "?" in path else "?"
        response = await page.goto(f"{live_server}{path}{joiner}lang={target.lang}")
        assert response is not None
        assert response.status == 200, f"{target}: HTTP {response.status}"

    return go


@pages
async def test_axe_finds_no_wcag_violation(page: Page, visit: Visit, target: PageUnderTest) -> None:
    await visit(page, target)
    violations = await axe_violations(page)
    assert not violations, f"axe on {target}:\n\n{describe(violations)}"


@pages
async def test_the_page_declares_its_language(
    page: Page, visit: Visit, target: PageUnderTest
) -> None:
    await visit(page, target)
    assert await page.locator("html").get_attribute("lang") == target.lang


@pages
async def test_the_page_has_a_title_a_single_h1_and_a_main_landmark(
    page: Page, visit: Visit, target: PageUnderTest
) -> None:
    await visit(page, target)
    assert (await page.title()).strip()
    assert await page.locator("h1").count() == 1
    assert (await page.locator("h1").inner_text()).strip()
    assert await page.get_by_role("main").count() == 1


@pages
async def test_the_skip_link_comes_first_shows_and_moves_focus_to_the_content(
    page: Page, visit: Visit, target: PageUnderTest
) -> None:
    await visit(page, target)
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
    page: Page, visit: Visit, target: PageUnderTest
) -> None:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_page_error(error: Error) -> None:
        errors.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    await visit(page, target)
    await page.wait_for_load_state("networkidle")
    assert not errors, f"{target}: {errors}"


@pages
async def test_the_page_works_without_javascript(
    no_script_page: Page, visit: Visit, target: PageUnderTest
) -> None:
    await visit(no_script_page, target)
    h1 = no_script_page.locator("h1")
    assert await h1.is_visible()
    assert (await h1.inner_text()).strip()


async def test_axe_reports_what_it_should(page: Page) -> None:
    """The harness itself: a page with known faults gives their rules, tags filter."""
    await page.set_content('<html><body><img src="/x.png"><a href="/y"></a></body></html>')
    found = {v["id"] for v in await axe_violations(page)}
    assert {"html-has-lang", "image-alt", "link-name"} <= found
    assert not await axe_violations(page, tags=("wcag2aaa",))


async def test_the_sites_csp_is_in_force_in_the_browser(page: Page, visit: Visit) -> None:
    """So axe_violations runs under the real policy: an inline script is refused."""
    await visit(page, PAGES[0])
    with pytest.raises(Error):
        await page.add_script_tag(content="window.injected = true")
    assert await page.evaluate("() => window.injected") is None
