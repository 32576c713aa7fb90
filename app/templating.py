"""One Jinja2 environment per language, with its catalogue and formats installed once."""

from __future__ import annotations

from collections.abc import Mapping
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


PATHS_KEPT = 100_000


@jinja2.pass_context
def url_for(context: Mapping[str, Any], name: str, /, **params: Any) -> str:
    """Starlette's url_for, remembered per application: otherwise it tries every route,
    each time (measured at 16% of a page's CPU, docs/performance.md)."""
    request: Request = context["request"]
    paths: dict[tuple[str, tuple[tuple[str, Any], ...]], str] = request.app.state.paths
    key = (name, tuple(sorted(params.items())))
    path = paths.get(key)
    if path is None:
        if len(paths) >= PATHS_KEPT:
            paths.clear()
        path = paths[key] = str(request.app.url_path_for(name, **params))
    return str(request.base_url).rstrip("/") + path


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
        url_for=url_for,
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
