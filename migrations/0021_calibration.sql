-- Calibration (owned by projections/calibration.py, rebuilt from events): the first
-- decisions sent back, blind, to a second moderator, and the pairs of decisions.
CREATE TABLE calibration_items (
    submission_id uuid PRIMARY KEY,
    consultation_id uuid NOT NULL,
    received_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    keyed_by text,
    decided_by text,          -- who took the first decision: never the calibrating one
    ready boolean NOT NULL,   -- decided, not yet calibrated, not withdrawn
    done boolean NOT NULL
);
CREATE INDEX calibration_items_ready_idx ON calibration_items (received_at, recorded_at)
    WHERE ready AND NOT done;

CREATE TABLE calibration_pairs (
    submission_id uuid PRIMARY KEY,
    first_outcome text NOT NULL,
    first_reasons text NOT NULL,   -- charter codes, comma-separated ('' for none)
    second_outcome text NOT NULL,
    second_reasons text NOT NULL,
    recorded_at timestamptz NOT NULL
);

-- Who holds which calibration item, until when (working state, as moderation_leases).
CREATE TABLE calibration_leases (
    submission_id uuid PRIMARY KEY,
    moderator text NOT NULL,
    expires_at timestamptz NOT NULL
);
