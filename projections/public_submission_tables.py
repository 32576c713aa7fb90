"""The tables the public submissions read model owns: what the public reads
(submissions, their counts, the moderation ledger) and the private tables it fills
them from (texts before redaction, people's sealed fields)."""

from __future__ import annotations

from projections.engine.batch import Table

SUBMISSIONS = Table(
    "public_submissions",
    key="submission_id",
    types={
        "submission_id": "uuid",
        "consultation_id": "uuid",
        "receipt_number": "text",
        "channel": "text",
        "language": "text",
        "region": "text",
        "status": "text",
        "appeal_status": "text",
        "refusal_reason": "text",
        "received_at": "timestamptz",
        "published_at": "timestamptz",
        "text": "text",
        "display_name": "text",
        "participant_id": "uuid",
        "show_name": "boolean",
        "attachment_published": "boolean",
    },
)
PARTICIPANTS = Table(
    "private_participants",
    key="participant_id",
    types={
        "participant_id": "uuid",
        "sealed": "text",
        "region": "text",
        "erased_at": "timestamptz",
    },
)
TEXTS = Table(
    "private_submission_texts",
    key="submission_id",
    types={"submission_id": "uuid", "text": "text", "sealed": "text"},
)
LEDGER = Table(
    "public_ledger",
    key="notification_id",
    types={
        "notification_id": "bigint",
        "consultation_id": "uuid",
        "submission_id": "uuid",
        "receipt_number": "text",
        "decision": "text",
        "reason_codes": "text",
        "moderator": "text",
        "decided_at": "timestamptz",
    },
)
COUNTS = Table("public_counts", key="consultation_id", types={})
