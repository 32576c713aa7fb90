"""One Jinja2 environment per language, with its catalogue and formats installed once."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from functools import cache, lru_cache, partial
from typing import Any, TypeVar

import jinja2
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from app.settings import ROOT
from app.web import formatting
from app.web.i18n import COOKIE, LANGUAGES, pick_language, translations
from app.web.sessions import csrf_token
from domain import format_receipt
from domain.charter import reason as charter_reason

R = TypeVar("R", bound=Response)


PATHS_KEPT = 100_000
FORMATS_KEPT = 65_536  # dates and numbers, per language and kind


class TranslateWhenCompiled(Extension):
    """`_("text")` without variables becomes its translation when the template compiles.

    Each language has its own environment, so the translation is known then; the page
    gets the very Markup that `_()` would return (newstyle gettext: `Markup(text) % {}`),
    now a constant in the compiled template. A call costs ~10 µs at render time and a
    list page makes over a hundred (docs/performance.md). Calls with variables stay.
    """

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        catalogue = translations(self.environment.globals["lang"])
        tokens = list(stream)
        i = 0
        while i < len(tokens):
            text = _constant_call(tokens, i)
            translated = _translated(catalogue.gettext, text) if text is not None else None
            if translated is None:
                yield tokens[i]
                i += 1
                continue
            line = tokens[i].lineno
            yield Token(line, "lparen", "(")
            yield Token(line, "string", translated)
            yield Token(line, "pipe", "|")
            yield Token(line, "name", "safe")
            yield Token(line, "rparen", ")")
            i += 4


def _constant_call(tokens: list[Token], i: int) -> str | None:
    """The text of `_("text")` starting at tokens[i], if that is what is there."""
    shape = [(t.type, t.value) for t in tokens[i : i + 4]]
    after_dot = i > 0 and tokens[i - 1].type == "dot"
    if after_dot or len(shape) < 4 or shape[0] != ("name", "_") or shape[1][0] != "lparen":
        return None
    if shape[2][0] != "string" or shape[3][0] != "rparen":
        return None
    text: str = shape[2][1]
    return text


def _translated(gettext: Callable[[str], str], text: str) -> str | None:
    try:
        return str(Markup(gettext(text)) % {})
    except (TypeError, ValueError, KeyError):  # a stray %: left to fail at render time
        return None


def _remembered(format: Callable[..., str]) -> Callable[..., str]:
    """Formatting with Babel costs ~50 µs a date; pages render the same dates again."""
    return lru_cache(maxsize=FORMATS_KEPT)(format)


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
        extensions=["jinja2.ext.i18n", TranslateWhenCompiled],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["full_stop"] = formatting.full_stop
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        url_for=url_for,
        lang=language,
        other_lang="en" if language == "fr" else "fr",
        when=_remembered(partial(formatting.when, language=language)),
        day=_remembered(partial(formatting.day, language=language)),
        number=_remembered(partial(formatting.number, language=language)),
        region_name=partial(formatting.region_name, language=language),
        iso=formatting.iso,
        receipt=format_receipt,
        reason=partial(charter_reason, language=language),
        tr=lambda texts: (texts or {}).get(language, ""),
        csrf_token=csrf_token,
    )
    return Jinja2Templates(env=env)


def warm_up() -> None:
    """Compile every template and load each language's formats now, not on first use."""
    moment = datetime.now(UTC)
    for language in LANGUAGES:
        env = templates(language).env
        for name in env.list_templates(extensions=["html", "xml"]):
            env.get_template(name)
        formatting.when(moment, language)
        formatting.day(moment, language)
        formatting.number(1000, language)


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
