"""French first, English beside it: gettext catalogues (Babel), French as the source."""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.settings import ROOT

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
CATALOGUES = ROOT / "translations"
COOKIE = "tribune_lang"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """Compiled in memory from the .po file: no build step to forget."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def pick_language(requested: str | None, remembered: str | None) -> str:
    """The choice made on this page, else the one remembered, else French."""
    for choice in (requested, remembered):
        if choice in LANGUAGES:
            return choice
    return DEFAULT_LANGUAGE
