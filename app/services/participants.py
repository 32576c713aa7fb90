"""The people behind submissions: registered with sealed personal fields, erasable."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from app.persistence.db import Conn
from app.persistence.files import erase_briefs
from app.persistence.repository import Repository
from app.persistence.store import EventStore
from app.persistence.vault import destroy_key, existing_key, key_for, open_sealed, seal
from domain import Participant


async def register_participant(
    repository: Repository,
    participant_id: UUID,
    *,
    at: datetime,
    personal: dict[str, str],
    region: str | None = None,
    identity_hash: str | None = None,
) -> bool:
    """Seal the personal fields with the person's own key; False if already registered."""
    try:
        async with repository.store.transaction() as conn:
            participant = await registered(
                conn, participant_id, at, personal, region, identity_hash
            )
            await repository.save(participant, conn=conn)
    except IntegrityError:
        return False
    return True


def keyed_writer_id(form_token: str) -> UUID:
    """A letter writer or caller, new with each keying: the same keying sent twice
    registers them once."""
    return Participant.create_id(f"keyed:{form_token}")


async def registered(
    conn: Conn,
    participant_id: UUID,
    at: datetime,
    personal: dict[str, str],
    region: str | None,
    identity_hash: str | None = None,
) -> Participant:
    """A new participant, their fields sealed with their own key, made in `conn`'s
    transaction: saved with it, or neither."""
    sealed = seal(await key_for(conn, participant_id), personal)
    return Participant.register(
        participant_id, at=at, identity_hash=identity_hash, region=region, sealed=sealed
    )


async def erase_participant(repository: Repository, participant_id: UUID, at: datetime) -> None:
    """Destroy the key and record that erasure happened, in one transaction."""
    participant = await repository.get(participant_id, Participant)
    participant.erase(at)
    async with repository.store.transaction() as conn:
        await destroy_key(conn, participant_id)
        await erase_briefs(conn, participant_id)
        await repository.save(participant, conn=conn)


async def seal_for(store: EventStore, participant_id: UUID, fields: dict[str, str]) -> str | None:
    """Fields sealed with the key the person got at registration; None when there is
    nothing to seal, or no key: an erased person is never given a new one here."""
    if not fields:
        return None
    async with store.pool.acquire() as conn:
        key = await existing_key(conn, participant_id)
    return None if key is None else seal(key, fields)


async def unseal_for(store: EventStore, participant_id: UUID, sealed: str | None) -> dict[str, str]:
    """What `seal_for` sealed, or nothing once the person is erased."""
    if not sealed:
        return {}
    async with store.pool.acquire() as conn:
        key = await existing_key(conn, participant_id)
    try:
        return open_sealed(key, sealed) or {}
    except ValueError:  # sealed with a key that is no more (AES-GCM's tag check)
        return {}
