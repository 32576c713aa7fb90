"""The composition root: the routes as one list of mounts by audience, the middleware,
the error handlers, and the shared resources built in the lifespan.

Production runs `uvicorn --factory app.asgi:create` with DATABASE_URL; `tribune serve`
and the tests call `create_app`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import asyncpg
from eventsourcing.persistence import OperationalError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from app import auth
from app.admin import routes as admin
from app.auth import build_oauth
from app.citizen import routes as citizen
from app.clerk import routes as clerk
from app.moderation import calibration
from app.moderation import routes as moderation
from app.opendata import routes as opendata
from app.persistence.db import create_pool
from app.persistence.mapping import build_mapper
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.public import routes as public
from app.public import status
from app.settings import ROOT, Settings
from app.web.headers import SecurityHeaders
from app.web.open_common import api_error
from app.web.pagecache import PageCache, ServeCachedPages
from app.web.pagechanges import follow_page_changes
from app.web.ratelimit import PerAddressLimit, new_limiter
from app.web.sessions import SessionMiddleware
from app.web.templating import render, warm_up
from app.workers.projector import run_background

log = logging.getLogger(__name__)


UNREACHABLE = (
    OperationalError,
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a connection broken in the middle of a statement
)
"""What the event store raises while the database is gone or going."""


async def health(request: Request) -> Response:
    """ "ok" while the event store answers; 503 (for a load balancer) while it does not."""
    try:
        await request.state.store.max_notification_id()
    except UNREACHABLE:
        return PlainTextResponse("database unavailable", status_code=503)
    return PlainTextResponse("ok")


ERROR_PAGES = {404: "errors/404.html", 405: "errors/405.html"}


def from_api(request: Request) -> bool:
    """The API promises JSON, errors included: its readers are programs. "/api" is
    the API's address too, though no route is there, so it answers a JSON 404."""
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


async def http_error(request: Request, exc: Exception) -> Response:
    """The site's own page, in the reader's language, with the status and its headers
    (a 405 says which methods would do, in Allow)."""
    assert isinstance(exc, HTTPException)
    if from_api(request):
        return api_error(exc.status_code, exc.headers)
    page = ERROR_PAGES.get(exc.status_code)
    if page is None:
        return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
    response = render(request, page, status=exc.status_code)
    response.headers.update(exc.headers or {})
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    if from_api(request):
        return api_error(500)
    return render(request, "errors/500.html", status=500)


async def create_read_pool(database_url: str) -> asyncpg.Pool:
    """The pool public pages read from (`request.state.reads`)."""
    return await create_pool(database_url, max_size=10, name="tribune-reads")


@contextmanager
def settled_memory() -> Iterator[None]:
    """What start-up made stays for the process's life: the collector leaves it alone.

    Templates, locale data and modules are tens of thousands of objects that every full
    collection would walk again; on two shared cores such a pass stalled a worker for
    40-100 ms, longer than the latency aimed at (docs/performance.md). gc.freeze() moves
    them out of the collector's way; they are handed back when the application stops.
    """
    warm_up()
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


routes: list[BaseRoute] = [
    *public.routes,
    *status.routes,
    *opendata.routes,
    *auth.routes,
    *citizen.routes,
    Mount("/admin", routes=admin.routes),
    Mount("/saisie", routes=clerk.routes, name="clerk"),
    Mount("/moderation", routes=[*moderation.routes, *calibration.routes], name="moderation"),
    Route("/health", health, name="health"),
    Mount("/static", StaticFiles(directory=ROOT / "static"), name="static"),
]


def create_app(
    database_url: str, settings: Settings | None = None, *, projector: bool = True
) -> Starlette:
    """With `projector`, the projections run in this process too (`tribune serve`)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, object]]:
        pool = await create_pool(database_url)
        reads = await create_read_pool(database_url)
        store = EventStore(pool)
        repository = Repository(store, build_mapper(settings.cipher_key))
        stop = asyncio.Event()
        running = projector and asyncio.create_task(run_background(store, settings, stop))
        notices = asyncio.create_task(follow_page_changes(database_url, app.state.pages))
        try:
            with settled_memory():
                yield {"pool": pool, "reads": reads, "store": store, "repository": repository}
        finally:
            stop.set()
            notices.cancel()
            try:
                if running:
                    await running
            finally:  # even if the projector failed
                await asyncio.gather(notices, return_exceptions=True)
                await app.state.pages.close()  # its renders read from `reads`
                await reads.close()
                await pool.close()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders, https=settings.secure_cookies),
            Middleware(SessionMiddleware, secure=settings.secure_cookies),
            Middleware(ServeCachedPages),
            Middleware(PerAddressLimit, rate=settings.rate_per_address),
        ],
        exception_handlers={HTTPException: http_error, 500: server_error},
        lifespan=lifespan,
    )
    app.state.pages = PageCache(ttl=settings.page_cache_seconds)
    app.state.settings = settings
    app.state.paths = {}
    app.state.limiter = new_limiter()
    app.state.forms_counted = OrderedDict()
    app.state.oauth = build_oauth(settings)
    return app


def create() -> Starlette:
    settings = Settings.from_env()
    if not settings.database_url:
        raise SystemExit("DATABASE_URL is required in production (`tribune serve` embeds one)")
    return create_app(settings.database_url, settings, projector=False)  # the Procfile's own
