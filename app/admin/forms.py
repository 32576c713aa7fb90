"""What organizers type, read back into domain values, with an error code per field.

Codes, not sentences: the templates turn them into French or English. Everything
typed is kept as typed, so a form with errors comes back exactly as it was sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from starlette.datastructures import FormData

from app.web.forms import Errors, check_moment, check_text, local_input, texts, whole_number
from domain.content import MAX_GRACE_DAYS
from domain.values import MAX_NOTE_LENGTH

BILINGUAL = ("title", "summary", "body", "phone_hours")
EXTRA_QUESTIONS = 2
_QUESTION = re.compile(r"^question_(fr|en)_(\d+)$")


def bilingual(errors: Errors, values: dict[str, str], name: str) -> dict[str, str]:
    return {lang: check_text(errors, values, f"{name}_{lang}") for lang in ("fr", "en")}


@dataclass
class ContentForm:
    """The draft form: what was typed, what is wrong, and the domain's content."""

    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict)

    @property
    def question_slots(self) -> list[int]:
        numbers = [int(m.group(2)) for k in self.values if (m := _QUESTION.match(k))]
        count = max(numbers, default=0)
        return list(range(1, max(count, 1) + 1 + EXTRA_QUESTIONS))


def parse_content(form: FormData) -> ContentForm:
    values = texts(form)
    parsed = ContentForm(values)
    errors, content = parsed.errors, parsed.content
    for name in BILINGUAL:
        content[name] = bilingual(errors, values, name)
    content["questions"] = questions(errors, values)
    content["opens_at"] = check_moment(errors, values, "opens_at")
    content["closes_at"] = check_moment(errors, values, "closes_at")
    content["mail_grace_days"] = grace_days(errors, values)
    content["postal_address"] = check_text(errors, values, "postal_address", MAX_NOTE_LENGTH)
    content["phone"] = check_text(errors, values, "phone", 100)
    return parsed


def questions(errors: Errors, values: dict[str, str]) -> list[dict[str, str]]:
    """Numbered pairs; an empty pair is skipped, a half-written one is an error, and
    all empty is one too: citizens answer questions (shown at the first one)."""
    numbers = sorted({int(m.group(2)) for k in values if (m := _QUESTION.match(k))})
    found = []
    for n in numbers:
        pair = {lang: values.get(f"question_{lang}_{n}", "") for lang in ("fr", "en")}
        if not any(text.strip() for text in pair.values()):
            continue
        found.append({lang: check_text(errors, values, f"question_{lang}_{n}") for lang in pair})
    if not found:
        errors["question_fr_1"] = "question_missing"
    return found


def grace_days(errors: Errors, values: dict[str, str]) -> int:
    text = values.get("mail_grace_days", "").strip()
    days = whole_number(text, high=MAX_GRACE_DAYS + 1)
    if not text:
        errors["mail_grace_days"] = "required"
    elif days is None or days > MAX_GRACE_DAYS:
        errors["mail_grace_days"] = "grace_days_invalid"
    else:
        return days
    return 0


def content_values(c: Any) -> dict[str, str]:
    """A read-model consultation as the draft form shows it."""
    values = {
        f"{name}_{lang}": getattr(c, name)[lang] for name in BILINGUAL for lang in ("fr", "en")
    }
    for n, question in enumerate(c.questions, 1):
        values |= {f"question_{lang}_{n}": question[lang] for lang in ("fr", "en")}
    return values | {
        "opens_at": local_input(c.opens_at),
        "closes_at": local_input(c.closes_at),
        "mail_grace_days": str(c.mail_grace_days),
        "postal_address": c.postal_address,
        "phone": c.phone,
        "version": str(c.version),
    }


# Uploads -----------------------------------------------------------------------------


def form_token(values: dict[str, str]) -> UUID | None:
    """The new-draft form's one-time token: the same form sent twice makes one draft."""
    try:
        return UUID(values.get("form_token", ""))
    except ValueError:
        return None
