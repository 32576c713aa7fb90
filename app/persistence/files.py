"""Files kept beside the events that name them, written in the same transaction
(`app.services.commands.save_with`): the organizers' documents and report, and the
citizens' briefs.

A brief is the PDF beside a submission, named (size, SHA-256) in its `Received`
event; shown to its author only (the moderators' review of briefs, and so their
publication, is still to come); deleted when the author is erased.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from app.persistence.db import Conn
from domain import Submission


@dataclass(frozen=True)
class Upload:
    """An uploaded file, already checked by its content (its first bytes)."""

    filename: str
    content: bytes
    media_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Pdf:
    """An uploaded PDF, already checked by its content."""

    filename: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)


async def store_document(
    conn: Conn, consultation_id: UUID, document_id: UUID, pdf: Pdf, by: str
) -> None:
    """An organizer's PDF, in the caller's transaction with the event that names it."""
    await conn.execute(
        "INSERT INTO documents (document_id, consultation_id, filename, content, size,"
        " sha256, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        document_id,
        consultation_id,
        pdf.filename,
        pdf.content,
        pdf.size,
        pdf.sha256,
        by,
    )


@dataclass(frozen=True)
class Brief:
    content: bytes
    size: int


async def store_brief(conn: Conn, submission: Submission, content: bytes) -> None:
    """Once per submission: a concurrent copy of the same form waits, then does nothing."""
    await conn.execute(
        "INSERT INTO submission_briefs (submission_id, participant_id, content, size, sha256)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (submission_id) DO NOTHING",
        submission.id,
        submission.participant_id,
        content,
        len(content),
        submission.brief_sha256,
    )


async def brief_size(conn: Conn, submission_id: UUID) -> int | None:
    size: int | None = await conn.fetchval(
        "SELECT size FROM submission_briefs WHERE submission_id = $1", submission_id
    )
    return size


async def brief_of(conn: Conn, submission_id: UUID) -> Brief | None:
    row = await conn.fetchrow(
        "SELECT content, size FROM submission_briefs WHERE submission_id = $1", submission_id
    )
    return Brief(row["content"], row["size"]) if row else None


async def store_scan(conn: Conn, submission_id: UUID, participant_id: UUID, scan: Upload) -> None:
    """Once per submission, in the transaction that saves its `Received` event."""
    await conn.execute(
        "INSERT INTO letter_scans (submission_id, participant_id, content, size, sha256,"
        " media_type) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (submission_id) DO NOTHING",
        submission_id,
        participant_id,
        scan.content,
        len(scan.content),
        scan.sha256,
        scan.media_type,
    )


async def scan_of(conn: Conn, submission_id: UUID) -> Upload | None:
    row = await conn.fetchrow(
        "SELECT content, media_type FROM letter_scans WHERE submission_id = $1", submission_id
    )
    return Upload("scan", row["content"], row["media_type"]) if row else None


async def scan_kind(conn: Conn, submission_id: UUID) -> tuple[str, int] | None:
    """The scan's media type and size, without its bytes; None without a scan."""
    row = await conn.fetchrow(
        "SELECT media_type, size FROM letter_scans WHERE submission_id = $1", submission_id
    )
    return (row["media_type"], row["size"]) if row else None


async def attachment_of(conn: Conn, submission_id: UUID) -> Upload | None:
    """A submission's brief (online) or scan (a letter): what a moderator decides on."""
    brief = await brief_of(conn, submission_id)
    if brief is not None:
        return Upload("memoire.pdf", brief.content, "application/pdf")
    return await scan_of(conn, submission_id)


async def erase_briefs(conn: Conn, participant_id: UUID) -> None:
    """The person's briefs, scans and drafts go with their key: a PDF or an image cannot
    be redacted."""
    await conn.execute("DELETE FROM submission_briefs WHERE participant_id = $1", participant_id)
    await conn.execute("DELETE FROM letter_scans WHERE participant_id = $1", participant_id)
    await conn.execute("DELETE FROM citizen_drafts WHERE participant_id = $1", participant_id)
