"""A sentence that ends with text typed by an organizer ends with one full stop."""

from __future__ import annotations

from app.web.formatting import full_stop


def test_a_sentence_gets_one_full_stop() -> None:
    assert full_stop("9 a.m. to 5 p.m.") == "9 a.m. to 5 p.m."
    assert full_stop("de 9 h à 17 h") == "de 9 h à 17 h."
    assert full_stop("Ouvert ?") == "Ouvert ?"
    assert full_stop("") == ""
