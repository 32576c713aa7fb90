"""A real browser on the real server: Debian's headless Chromium, driven by Playwright.

Chromium is /usr/bin/chromium (`tools/install-browser` installs it); Playwright's own
browser download is never used. Playwright's Node driver comes inside its wheel, so
nothing here reaches the network except 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from app.persistence.db import connect
from projections.registry import all_projections
from tests.idp import provider_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The closed network refuses these connections; without the flags Chromium
    # keeps trying them in the background.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A French visitor's browser, as the site is French first: `/` then answers in
# French (with Chromium's default en-US it would pick English from Accept-Language).
LOCALE = "fr-FR"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests share the browser's event loop: one for the whole session.

    (Playwright's sync API is not an option: it leaves its loop marked as running
    in the main thread, which breaks `asyncio.run` in fixtures such as
    `database_url` and every pytest-asyncio test that runs after it.)
    """
    session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if item.path.is_relative_to(HERE) and pytest_asyncio.is_async_test(item):
            item.add_marker(session_loop, append=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run tools/install-browser", pytrace=False)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=30_000
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh French profile for each test, JavaScript on, under the site's real CSP."""
    context = await browser.new_context(locale=LOCALE)
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        await context.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


@pytest_asyncio.fixture(loop_scope="session")
async def no_script_page(browser: Browser) -> AsyncIterator[Page]:
    """The same, with JavaScript disabled."""
    context = await browser.new_context(locale=LOCALE, java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m app serve --demo` on a free 127.0.0.1 port, on this module's fresh database.

    Returns the base URL, without a trailing slash. The server's output goes to a
    log file, shown if it does not come up.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **provider_env(), "DATABASE_URL": database_url, "PORT": str(port)}
    log_path = tmp_path_factory.mktemp("live-server") / "serve.log"
    with (
        log_path.open("w") as log,
        subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--demo"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        ) as server,
    ):
        try:
            wait_for(base + "/", server, log_path)
            asyncio.run(projected(database_url))
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


async def projected(database_url: str, seconds: float = 30) -> None:
    """The in-process projector has caught up with the demo data."""
    conn = await connect(database_url)
    try:
        for _ in range(int(seconds * 10)):
            behind = await conn.fetchval(
                "SELECT count(*) FROM unnest($1::text[]) AS p(name)"
                " LEFT JOIN notification_tracking t ON t.application_name = p.name"
                " WHERE t.notification_id IS DISTINCT FROM"
                " (SELECT max(notification_id) FROM stored_events)",
                [p.name for p in all_projections()],
            )
            if behind == 0:
                return
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    raise TimeoutError("the projections did not catch up with the demo data")


def wait_for(
    url: str, server: subprocess.Popen[bytes], log_path: Path, seconds: float = 30
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            pytest.fail(
                f"the server exited with {server.returncode}:\n{log_path.read_text()}",
                pytrace=False,
            )
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no answer from {url} in {seconds} s:\n{log_path.read_text()}",
                    pytrace=False,
                )
            time.sleep(0.1)
