"""The reconciliation's comparison: word by word, nothing lost, only differences marked."""

from __future__ import annotations

from app.clerk.diff import Piece, word_diff


def joined(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces)


def test_each_side_is_the_keying_as_it_was_with_only_the_changed_words_marked() -> None:
    first = "Je souhaite que l'eau reste publique.\nMerci."
    second = "Je souhaite que l'eau soit publique.\nMerci!"
    left, right = word_diff(first, second)
    assert joined(left) == first
    assert joined(right) == second
    assert [p.text for p in left if p.differs] == ["reste", "Merci."]
    assert [p.text for p in right if p.differs] == ["soit", "Merci!"]


def test_two_keyings_that_agree_have_no_difference() -> None:
    left, right = word_diff("Un texte.", "Un texte.")
    assert not any(p.differs for p in left + right)
