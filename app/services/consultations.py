"""The organizers' intentions: draft and edit a consultation, run its life cycle,
attach its documents and publish its report (each PDF kept with its event)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from app.persistence.files import Pdf, store_document
from app.persistence.repository import Repository
from app.services.commands import ChangedMeanwhileError, run_command
from domain import Consultation, StaffId

DRAFT_IDS = uuid.UUID("6f0b8e2c-3a59-4c47-9a0e-5d1f0c7b2a11")  # uuid5 namespace of drafts
Command = Callable[[Consultation], object]


def draft_id(form_token: str) -> UUID:
    """The same form sent twice names the same draft."""
    return uuid.uuid5(DRAFT_IDS, form_token)


async def draft_consultation(
    repository: Repository, consultation_id: UUID, by: StaffId, at: datetime, **content: Any
) -> int | None:
    """A new draft; the same form sent twice leaves the first draft standing (None)."""
    c = Consultation.draft(consultation_id, by=by, at=at, **content)
    try:
        return await repository.save(c)
    except IntegrityError:
        return None


async def edit_consultation(
    repository: Repository,
    consultation_id: UUID,
    by: StaffId,
    at: datetime,
    content: dict[str, Any],
    version: str,
) -> int | None:
    """Only the fields that changed, and only if no one changed the draft meanwhile."""

    def command(c: Consultation) -> None:
        if str(c.version) != version:
            raise ChangedMeanwhileError(c.id)
        changes = {k: v for k, v in content.items() if getattr(c, k) != v}
        if changes:
            c.edit(by, at, **changes)

    return await change_consultation(repository, consultation_id, command)


async def change_consultation(
    repository: Repository, consultation_id: UUID, command: Command
) -> int | None:
    """One life-cycle step (schedule, open, extend, close, cancel, remove a document)."""
    return await run_command(repository, Consultation, consultation_id, command)


async def attach_document(
    repository: Repository,
    consultation_id: UUID,
    by: StaffId,
    at: datetime,
    title: dict[str, str],
    pdf: Pdf,
) -> int | None:
    document_id = uuid.uuid4()

    def command(c: Consultation) -> None:
        c.attach_document(
            by, at, document_id=document_id, title=title, filename=pdf.filename, size=pdf.size
        )

    return await _with_pdf(repository, consultation_id, by, document_id, pdf, command)


async def publish_report(
    repository: Repository,
    consultation_id: UUID,
    by: StaffId,
    at: datetime,
    summary: dict[str, str],
    pdf: Pdf,
) -> int | None:
    document_id = uuid.uuid4()

    def command(c: Consultation) -> None:
        c.publish_report(by, at, summary, str(document_id))

    return await _with_pdf(repository, consultation_id, by, document_id, pdf, command)


async def _with_pdf(
    repository: Repository,
    consultation_id: UUID,
    by: StaffId,
    document_id: UUID,
    pdf: Pdf,
    command: Command,
) -> int | None:
    async def keep(conn: Any) -> None:
        await store_document(conn, consultation_id, document_id, pdf, by)

    return await run_command(repository, Consultation, consultation_id, command, keep)


async def schedule_consultation(
    repository: Repository, consultation_id: UUID, by: StaffId, at: datetime
) -> int | None:
    """The draft becomes public: upcoming, then open at its opening time."""
    return await change_consultation(repository, consultation_id, lambda c: c.schedule(by, at))


async def open_consultation(
    repository: Repository, consultation_id: UUID, by: StaffId, at: datetime
) -> int | None:
    """Open now, earlier than planned."""
    return await change_consultation(repository, consultation_id, lambda c: c.open(by, at))


async def extend_deadline(
    repository: Repository, consultation_id: UUID, by: StaffId, at: datetime, *, to: datetime
) -> int | None:
    return await change_consultation(
        repository, consultation_id, lambda c: c.extend_deadline(by, at, to)
    )


async def close_early(
    repository: Repository, consultation_id: UUID, by: StaffId, at: datetime, *, reason: str
) -> int | None:
    return await change_consultation(
        repository, consultation_id, lambda c: c.close_early(by, at, reason)
    )


async def cancel_consultation(
    repository: Repository, consultation_id: UUID, by: StaffId, at: datetime, *, reason: str
) -> int | None:
    return await change_consultation(
        repository, consultation_id, lambda c: c.cancel(by, at, reason)
    )


async def remove_document(
    repository: Repository, consultation_id: UUID, by: StaffId, at: datetime, *, document: UUID
) -> int | None:
    return await change_consultation(
        repository, consultation_id, lambda c: c.remove_document(by, at, document)
    )


async def set_double_keying(
    repository: Repository, consultation_id: UUID, by: StaffId, at: datetime, *, required: bool
) -> int | None:
    """Whether this consultation's letters are keyed twice and reconciled."""
    return await change_consultation(
        repository, consultation_id, lambda c: c.set_double_keying(by, at, required)
    )
