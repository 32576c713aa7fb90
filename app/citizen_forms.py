"""What a citizen types, read back and checked; everything typed is kept as typed."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app.forms import Errors, check_text
from domain import REGIONS, Channel
from projections import queries

MAX_ANSWER = 20_000
POSTAL_CODE = re.compile(
    r"([ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z])[ -]?([0-9][ABCEGHJ-NPRSTV-Z][0-9])"
)
"""A Canadian postal code: letter, digit, letter, digit, letter, digit (no D F I O Q U)."""


@dataclass
class OpinionForm:
    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    brief_size: int | None = None
    """The brief kept with the draft, if any (its bytes stay in the database)."""
    brief_sha256: str = ""
    """Its SHA-256: the check page pins it, so "Send" sends the brief that was shown."""

    def answers(self, consultation: queries.Consultation) -> list[str]:
        return [self.values.get(f"answer_{i}", "") for i in range(len(consultation.questions))]


def new_form() -> OpinionForm:
    return OpinionForm({"language": "fr", "form_token": secrets.token_urlsafe(24)})


def read_form(values: dict[str, str], consultation: queries.Consultation) -> OpinionForm:
    """Check every field; keep what was typed."""
    form = OpinionForm(values)
    for i in range(len(consultation.questions)):
        check_text(form.errors, values, f"answer_{i}", MAX_ANSWER)
    if values.get("language") not in ("fr", "en"):
        form.errors["language"] = "required"
    if values.get("region") and values["region"] not in REGIONS:
        form.errors["region"] = "region_invalid"
    if values.get("postal_code", "").strip() and postal_code(values["postal_code"]) is None:
        form.errors["postal_code"] = "postal_code_invalid"
    if not values.get("form_token"):
        form.errors["form"] = "form_expired"
    return form


def postal_code(text: str) -> str | None:
    """`h2x1y4`, `H2X-1Y4` or ` H2X 1Y4 ` as `H2X 1Y4`; None if it is not one."""
    match = POSTAL_CODE.fullmatch(text.strip().upper())
    return f"{match[1]} {match[2]}" if match else None


def personal_fields(form: OpinionForm) -> dict[str, str]:
    """What is sealed with the person's key rather than said in clear: the postal code."""
    code = postal_code(form.values.get("postal_code", ""))
    return {"postal_code": code} if code else {}


def opinion_text(form: OpinionForm, consultation: queries.Consultation, language: str) -> str:
    """One text for the submission: the answers, each under its question when several."""
    answers = form.answers(consultation)
    if len(answers) == 1:
        return answers[0]
    return "\n\n".join(
        f"{i + 1}. {q.get(language) or q.get('fr', '')}\n{a}"
        for i, (q, a) in enumerate(zip(consultation.questions, answers, strict=True))
    )


def submission_fields(form: OpinionForm, consultation: queries.Consultation) -> dict[str, Any]:
    language = form.values.get("language", "fr")
    return {
        "form_token": form.values["form_token"],
        "consultation_id": consultation.id,
        "channel": Channel.ONLINE,
        "text": opinion_text(form, consultation, language),
        "language": language,
        "region": form.values.get("region") or None,
        "show_name": form.values.get("show_name") == "on",
    }


def participant_of(session: dict[str, Any]) -> UUID:
    return UUID(str(session["participant_id"]))
