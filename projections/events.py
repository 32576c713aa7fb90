"""What read models read alike of several kinds of event, whatever their class."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Dated(Protocol):
    """An event that says when it happened (`at`), besides whose it is."""

    @property
    def originator_id(self) -> UUID: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def at(self) -> datetime: ...


class Acted(Dated, Protocol):
    """An event a member of staff caused: `by` is their id."""

    @property
    def by(self) -> str: ...
