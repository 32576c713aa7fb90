"""The application as a test client reaches it: its lifespan run, requests over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

BASE_URL = "http://tribune.test"


@asynccontextmanager
async def served(
    app: ASGIApp, *, base_url: str = BASE_URL, raise_app_exceptions: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
