"""A moderator's quoted passages: found once in the text, line breaks included; a
quote found nowhere or twice is said at its field; a note is checked as any text."""

from __future__ import annotations

from app.moderation.forms import read_decision
from domain import ReasonCode

TEXT = "L'eau est publique.\nMon voisin Jules\nTremblay pollue. Merci. Merci."


def test_a_passage_over_a_line_break_is_found_and_withheld_for_its_reason() -> None:
    d = read_decision({"action": "redact", "passage_1": "Jules\nTremblay", "reason_1": "R3"}, TEXT)
    assert d.errors == {}
    start = TEXT.index("Jules")
    assert d.redactions == [(start, start + len("Jules\nTremblay"), ReasonCode("R3"))]


def test_a_passage_found_nowhere_or_twice_is_said_at_its_field() -> None:
    values = {"action": "redact", "passage_1": "absent", "reason_1": "R3"}
    values |= {"passage_2": "Merci.", "reason_2": "R5"}
    d = read_decision(values, TEXT)
    assert d.errors == {"passage_1": "passage_not_found", "passage_2": "passage_ambiguous"}


def test_a_note_with_a_control_character_is_a_field_error() -> None:
    d = read_decision({"action": "propose_refusal", "reason": "R8", "note": "a\x07b"}, TEXT)
    assert d.errors == {"note": "text_invalid"}
