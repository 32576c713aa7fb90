"""Personal information sealed with a key per person, and erased by destroying the key.

Sealed fields are AES-256-GCM ciphertext (pycryptodome), base64 text that can go
into events. Keys live in `participant_keys`; erasure deletes the row, after which
every copy of the ciphertext, in events or read tables, is unreadable for good.
"""

from __future__ import annotations

import base64
import json
import os
from uuid import UUID

from Crypto.Cipher import AES

from app.persistence.db import Conn

NONCE, TAG = 12, 16


def seal(key: bytes, fields: dict[str, str]) -> str:
    nonce = os.urandom(NONCE)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce)
    data, tag = cipher.encrypt_and_digest(json.dumps(fields).encode())
    return base64.b64encode(nonce + tag + data).decode()


def open_sealed(key: bytes | None, sealed: str | None) -> dict[str, str] | None:
    """The fields, or None once the key is destroyed (or nothing was sealed)."""
    if key is None or not sealed:
        return None
    raw = base64.b64decode(sealed)
    cipher = AES.new(key, AES.MODE_GCM, nonce=raw[:NONCE])
    data = cipher.decrypt_and_verify(raw[NONCE + TAG :], raw[NONCE : NONCE + TAG])
    fields: dict[str, str] = json.loads(data)
    return fields


async def key_for(conn: Conn, participant_id: UUID) -> bytes:
    """The person's key, made on first use (in the caller's transaction)."""
    key: bytes | None = await conn.fetchval(
        "INSERT INTO participant_keys (participant_id, key) VALUES ($1, $2)"
        " ON CONFLICT (participant_id) DO NOTHING RETURNING key",
        participant_id,
        os.urandom(32),
    )
    if key is None:
        key = await existing_key(conn, participant_id)
    assert key is not None
    return key


async def existing_key(conn: Conn, participant_id: UUID) -> bytes | None:
    """The person's key, or None if they have none (or were erased)."""
    key: bytes | None = await conn.fetchval(
        "SELECT key FROM participant_keys WHERE participant_id = $1", participant_id
    )
    return key


async def destroy_key(conn: Conn, participant_id: UUID) -> None:
    await conn.execute("DELETE FROM participant_keys WHERE participant_id = $1", participant_id)
