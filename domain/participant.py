"""The person behind submissions, kept apart from what they said.

The domain never sees personal information in clear: `sealed` is whatever the
application encrypted with the person's own key. Erasing destroys that key (outside
the domain); the `Erased` event only records that erasure happened.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidRegionError, ParticipantErasedError
from domain.values import REGIONS

PARTICIPANT_NAMESPACE = UUID("e5036a87-ee84-4a22-8566-b94ac6cacccc")
"""Never change: participant ids already stored were derived from it."""


class Participant(Aggregate):
    """A citizen known by sign-in, or a letter writer or caller keyed by a clerk."""

    @staticmethod
    def create_id(identity_hash: str) -> UUID:
        """Signing in again finds the same participant without a lookup table."""
        return uuid5(PARTICIPANT_NAMESPACE, identity_hash)

    @classmethod
    def register(
        cls,
        id: UUID,
        *,
        at: datetime,
        identity_hash: str | None,
        region: str | None,
        sealed: str,
    ) -> Participant:
        """Online: id is create_id(identity_hash). Mail and phone: a fresh id."""
        if region is not None and region not in REGIONS:
            raise InvalidRegionError(region)
        return cls(id=id, at=at, identity_hash=identity_hash, region=region, sealed=sealed)

    class Registered(Aggregate.Created):
        at: datetime
        identity_hash: str | None
        region: str | None
        sealed: str

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        *,
        at: datetime,
        identity_hash: str | None,
        region: str | None,
        sealed: str,
    ) -> None:
        self.registered_at = at
        self.identity_hash = identity_hash
        self.region = region
        self.sealed: str | None = sealed
        self.erased_at: datetime | None = None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def change_contact(self, at: datetime, sealed: str) -> None:
        self._change_contact(at, sealed)

    class ContactChanged(Aggregate.Event):
        at: datetime
        sealed: str

    @event(ContactChanged)
    def _change_contact(self, at: datetime, sealed: str) -> None:
        self._require_not_erased()
        self.sealed = sealed

    def erase(self, at: datetime) -> None:
        """Forget the person; the region stays, in clear, for statistics only."""
        self._erase(at)

    class Erased(Aggregate.Event):
        at: datetime

    @event(Erased)
    def _erase(self, at: datetime) -> None:
        self._require_not_erased()
        self.sealed = None
        self.identity_hash = None
        self.erased_at = at

    def _require_not_erased(self) -> None:
        if self.erased:
            raise ParticipantErasedError
