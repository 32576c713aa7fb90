"""Domain events to stored events and back, with the library's Mapper and transcoder."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)
from eventsourcing.utils import Environment


def build_mapper(cipher_key: str | None = None) -> Mapper[UUID]:
    """JSON state; AES-GCM over the whole state when a key is configured."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
        transcoder.register(transcoding)
    cipher = None
    if cipher_key:
        cipher = AESCipher(Environment(env={AESCipher.CIPHER_KEY: cipher_key}))
    return Mapper(transcoder=transcoder, cipher=cipher)
