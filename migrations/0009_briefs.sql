-- A citizen's brief: a PDF beside the opinion (at most 10 MB, checked by its content).
-- The bytes are not in the event: the Submission's `Received` event names them by
-- SHA-256 and size, and they are written in the same transaction as that event. A brief
-- may hold personal information that no moderator can redact inside a PDF, so erasing
-- the person deletes it (with their drafts); the opinion's text stays.
CREATE TABLE submission_briefs (
    submission_id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    content bytea NOT NULL,
    size integer NOT NULL,
    sha256 text NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submission_briefs_participant ON submission_briefs (participant_id);

-- The draft keeps the uploaded brief until the opinion is sent.
ALTER TABLE citizen_drafts ADD COLUMN brief bytea;
