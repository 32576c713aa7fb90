"""One Jinja2 environment per language, each with its catalogue installed once."""

from __future__ import annotations

from functools import cache

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from app.i18n import LANGUAGES, pick_language, translations
from app.settings import ROOT


@cache
def templates(language: str) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return Jinja2Templates(env=env)


def language_of(request: Request) -> str:
    return pick_language(
        request.query_params.get("lang"), request.headers.get("accept-language", "")
    )


def render(
    request: Request, name: str, context: dict[str, object] | None = None, status: int = 200
) -> HTMLResponse:
    language = language_of(request)
    page = templates(language).get_template(name)
    html = page.render(
        {"request": request, "lang": language, "languages": LANGUAGES, **(context or {})}
    )
    return HTMLResponse(html, status_code=status)
