"""The clerk's letter form lists its errors in the order the page shows the fields."""

from __future__ import annotations

from datetime import date

from app.clerk.forms import read_letter


def test_an_empty_letter_lists_its_errors_in_page_order() -> None:
    form = read_letter({}, set(), date(2026, 12, 7))

    assert list(form.errors) == [
        "consultation_id", "received_on", "postmarked_on", "language", "name",
        "postal_address", "text",
    ]  # fmt: skip
