"""The people behind submissions: registered with sealed personal fields, erasable."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from app.repository import Repository
from app.vault import destroy_key, key_for, seal
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
            sealed = seal(await key_for(conn, participant_id), personal)
            participant = Participant.register(
                participant_id, at=at, identity_hash=identity_hash, region=region, sealed=sealed
            )
            await repository.save(participant, conn=conn)
    except IntegrityError:
        return False
    return True


async def erase_participant(repository: Repository, participant_id: UUID, at: datetime) -> None:
    """Destroy the key and record that erasure happened, in one transaction."""
    participant = await repository.get(participant_id, Participant)
    participant.erase(at)
    async with repository.store.transaction() as conn:
        await destroy_key(conn, participant_id)
        await repository.save(participant, conn=conn)
