"""The production entry point: `uvicorn --factory app.asgi:create` with DATABASE_URL."""

from __future__ import annotations

from starlette.applications import Starlette

from app.settings import Settings
from app.web import create_app


def create() -> Starlette:
    settings = Settings.from_env()
    if not settings.database_url:
        raise SystemExit("DATABASE_URL is required in production (`tribune serve` embeds one)")
    return create_app(settings.database_url, settings, projector=False)  # the Procfile's own
