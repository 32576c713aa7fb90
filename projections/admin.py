"""The organizers' read models: every consultation (drafts too) and its history.

Kept apart from the public tables so the admin never shows less than what was
decided (a draft, a removed document) and the public never shows more.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import Consultation
from projections import consultation_queries
from projections.engine.base import Projection
from projections.engine.batch import Batch, Table
from projections.engine.recorded import event_name
from projections.events import Acted
from projections.public_consultations import CONSULTATION_EVENTS, CONTENT_TYPES
from projections.public_consultations import CONSULTATIONS as PUBLIC_CONSULTATIONS

CONSULTATIONS = Table(
    "admin_consultations",
    key="consultation_id",
    types={**PUBLIC_CONSULTATIONS.types, "version": "integer", "changed_at": "timestamptz"},
)
HISTORY = Table(
    "admin_history",
    key="position",
    types={
        "position": "bigint",
        "consultation_id": "uuid",
        "event_name": "text",
        "staff_id": "text",
        "happened_at": "timestamptz",
        "details": "jsonb",
    },
)
JSON_FIELDS = {name for name, kind in CONSULTATIONS.types.items() if kind == "jsonb"}


def _column(name: str, value: Any) -> Any:
    return json.dumps(value) if name in JSON_FIELDS and value is not None else value


def _plain(value: Any) -> Any:
    """Event values as JSON: instants in ISO 8601, ids as text."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class AdminConsultations(Projection):
    name = "admin_consultations"
    tables = (CONSULTATIONS, HISTORY)
    handles = CONSULTATION_EVENTS

    def _record(self, batch: Batch, e: Acted, position: int, **details: Any) -> None:
        batch.insert(
            HISTORY,
            position=position,
            consultation_id=e.originator_id,
            event_name=event_name(e),
            staff_id=e.by,
            happened_at=e.at,
            details=json.dumps(_plain(details)),
        )

    def _set(self, batch: Batch, e: Acted, **columns: Any) -> None:
        values = {k: _column(k, v) for k, v in columns.items()}
        batch.update(
            CONSULTATIONS,
            e.originator_id,
            version=e.originator_version,
            changed_at=e.at,
            **values,
        )

    def consultation_drafted(self, batch: Batch, e: Consultation.Drafted, position: int) -> None:
        row = {k: _column(k, getattr(e, k)) for k in CONTENT_TYPES}
        batch.insert(
            CONSULTATIONS,
            consultation_id=e.originator_id,
            status="draft",
            version=e.originator_version,
            changed_at=e.at,
            **row,
        )
        self._record(batch, e, position, title=e.title)

    def consultation_edited(self, batch: Batch, e: Consultation.Edited, position: int) -> None:
        self._set(batch, e, **e.changes)
        self._record(batch, e, position, fields=sorted(e.changes))

    def consultation_scheduled(
        self, batch: Batch, e: Consultation.Scheduled, position: int
    ) -> None:
        self._set(batch, e, status="scheduled")
        self._record(batch, e, position)

    def consultation_opened(self, batch: Batch, e: Consultation.Opened, position: int) -> None:
        self._set(batch, e, status="scheduled", opens_at=e.at)
        self._record(batch, e, position)

    def consultation_deadline_extended(
        self, batch: Batch, e: Consultation.DeadlineExtended, position: int
    ) -> None:
        self._set(batch, e, closes_at=e.new_closes_at)
        self._record(batch, e, position, new_closes_at=e.new_closes_at)

    def consultation_closed_early(
        self, batch: Batch, e: Consultation.ClosedEarly, position: int
    ) -> None:
        self._set(batch, e, closes_at=e.at, closed_early_reason=e.reason)
        self._record(batch, e, position, reason=e.reason)

    def consultation_cancelled(
        self, batch: Batch, e: Consultation.Cancelled, position: int
    ) -> None:
        self._set(batch, e, status="cancelled", cancelled_reason=e.reason)
        self._record(batch, e, position, reason=e.reason)

    def consultation_double_keying_set(
        self, batch: Batch, e: Consultation.DoubleKeyingSet, position: int
    ) -> None:
        self._set(batch, e, letters_keyed_twice=e.required)
        self._record(batch, e, position, required=e.required)

    def consultation_report_published(
        self, batch: Batch, e: Consultation.ReportPublished, position: int
    ) -> None:
        self._set(
            batch,
            e,
            report_summary=e.summary,
            report_document=e.document,
            report_published_at=e.at,
        )
        self._record(batch, e, position, document=e.document)

    def consultation_document_attached(
        self, batch: Batch, e: Consultation.DocumentAttached, position: int
    ) -> None:
        document = {"id": e.document_id, "title": e.title, "filename": e.filename, "size": e.size}
        self._set(batch, e)
        batch.execute(
            "UPDATE admin_consultations SET documents = documents || $2::jsonb"
            " WHERE consultation_id = $1",
            e.originator_id,
            json.dumps([_plain(document)]),
        )
        self._record(batch, e, position, **document)

    def consultation_document_removed(
        self, batch: Batch, e: Consultation.DocumentRemoved, position: int
    ) -> None:
        self._set(batch, e)
        batch.execute(
            "UPDATE admin_consultations SET documents = coalesce((SELECT jsonb_agg(d ORDER BY n)"
            " FROM jsonb_array_elements(documents) WITH ORDINALITY AS x(d, n)"
            " WHERE d->>'id' <> $2), '[]'::jsonb) WHERE consultation_id = $1",
            e.originator_id,
            str(e.document_id),
        )
        self._record(batch, e, position, id=e.document_id)


# Queries ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AdminConsultation(consultation_queries.Consultation):
    """The public view's fields, drafts included, and what an edit must name."""

    version: int
    changed_at: datetime

    def phase(self, now: datetime) -> str:
        return "draft" if self.status == "draft" else super().phase(now)

    def as_public(self) -> consultation_queries.Consultation:
        """The public page's view of this consultation, as if it were published now."""
        return consultation_queries.Consultation(
            **{f.name: getattr(self, f.name) for f in fields(consultation_queries.Consultation)}
        )


@dataclass(frozen=True)
class HistoryEntry:
    position: int
    event_name: str
    by: str
    at: datetime
    details: dict[str, Any]


_COLUMNS = ", ".join(
    "consultation_id AS id" if name == "consultation_id" else name
    for name in [*CONSULTATIONS.types, "documents"]
)


def _consultation(row: Any) -> AdminConsultation:
    values = dict(row)
    for name in [*JSON_FIELDS, "documents"]:
        if values[name] is not None:
            values[name] = json.loads(values[name])
    return AdminConsultation(**values)


async def consultations(conn: Any) -> list[AdminConsultation]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM admin_consultations ORDER BY opens_at DESC")
    return [_consultation(row) for row in rows]


async def consultation(conn: Any, consultation_id: UUID) -> AdminConsultation | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM admin_consultations WHERE consultation_id = $1", consultation_id
    )
    return None if row is None else _consultation(row)


def _entry(row: Any) -> HistoryEntry:
    details = json.loads(row["details"])
    for key, value in details.items():
        if key.endswith("_at") and isinstance(value, str):
            details[key] = datetime.fromisoformat(value)
    return HistoryEntry(
        row["position"], row["event_name"], row["staff_id"], row["happened_at"], details
    )


async def history(conn: Any, consultation_id: UUID) -> list[HistoryEntry]:
    rows = await conn.fetch(
        "SELECT position, event_name, staff_id, happened_at, details FROM admin_history"
        " WHERE consultation_id = $1 ORDER BY position DESC",
        consultation_id,
    )
    return [_entry(row) for row in rows]


@dataclass(frozen=True)
class StoredDocument:
    filename: str
    content: bytes


async def document(
    conn: Any, consultation_id: UUID, document_id: UUID, *, public: bool
) -> StoredDocument | None:
    """A document's bytes; for the public, only while attached to a public consultation
    (or the report of one)."""
    row = await conn.fetchrow(
        "SELECT d.filename, d.content FROM documents d"
        " JOIN admin_consultations c USING (consultation_id)"
        " WHERE d.document_id = $1 AND d.consultation_id = $2 AND (NOT $3 OR ("
        " c.status <> 'draft' AND (c.report_document = $1::text"
        " OR c.documents @> jsonb_build_array(jsonb_build_object('id', $1::text)))))",
        document_id,
        consultation_id,
        public,
    )
    return None if row is None else StoredDocument(row["filename"], bytes(row["content"]))
