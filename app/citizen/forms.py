"""What a citizen types, read back and checked; everything typed is kept as typed."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app.web.forms import Errors, check_text
from domain import REGIONS, Channel
from projections.consultation_queries import Consultation

MAX_ANSWER = 20_000
POSTAL_CODE = re.compile(
    r"([ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z])[ -]?([0-9][ABCEGHJ-NPRSTV-Z][0-9])"
)
"""A Canadian postal code: letter, digit, letter, digit, letter, digit (no D F I O Q U)."""
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
"""What `fresh_token` gives (and a little room): anything else was not ours."""
NOT_OPEN = {
    "upcoming": "consultation_not_open",
    "closed": "consultation_closed",
    "cancelled": "consultation_cancelled",
}
"""Why a form posted outside the open phase is not checked (its draft is still saved).
Sending still goes to the domain, which gives the first receipt back to a retry even
past the deadline."""


def not_open_status(phase: str) -> int:
    """The participation page's status outside the open phase, read or posted alike:
    403 until it opens (it will be allowed later), 410 once closed or cancelled, for
    a consultation never reopens."""
    assert phase in NOT_OPEN, phase
    return 403 if phase == "upcoming" else 410


@dataclass
class OpinionForm:
    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    brief_size: int | None = None
    """The brief kept with the draft, if any (its bytes stay in the database)."""
    brief_sha256: str = ""
    """Its SHA-256: the check page pins it, so "Send" sends the brief that was shown."""

    def answers(self, consultation: Consultation) -> list[str]:
        return [self.values.get(f"answer_{i}", "") for i in range(len(consultation.questions))]


def new_form() -> OpinionForm:
    return OpinionForm({"language": "fr", "form_token": fresh_token()})


def fresh_token() -> str:
    """A form's one-time token: the submission's id derives from it, so the same form
    sent twice gives one submission, and no two forms share one."""
    return secrets.token_urlsafe(24)


def is_form_token(value: str) -> bool:
    return FORM_TOKEN.fullmatch(value) is not None


def usable_token(stored: str) -> str:
    """A draft saved with no token (or a broken one) gets a fresh one: otherwise every
    post of it would fail the same way, and it could never be sent."""
    return stored if is_form_token(stored) else fresh_token()


def read_form(values: dict[str, str], consultation: Consultation) -> OpinionForm:
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
    if not is_form_token(values.get("form_token", "")):
        form.errors["form"] = "form_expired"  # so nothing is sent with the fresh one
        values["form_token"] = fresh_token()  # and the form comes back able to be sent
    return form


def postal_code(text: str) -> str | None:
    """`h2x1y4`, `H2X-1Y4` or ` H2X 1Y4 ` as `H2X 1Y4`; None if it is not one."""
    match = POSTAL_CODE.fullmatch(text.strip().upper())
    return f"{match[1]} {match[2]}" if match else None


def personal_fields(form: OpinionForm) -> dict[str, str]:
    """What is sealed with the person's key rather than said in clear: the postal code."""
    code = postal_code(form.values.get("postal_code", ""))
    return {"postal_code": code} if code else {}


def opinion_text(form: OpinionForm, consultation: Consultation, language: str) -> str:
    """One text for the submission: the answers, each under its question when several."""
    answers = form.answers(consultation)
    if len(answers) == 1:
        return answers[0]
    return "\n\n".join(
        f"{i + 1}. {q.get(language) or q.get('fr', '')}\n{a}"
        for i, (q, a) in enumerate(zip(consultation.questions, answers, strict=True))
    )


def submission_fields(form: OpinionForm, consultation: Consultation) -> dict[str, Any]:
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
