-- A letter's scan: a PDF, PNG or JPEG beside the keyed text (at most 10 MB, checked by
-- its content). As for briefs, the bytes are not in the event: the Submission's
-- `Received` event names them by SHA-256, size and type, and they are written in the
-- same transaction. A scan shows the writer's name and address: erasing the person
-- deletes it; the keyed text stays.
CREATE TABLE letter_scans (
    submission_id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    content bytea NOT NULL,
    size integer NOT NULL,
    sha256 text NOT NULL,
    media_type text NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX letter_scans_participant ON letter_scans (participant_id);
