-- The clerks' read model (owned by projections/clerk.py, rebuilt from events): every
-- submission as the clerks work with it, whatever its channel, and the history of
-- their corrections. Ciphertext only: names and addresses stay in private_participants.
CREATE TABLE clerk_submissions (
    submission_id uuid PRIMARY KEY,
    consultation_id uuid NOT NULL,
    receipt_number text NOT NULL,
    channel text NOT NULL,
    language text NOT NULL,
    participant_id uuid NOT NULL,
    keyed_by text,                    -- NULL for an online submission
    keyed_at timestamptz NOT NULL,    -- when it was recorded
    received_at timestamptz NOT NULL,
    postmarked_at timestamptz,
    call_started_at timestamptz,
    status text NOT NULL,
    late_reason text,
    decided boolean NOT NULL DEFAULT false,  -- a moderator acted: no correction any more
    printed_at timestamptz,           -- its acknowledgment, printed and mailed
    printed_by text
);
CREATE INDEX clerk_submissions_unprinted_idx ON clerk_submissions (keyed_at)
    WHERE printed_at IS NULL AND keyed_by IS NOT NULL;
CREATE INDEX clerk_submissions_keyed_idx ON clerk_submissions (keyed_at, keyed_by);

CREATE TABLE clerk_corrections (
    position bigint PRIMARY KEY,
    submission_id uuid NOT NULL,
    clerk text NOT NULL,
    corrected_at timestamptz NOT NULL,
    previous_text text NOT NULL,
    text text NOT NULL
);
CREATE INDEX clerk_corrections_submission_idx ON clerk_corrections (submission_id, position);
