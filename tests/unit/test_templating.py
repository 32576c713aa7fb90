"""Templates: a translation without variables is resolved once, when the page compiles."""

from __future__ import annotations

import pytest

from app.web.templating import templates
from tests.unit.test_translations import english

MESSAGES = sorted(m for m in english() if "%" not in m)


def render(language: str, source: str, **context: object) -> str:
    return templates(language).env.from_string(source).render(context)


def compiled(language: str, source: str) -> str:
    env = templates(language).env
    python: str = env.compile(source, raw=True)
    return python


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_constant_translation_is_the_same_as_at_render_time(language: str) -> None:
    """Every message in the catalogue, as a literal and as a variable: the same text,
    escaped the same way (the translation is trusted markup, as newstyle gettext has it)."""
    for message in MESSAGES:
        literal = render(language, f"{{{{ _({message!r}) }}}}")
        assert literal == render(language, "{{ _(message) }}", message=message), message


def test_a_constant_translation_is_no_call_at_render_time() -> None:
    python = compiled("en", '<a>{{ _("Aller au contenu") }}</a>')
    assert "Skip to content" in python
    assert "gettext" not in python
    assert "context.call" not in python


def test_a_translation_with_variables_is_still_made_at_render_time() -> None:
    source = '{{ _("Question %(n)s", n=n) }}'
    assert "context.call" in compiled("en", source)
    assert render("fr", source, n=2) == "Question 2"


def test_what_follows_a_constant_translation_still_applies_to_it() -> None:
    assert (
        render("en", '{{ _("Publié").upper() }}|{{ _("Publié") ~ "!" }}') == "PUBLISHED|Published!"
    )
