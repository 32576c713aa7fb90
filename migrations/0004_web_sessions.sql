-- Server-side sessions: revocable, with idle and absolute timeouts. The cookie holds
-- a random id of 256 bits; the table keeps only its SHA-256, so a copy of the table
-- opens no session.
CREATE TABLE web_sessions (
    id_hash bytea PRIMARY KEY,
    data jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamptz NOT NULL DEFAULT now(),
    idle_seconds integer NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);
