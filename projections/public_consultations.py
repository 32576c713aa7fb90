"""The public site's read model of consultations: what each one is, and its status."""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.domain import Aggregate

from domain import Consultation
from projections.engine.base import Projection, events_of
from projections.engine.batch import Batch, Table

# What an organizer writes: the public and the admin read models both keep it.
CONTENT_TYPES = {
    "title": "jsonb",
    "summary": "jsonb",
    "body": "jsonb",
    "questions": "jsonb",
    "opens_at": "timestamptz",
    "closes_at": "timestamptz",
    "mail_grace_days": "integer",
    "postal_address": "text",
    "phone": "text",
    "phone_hours": "jsonb",
}
CONSULTATIONS = Table(
    "public_consultations",
    key="consultation_id",
    types={
        "consultation_id": "uuid",
        "status": "text",
        **CONTENT_TYPES,
        "closed_early_reason": "text",
        "cancelled_reason": "text",
        "report_summary": "jsonb",
        "report_document": "text",
        "report_published_at": "timestamptz",
        "letters_keyed_twice": "boolean",
    },
)
JSON_FIELDS = {name for name, kind in CONSULTATIONS.types.items() if kind == "jsonb"}
# Every event of a consultation: the public and the admin read models both follow them all.
CONSULTATION_EVENTS = events_of(
    Consultation,
    "Drafted",
    "Edited",
    "Scheduled",
    "Opened",
    "DeadlineExtended",
    "ClosedEarly",
    "Cancelled",
    "ReportPublished",
    "DocumentAttached",
    "DocumentRemoved",
    "DoubleKeyingSet",
)


def _column(name: str, value: Any) -> Any:
    return json.dumps(value) if name in JSON_FIELDS and value is not None else value


class PublicConsultations(Projection):
    name = "public_consultations"
    tables = (CONSULTATIONS,)
    handles = CONSULTATION_EVENTS

    def _set(self, batch: Batch, event: Aggregate.Event, **columns: Any) -> None:
        values = {k: _column(k, v) for k, v in columns.items()}
        batch.update(CONSULTATIONS, event.originator_id, **values)

    def consultation_drafted(self, batch: Batch, e: Consultation.Drafted, _: int) -> None:
        fields = {k: getattr(e, k) for k in CONSULTATIONS.types if hasattr(e, k)}
        row = {k: _column(k, v) for k, v in fields.items()}
        batch.insert(CONSULTATIONS, consultation_id=e.originator_id, status="draft", **row)

    def consultation_edited(self, batch: Batch, e: Consultation.Edited, _: int) -> None:
        self._set(batch, e, **e.changes)

    def consultation_scheduled(self, batch: Batch, e: Consultation.Scheduled, _: int) -> None:
        self._set(batch, e, status="scheduled")

    def consultation_opened(self, batch: Batch, e: Consultation.Opened, _: int) -> None:
        self._set(batch, e, status="scheduled", opens_at=e.at)

    def consultation_deadline_extended(
        self, batch: Batch, e: Consultation.DeadlineExtended, _: int
    ) -> None:
        self._set(batch, e, closes_at=e.new_closes_at)

    def consultation_closed_early(self, batch: Batch, e: Consultation.ClosedEarly, _: int) -> None:
        self._set(batch, e, closes_at=e.at, closed_early_reason=e.reason)

    def consultation_cancelled(self, batch: Batch, e: Consultation.Cancelled, _: int) -> None:
        self._set(batch, e, status="cancelled", cancelled_reason=e.reason)

    def consultation_report_published(
        self, batch: Batch, e: Consultation.ReportPublished, _: int
    ) -> None:
        self._set(
            batch,
            e,
            report_summary=e.summary,
            report_document=e.document,
            report_published_at=e.at,
        )

    def consultation_document_attached(
        self, batch: Batch, e: Consultation.DocumentAttached, _: int
    ) -> None:
        document = {
            "id": str(e.document_id),
            "title": e.title,
            "filename": e.filename,
            "size": e.size,
        }
        batch.execute(
            "UPDATE public_consultations SET documents = documents || $2::jsonb"
            " WHERE consultation_id = $1",
            e.originator_id,
            json.dumps([document]),
        )

    def consultation_document_removed(
        self, batch: Batch, e: Consultation.DocumentRemoved, _: int
    ) -> None:
        batch.execute(
            "UPDATE public_consultations SET documents = coalesce((SELECT jsonb_agg(d ORDER BY n)"
            " FROM jsonb_array_elements(documents) WITH ORDINALITY AS x(d, n)"
            " WHERE d->>'id' <> $2), '[]'::jsonb) WHERE consultation_id = $1",
            e.originator_id,
            str(e.document_id),
        )

    def consultation_double_keying_set(
        self, batch: Batch, e: Consultation.DoubleKeyingSet, _: int
    ) -> None:
        self._set(batch, e, letters_keyed_twice=e.required)
