"""The Starlette application: shared resources in the lifespan, routes by audience."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app.db import create_pool
from app.headers import SecurityHeaders
from app.mapping import build_mapper
from app.projector import build_runner
from app.repository import Repository
from app.settings import ROOT, Settings
from app.store import EventStore
from app.templating import render


async def home(request: Request) -> Response:
    return render(request, "public/home.html")


async def health(request: Request) -> Response:
    await request.state.store.max_notification_id()
    return Response("ok", media_type="text/plain")


def create_app(
    database_url: str, settings: Settings | None = None, *, projector: bool = True
) -> Starlette:
    """With `projector`, the projections run in this process too (`tribune serve`)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, object]]:
        pool = await create_pool(database_url)
        store = EventStore(pool)
        repository = Repository(store, build_mapper(settings.cipher_key))
        stop = asyncio.Event()
        running = projector and asyncio.create_task(build_runner(store, settings).run(stop))
        try:
            yield {"pool": pool, "store": store, "repository": repository}
        finally:
            stop.set()
            if running:
                await running
            await pool.close()

    routes = [
        Route("/", home, name="home"),
        Route("/health", health, name="health"),
        Mount("/static", StaticFiles(directory=ROOT / "static"), name="static"),
    ]
    middleware = [Middleware(SecurityHeaders)]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
