-- Who a staff id is, for the staff's own pages (today's keying per clerk, who keyed a
-- letter): the name the body's identity provider gave at the last sign-in. Working
-- state, not facts: events name staff by id only; never shown on public pages.
CREATE TABLE staff_names (
    staff_id text PRIMARY KEY,
    name text NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now()
);
