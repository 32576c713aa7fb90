"""The page cache on its own: readers asking at once for a missing page share one render;
a page rendered again from the same rows is not rendered again."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app.web import pagecache
from app.web.pagecache import PageCache, render_if_changed
from tests.waiting import until

KEY = ("http://tribune.test/", "/", "", "fr", "")


def reader() -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}
    )


class SlowPage:
    """An endpoint that takes a moment, and counts how often it was rendered."""

    def __init__(self, status: int = 200, seconds: float = 0.05) -> None:
        self.renders, self.status, self.seconds = 0, status, seconds

    async def __call__(self, request: Request) -> Response:
        self.renders += 1
        await asyncio.sleep(self.seconds)
        return HTMLResponse(f"<p>rendu {self.renders}</p>", status_code=self.status)


async def test_readers_asking_at_once_share_one_render() -> None:
    pages, page = PageCache(ttl=5), SlowPage()
    answers = await asyncio.gather(*(pages.render_once(KEY, page, reader()) for _ in range(5)))
    assert page.renders == 1
    assert {a.body for a in answers} == {b"<p>rendu 1</p>"}
    assert pages.get(KEY) == (b"<p>rendu 1</p>", "text/html")


async def test_a_failed_render_is_not_shared() -> None:
    pages, page = PageCache(ttl=5), SlowPage(status=404)
    answers = await asyncio.gather(*(pages.render_once(KEY, page, reader()) for _ in range(3)))
    assert page.renders == 3  # each reader tries for itself
    assert {a.status_code for a in answers} == {404}
    assert pages.get(KEY) is None


async def test_when_the_first_reader_goes_away_the_others_still_get_the_page() -> None:
    pages, page = PageCache(ttl=5), SlowPage()
    first = asyncio.create_task(pages.render_once(KEY, page, reader()))
    await until(lambda: page.renders == 1, "the first reader's render began")
    second = asyncio.create_task(pages.render_once(KEY, page, reader()))
    await asyncio.sleep(0)  # one turn of the loop: the second now waits on that render
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert (await asyncio.wait_for(second, 1)).body == b"<p>rendu 2</p>"


def reader_of(pages: PageCache, session: dict[str, str] | None = None) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(pages=pages))
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/avis/X"}
    scope["query_string"] = b""
    scope |= {"headers": [(b"host", b"tribune.test")], "scheme": "http", "app": app}
    return Request({**scope, "session": session or {}})


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The contexts pages were rendered from (the render itself is a stand-in)."""
    done: list[dict[str, Any]] = []

    def render(request: Request, name: str, context: dict[str, Any]) -> Response:
        done.append(context)
        return HTMLResponse(f"<p>{name} {context['text']}</p>")

    monkeypatch.setattr(pagecache, "render", render)
    return done


def test_a_page_from_the_same_rows_is_sent_again_as_it_was(renders: list[Any]) -> None:
    pages = PageCache(ttl=5)
    first = render_if_changed(reader_of(pages), "avis.html", {"text": "eau"})
    again = render_if_changed(reader_of(pages), "avis.html", {"text": "eau"})
    assert again.body == first.body == b"<p>avis.html eau</p>"
    assert len(renders) == 1


def test_a_page_whose_rows_changed_is_rendered_anew(renders: list[Any]) -> None:
    pages = PageCache(ttl=5)
    render_if_changed(reader_of(pages), "avis.html", {"text": "eau"})
    changed = render_if_changed(reader_of(pages), "avis.html", {"text": "eau potable"})
    assert changed.body == b"<p>avis.html eau potable</p>"
    assert len(renders) == 2


def test_a_personal_page_is_always_rendered(renders: list[Any]) -> None:
    pages = PageCache(ttl=5)
    for _ in range(2):
        render_if_changed(reader_of(pages, {"kind": "citizen"}), "avis.html", {"text": "eau"})
    assert len(renders) == 2


def cached_slow_page(seconds: float = 0.05) -> tuple[SlowPage, Any]:
    page = SlowPage(seconds=seconds)
    return page, pagecache.cached(page)


async def test_an_expired_page_is_sent_at_once_while_one_render_of_it_runs() -> None:
    pages = PageCache(ttl=0.2)
    page, serve = cached_slow_page(seconds=0.5)
    assert (await serve(reader_of(pages))).body == b"<p>rendu 1</p>"
    await asyncio.sleep(0.21)  # expired (kept between half the TTL and the TTL)
    answers = await asyncio.gather(*(serve(reader_of(pages)) for _ in range(5)))
    assert {a.body for a in answers} == {b"<p>rendu 1</p>"}
    assert page.renders == 2  # one render for the five readers, still under way:
    assert pages._refreshing  # nobody waited for it
    await asyncio.sleep(0.6)
    assert (await serve(reader_of(pages))).body == b"<p>rendu 2</p>"


async def test_a_page_expired_for_longer_than_the_ttl_is_rendered_and_waited_for() -> None:
    pages = PageCache(ttl=0.05)
    page, serve = cached_slow_page()
    await serve(reader_of(pages))
    await asyncio.sleep(0.11)  # expired, and more than a TTL ago
    assert (await serve(reader_of(pages))).body == b"<p>rendu 2</p>"
    assert page.renders == 2


def test_pages_put_together_expire_at_different_times() -> None:
    pages = PageCache(ttl=10)
    for n in range(50):
        pages.put((*KEY[:2], str(n), "fr", ""), b"", "text/html")
    expiries = {expiry for expiry, _, _ in pages._pages.values()}
    assert len(expiries) == 50
    assert max(expiries) - min(expiries) > 2  # spread over up to half the TTL


async def test_a_page_that_is_gone_when_rendered_again_is_no_longer_sent() -> None:
    pages = PageCache(ttl=0.2)
    page, serve = cached_slow_page()
    await serve(reader_of(pages))
    page.status = 404  # withdrawn meanwhile, say
    await asyncio.sleep(0.21)
    assert (await serve(reader_of(pages))).status_code == 200  # the kept copy, once more

    async def gone() -> bool:  # once the render in the background found it gone
        response: Response = await serve(reader_of(pages))
        return response.status_code == 404

    await until(gone, "the page gone, no longer sent")
    assert page.renders == 3  # the one in the background, and the reader's own


async def test_closing_stops_the_renders_in_the_background() -> None:
    pages = PageCache(ttl=0.2)
    page, serve = cached_slow_page(seconds=0.5)
    await serve(reader_of(pages))
    await asyncio.sleep(0.21)
    await serve(reader_of(pages))  # starts a render in the background
    await until(lambda: page.renders == 2, "the render in the background began")
    await pages.close()
    assert page.renders == 2  # it started, and was stopped before it could finish
    assert pages._refreshing == {}
    kept = pages._pages[pagecache._key(reader_of(pages))]
    assert kept[1] == b"<p>rendu 1</p>"


def kept_until_changed(pages: PageCache, seconds: float = 0.01) -> Any:
    """A submission's page, named "X" in change notices, from a cache that hears them."""
    pages.following = True
    return pagecache.cached_until_changed(lambda request: "X")(SlowPage(seconds=seconds))


async def test_a_page_kept_until_changed_outlives_the_ttl_and_goes_once_named() -> None:
    pages = PageCache(ttl=0.05)
    serve = kept_until_changed(pages)
    await serve(reader_of(pages))
    await asyncio.sleep(0.12)  # more than the TTL and its grace
    assert (await serve(reader_of(pages))).body == b"<p>rendu 1</p>"
    pages.changed(["Y"])  # another page
    assert (await serve(reader_of(pages))).body == b"<p>rendu 1</p>"
    pages.changed(["X"])
    assert (await serve(reader_of(pages))).body == b"<p>rendu 2</p>"  # at once, not stale
    pages.changed(None)  # every page
    assert (await serve(reader_of(pages))).body == b"<p>rendu 3</p>"


async def test_unless_notices_are_heard_such_a_page_is_kept_for_the_ttl() -> None:
    pages = PageCache(ttl=0.05)
    serve = kept_until_changed(pages)
    pages.following = False
    await serve(reader_of(pages))
    await asyncio.sleep(0.12)
    assert (await serve(reader_of(pages))).body == b"<p>rendu 2</p>"


async def test_a_render_that_a_notice_overtook_is_kept_for_the_ttl_only() -> None:
    """Its rows may have been read before the change the notice is about."""
    pages, page = PageCache(ttl=0.05), SlowPage(seconds=0.05)
    pages.following = True
    serve = pagecache.cached_until_changed(lambda request: "X")(page)
    rendering = asyncio.ensure_future(serve(reader_of(pages)))
    await until(lambda: page.renders == 1, "the render began")
    pages.changed(["Y"])  # any notice: which rows the render read is not known
    await rendering
    await asyncio.sleep(0.12)
    assert (await serve(reader_of(pages))).body == b"<p>rendu 2</p>"


def test_a_page_pushed_out_by_newer_ones_leaves_no_trace_behind() -> None:
    pages = PageCache(ttl=10, size=1)
    pages.following = True
    pages.put(KEY, b"1", "text/html", tag="X", seen=0)
    pages.put((*KEY[:2], "?page=2", "fr", ""), b"2", "text/html", tag="Y", seen=0)
    assert pages._keys_of == {"Y": {(*KEY[:2], "?page=2", "fr", "")}}


async def test_a_notice_drops_such_a_page_even_while_it_is_kept_for_the_ttl_only() -> None:
    pages = PageCache(ttl=10)
    serve = kept_until_changed(pages)
    pages.following = False  # kept for the TTL: named by a notice all the same
    await serve(reader_of(pages))
    pages.changed(["X"])
    assert (await serve(reader_of(pages))).body == b"<p>rendu 2</p>"


async def test_such_a_page_rendered_again_in_the_background_is_still_kept_until_changed() -> None:
    pages = PageCache(ttl=0.1, unchanged=0.3)
    serve = kept_until_changed(pages)
    await serve(reader_of(pages))
    await asyncio.sleep(0.32)  # past its time, within the grace: sent, and rendered again
    assert (await serve(reader_of(pages))).body == b"<p>rendu 1</p>"
    await asyncio.sleep(0.23)  # a copy kept for the TTL would be gone by now
    assert (await serve(reader_of(pages))).body == b"<p>rendu 2</p>"
