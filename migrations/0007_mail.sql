-- Email to online participants: what to send (owned by projections/mail.py, rebuilt
-- from events) and what was done about it (owned by app/mail.py, never rebuilt).

-- One row per email, keyed by the notification id of the event that calls for it, so
-- a replay writes the same rows again. No address here: it is looked up through the
-- vault at send time, so an erasure also stops mail not sent yet.
CREATE TABLE outgoing_mail (
    mail_id bigint PRIMARY KEY,
    submission_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    kind text NOT NULL,
    language text NOT NULL,
    receipt_number text NOT NULL,
    consultation_id uuid NOT NULL,
    reasons text,                    -- charter reason codes, comma-separated
    created_at timestamptz NOT NULL  -- when the event happened
);
-- The sender looks only at recent mail (a first run or a rebuild never floods people
-- with old news).
CREATE INDEX outgoing_mail_created_idx ON outgoing_mail (created_at);

-- The projection's memory of online submissions, for the events after `Received`.
CREATE TABLE mail_submissions (
    submission_id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    language text NOT NULL,
    receipt_number text NOT NULL,
    consultation_id uuid NOT NULL,
    refusal_reason text
);

-- Delivery state, kept by the sender and left alone by a rebuild (no foreign key: a
-- rebuild truncates outgoing_mail): a replayed mail that was sent is not sent again.
CREATE TABLE mail_deliveries (
    mail_id bigint PRIMARY KEY,
    status text NOT NULL CHECK (status IN ('pending', 'sent', 'undeliverable', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    sent_at timestamptz
);
CREATE INDEX mail_deliveries_due_idx ON mail_deliveries (next_attempt_at)
    WHERE status = 'pending';
