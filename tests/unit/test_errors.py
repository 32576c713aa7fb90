"""Every domain error has one root and a stable code the web layer can translate."""

from __future__ import annotations

import re

import domain
from domain import DomainError, SeparationOfDutiesError
from domain import errors as errors_module


def all_errors() -> list[type[DomainError]]:
    return [
        value
        for value in vars(errors_module).values()
        if isinstance(value, type) and issubclass(value, DomainError)
    ]


def test_every_error_has_a_unique_snake_case_code_and_a_message() -> None:
    codes = [error.code for error in all_errors()]
    assert len(codes) == len(set(codes))
    for error in all_errors():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", error.code), error
        assert error.message.endswith("."), error


def test_every_error_is_exported_from_the_package() -> None:
    assert {error.__name__ for error in all_errors()} <= set(domain.__all__)


def test_error_text_combines_the_message_and_the_detail() -> None:
    error = SeparationOfDutiesError("a refusal needs a second moderator")
    assert error.code == "separation_of_duties"
    assert str(error).endswith("a refusal needs a second moderator")
    assert error.detail == "a refusal needs a second moderator"
