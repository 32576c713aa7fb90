"""Two keyings of one letter, compared word by word, for the clerk who reconciles them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

WORDS = re.compile(r"\S+|\s+")
"""Words and the space between them: joined again, they give the text back as keyed."""


@dataclass(frozen=True)
class Piece:
    text: str
    differs: bool


def word_diff(first: str, second: str) -> tuple[list[Piece], list[Piece]]:
    """Each keying as pieces, those that differ from the other keying marked."""
    a, b = WORDS.findall(first), WORDS.findall(second)
    left: list[Piece] = []
    right: list[Piece] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        same = op == "equal"
        if i2 > i1:
            left.append(Piece("".join(a[i1:i2]), not same))
        if j2 > j1:
            right.append(Piece("".join(b[j1:j2]), not same))
    return left, right
