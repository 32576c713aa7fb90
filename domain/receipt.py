"""Receipt numbers: short, readable over the phone, with a check character.

Eight Crockford base-32 characters carry 40 bits; a ninth is a Damm check
character over the quasigroup x∘y = 2·x ⊕ y in GF(32) (modulus x⁵+x²+1). Because
multiplication by 2 ≠ 1 is a bijection, the scheme catches every single wrong
character and every swap of two different neighbours, check character included.
The canonical form is the 9 characters without separators ("7K2M9QRT4"); people
see it as "7K2-M9Q-RT4".
"""

from __future__ import annotations

import hashlib
from uuid import UUID

from domain.errors import InvalidReceiptNumberError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_LENGTH = 8
LENGTH = DATA_LENGTH + 1
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
_ALIASES = {"O": "0", "I": "1", "L": "1"}
_SEPARATORS = str.maketrans("", "", " -\t")
_MODULUS = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)


def _mul2(value: int) -> int:
    """Multiply by x in GF(32): shift, then reduce by the modulus on overflow."""
    value <<= 1
    return value ^ _MODULUS if value & 0b100000 else value


def _interim(values: list[int]) -> int:
    interim = 0
    for value in values:
        interim = _mul2(interim) ^ value
    return interim


def check_character(data: str) -> str:
    """The character that makes the Damm checksum of data+check equal zero."""
    return ALPHABET[_mul2(_interim([_VALUES[char] for char in data]))]


def receipt_number(seed: bytes | UUID, attempt: int = 0) -> str:
    """A receipt number derived from `seed`; a new `attempt` gives another one.

    Deterministic so that saving the same submission twice yields the same number;
    the service raises `attempt` only if the store's unique index says it is taken.
    """
    if attempt < 0:
        msg = "attempt must not be negative"
        raise ValueError(msg)
    raw = seed.bytes if isinstance(seed, UUID) else bytes(seed)
    digest = hashlib.blake2b(
        raw + attempt.to_bytes(8, "big"), digest_size=5, person=b"tribune-receipt"
    ).digest()
    bits = int.from_bytes(digest, "big")
    data = "".join(
        ALPHABET[(bits >> (5 * (DATA_LENGTH - 1 - i))) & 0b11111] for i in range(DATA_LENGTH)
    )
    return data + check_character(data)


def normalize_receipt(text: str) -> str:
    """The canonical form of what a person typed or read out, or a named error.

    Accepts lowercase, spaces and hyphens, and the letters O, I and L that people
    confuse with 0 and 1 (Crockford's rule).
    """
    compact = text.translate(_SEPARATORS).upper()
    compact = "".join(_ALIASES.get(char, char) for char in compact)
    if len(compact) != LENGTH:
        raise InvalidReceiptNumberError(f"{LENGTH} characters expected")
    if any(char not in _VALUES for char in compact):
        raise InvalidReceiptNumberError("unexpected character")
    if _interim([_VALUES[char] for char in compact]) != 0:
        raise InvalidReceiptNumberError("check character does not match")
    return compact


def is_valid_receipt(text: str) -> bool:
    try:
        normalize_receipt(text)
    except InvalidReceiptNumberError:
        return False
    return True


def format_receipt(text: str) -> str:
    """The form shown to people and read over the phone: "XXX-XXX-XXX"."""
    compact = normalize_receipt(text)
    return f"{compact[0:3]}-{compact[3:6]}-{compact[6:9]}"
