-- The moderators' queue (owned by projections/moderation.py, rebuilt from events):
-- each submission waiting for a moderator, at which stage, and who took part so far,
-- so that no one decides twice on it. Nothing here says the channel, the name or the
-- region: the queue is blind.
CREATE TABLE moderation_items (
    submission_id uuid PRIMARY KEY,
    consultation_id uuid NOT NULL,
    received_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,  -- when it was recorded: the order within a day
    stage text,               -- first, confirm, appeal; NULL when no moderator is awaited
    keyed_by text,
    proposed_by text,
    refused_by text,
    reason text,              -- the refusal proposed
    note text,
    appeal_text text,
    has_brief boolean NOT NULL DEFAULT false,
    has_scan boolean NOT NULL DEFAULT false
);
CREATE INDEX moderation_items_waiting_idx ON moderation_items (received_at, recorded_at, submission_id)
    WHERE stage IS NOT NULL;

-- Who holds which item for a few minutes (working state, not facts: no events). An
-- expired lease puts the item back in the queue.
CREATE TABLE moderation_leases (
    submission_id uuid PRIMARY KEY,
    moderator text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX moderation_leases_moderator_idx ON moderation_leases (moderator);
