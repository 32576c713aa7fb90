"""One Jinja2 environment per language, with its catalogue and formats installed once."""

from __future__ import annotations

from functools import cache, partial
from typing import Any, TypeVar

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from app import formatting
from app.i18n import COOKIE, LANGUAGES, pick_language, translations
from app.sessions import csrf_token
from app.settings import ROOT
from domain import format_receipt

R = TypeVar("R", bound=Response)


@cache
def templates(language: str) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        lang=language,
        other_lang="en" if language == "fr" else "fr",
        when=partial(formatting.when, language=language),
        day=partial(formatting.day, language=language),
        number=partial(formatting.number, language=language),
        region_name=partial(formatting.region_name, language=language),
        iso=formatting.iso,
        receipt=format_receipt,
        tr=lambda texts: (texts or {}).get(language, ""),
        csrf_token=csrf_token,
    )
    return Jinja2Templates(env=env)


def language_of(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(COOKIE))


def render_text(request: Request, name: str, context: dict[str, Any] | None = None) -> str:
    page = templates(language_of(request)).get_template(name)
    return page.render({"request": request, "languages": LANGUAGES, **(context or {})})


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The page, in the reader's language."""
    response = HTMLResponse(render_text(request, name, context), status_code=status)
    return remember_language(request, response)


def remember_language(request: Request, response: R) -> R:
    """A language chosen with ?lang= is remembered for the next pages."""
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES and chosen != request.cookies.get(COOKIE):
        response.set_cookie(COOKIE, chosen, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
