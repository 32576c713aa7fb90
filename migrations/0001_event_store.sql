-- The event store: the same tables as eventsourcing's PostgresApplicationRecorder
-- and PostgresTrackingRecorder (single-row tracking), so either can read the other's.
CREATE TABLE IF NOT EXISTS stored_events (
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);

CREATE UNIQUE INDEX IF NOT EXISTS stored_events_notification_id_idx
    ON stored_events (notification_id ASC);

CREATE TABLE IF NOT EXISTS notification_tracking (
    application_name text,
    notification_id bigint,
    PRIMARY KEY (application_name)
);

-- The library marks a single-row tracking table with this row; without it,
-- its recorder would "migrate" (rename) our table on start.
INSERT INTO notification_tracking VALUES ('__migration__', 1)
    ON CONFLICT (application_name) DO NOTHING;

-- The library's composite type, so its recorder finds what it expects.
DO $$ BEGIN
    CREATE TYPE stored_event_uuid AS (
        originator_id uuid, originator_version bigint, topic text, state bytea);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- One round trip per append: take the table lock (notification ids in commit
-- order, never interleaved), wake followers, insert, return the new ids.
CREATE OR REPLACE FUNCTION tribune_insert_events(
    ids uuid[], versions bigint[], topics text[], states bytea[]
) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE stored_events IN EXCLUSIVE MODE;
    NOTIFY stored_events;
    RETURN QUERY
        INSERT INTO stored_events (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(ids, versions, topics, states)
        RETURNING notification_id;
END
$$;

-- Advance a tracking position; a position at or below the current one is refused.
CREATE OR REPLACE FUNCTION tribune_insert_tracking(app text, pos bigint)
RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO notification_tracking AS t VALUES (app, pos)
    ON CONFLICT (application_name) DO UPDATE SET notification_id = excluded.notification_id
    WHERE t.notification_id < excluded.notification_id
    RETURNING notification_id;
$$;
