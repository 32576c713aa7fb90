"""A moderator's decision, read from the item's form and checked: an error code per
field, everything typed kept.

Passages to withhold are quoted: the moderator copies each passage into a field (or,
with JavaScript, selects it in the text and it is copied there), with its reason. A
quote must appear exactly once in the text, so that it names one passage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.web.forms import Errors, check_text
from domain import ReasonCode
from domain.values import MAX_NOTE_LENGTH

Redactions = list[tuple[int, int, ReasonCode]]

PASSAGES = 5
ACTIONS = ("publish", "redact", "propose_refusal", "confirm", "overturn", "grant", "dismiss")
CODES = {code.value for code in ReasonCode}


@dataclass
class Decision:
    values: dict[str, str]
    action: str = ""
    errors: Errors = field(default_factory=dict)
    redactions: Redactions = field(default_factory=list)
    reason: ReasonCode | None = None
    note: str = ""
    text_sha256: str | None = None
    """The SHA-256 of the text the moderator read, sent back with the decision."""
    attachment: tuple[bool, ReasonCode | None] | None = None
    """The brief's or scan's fate, decided with a publication."""


def read_decision(values: dict[str, str], text: str, has_attachment: bool = False) -> Decision:
    decision = Decision(values, values.get("action", ""), text_sha256=values.get("text_sha256"))
    if decision.action not in ACTIONS:
        decision.errors["action"] = "required"
    decision.note = values.get("note", "").strip()
    if decision.note:
        check_text(decision.errors, {"note": decision.note}, "note", MAX_NOTE_LENGTH)
    if decision.action == "redact":
        decision.redactions = passages(decision.errors, values, text)
    if has_attachment and decision.action in ("publish", "redact"):
        decision.attachment = attachment(decision.errors, values)
    if decision.action == "propose_refusal":
        code = values.get("reason", "")
        if code in CODES:
            decision.reason = ReasonCode(code)
        else:
            decision.errors["reason"] = "required"
    return decision


def passages(
    errors: Errors, values: dict[str, str], text: str
) -> list[tuple[int, int, ReasonCode]]:
    """Each quoted passage found once in the text, with its reason; sorted."""
    found: Redactions = []
    for i in range(1, PASSAGES + 1):
        quote = values.get(f"passage_{i}", "")
        if not quote.strip():
            continue
        start = text.find(quote)
        if start < 0:
            errors[f"passage_{i}"] = "passage_not_found"
        elif text.find(quote, start + 1) >= 0:
            errors[f"passage_{i}"] = "passage_ambiguous"
        if values.get(f"reason_{i}", "") not in CODES:
            errors[f"reason_{i}"] = "required"
        elif f"passage_{i}" not in errors:
            found.append((start, start + len(quote), ReasonCode(values[f"reason_{i}"])))
    if not found and not errors:
        errors["passage_1"] = "required"
    return sorted(found)


def attachment(errors: Errors, values: dict[str, str]) -> tuple[bool, ReasonCode | None] | None:
    """Published with the opinion, or withheld for a reason of the charter."""
    choice = values.get("attachment")
    if choice == "publish":
        return True, None
    code = values.get("attachment_reason", "")
    if choice == "withhold" and code in CODES:
        return False, ReasonCode(code)
    errors["attachment" if choice != "withhold" else "attachment_reason"] = "required"
    return None
