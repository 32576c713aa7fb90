"""Every French string of the templates has its English translation."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.settings import ROOT

OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


def template_messages() -> set[str]:
    found = extract_from_dir(
        ROOT / "templates",
        method_map=[("**.html", "jinja2"), ("**.xml", "jinja2")],
        options_map={"**.html": OPTIONS, "**.xml": OPTIONS},
    )
    return {message if isinstance(message, str) else message[0] for *_, message, _, _ in found}


def english() -> dict[str, str]:
    path = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalogue = read_po(po)
    return {str(m.id): str(m.string) for m in catalogue if m.id}


def test_every_template_string_is_translated_to_english() -> None:
    messages = template_messages()
    assert messages
    translated = english()
    missing = sorted(m for m in messages if not translated.get(m))
    assert not missing, "add to translations/en/LC_MESSAGES/messages.po:\n" + "\n".join(missing)


def test_the_catalogue_has_no_stale_strings() -> None:
    stale = sorted(set(english()) - template_messages())
    assert not stale, "no longer used in templates:\n" + "\n".join(stale)
