-- The organizers' admin: documents' bytes, and the admin's read models.

-- A consultation's documents and reports as uploaded (PDF). Written by the web app in
-- the same transaction as the event that attaches them; the event carries the id,
-- titles, name and size, never the bytes. Not a read model: never truncated.
CREATE TABLE documents (
    document_id uuid PRIMARY KEY,
    consultation_id uuid NOT NULL,
    filename text NOT NULL,
    content bytea NOT NULL,
    size integer NOT NULL,
    sha256 text NOT NULL,
    uploaded_by text NOT NULL,
    uploaded_at timestamptz NOT NULL
);
CREATE INDEX documents_consultation_idx ON documents (consultation_id);

-- Owned by projections/admin.py: every consultation, drafts included.
CREATE TABLE admin_consultations (
    consultation_id uuid PRIMARY KEY,
    status text NOT NULL,
    title jsonb NOT NULL,
    summary jsonb NOT NULL,
    body jsonb NOT NULL,
    questions jsonb NOT NULL,
    opens_at timestamptz NOT NULL,
    closes_at timestamptz NOT NULL,
    mail_grace_days integer NOT NULL,
    postal_address text NOT NULL,
    phone text NOT NULL,
    phone_hours jsonb NOT NULL,
    closed_early_reason text,
    cancelled_reason text,
    report_summary jsonb,
    report_document text,
    report_published_at timestamptz,
    documents jsonb NOT NULL DEFAULT '[]',
    version integer NOT NULL,
    changed_at timestamptz NOT NULL
);

-- Who did what to which consultation, and when: one row per event.
CREATE TABLE admin_history (
    position bigint PRIMARY KEY,
    consultation_id uuid NOT NULL,
    event_name text NOT NULL,
    staff_id text NOT NULL,     -- the staff provider's pseudonymous id, not a name
    happened_at timestamptz NOT NULL,
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX admin_history_consultation_idx ON admin_history (consultation_id, position);

-- For the public_consultations projection to list a consultation's documents.
ALTER TABLE public_consultations ADD COLUMN documents jsonb NOT NULL DEFAULT '[]';
