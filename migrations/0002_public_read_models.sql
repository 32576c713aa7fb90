-- Read models of the public site. Owned by projections/public.py; rebuilt from events.
CREATE EXTENSION IF NOT EXISTS unaccent;

-- French full-text search that ignores accents ("élève" finds "eleve").
DO $$ BEGIN
    CREATE TEXT SEARCH CONFIGURATION tribune_fr (COPY = french);
EXCEPTION WHEN unique_violation THEN NULL;
END $$;
ALTER TEXT SEARCH CONFIGURATION tribune_fr
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;

CREATE TABLE public_consultations (
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
    report_published_at timestamptz
);

CREATE TABLE public_submissions (
    submission_id uuid PRIMARY KEY,
    consultation_id uuid NOT NULL,
    receipt_number text NOT NULL UNIQUE,
    channel text NOT NULL,
    language text NOT NULL,
    region text,
    status text NOT NULL,
    appeal_status text NOT NULL DEFAULT 'none',
    refusal_reason text,
    received_at timestamptz NOT NULL,
    published_at timestamptz,
    text text,               -- as published (redactions applied); NULL unless published
    display_name text,       -- only where the author consented
    search tsvector GENERATED ALWAYS AS (to_tsvector('tribune_fr', coalesce(text, ''))) STORED
);
CREATE INDEX public_submissions_published_idx ON public_submissions
    (consultation_id, published_at DESC, submission_id DESC) WHERE status = 'published';
CREATE INDEX public_submissions_search_idx ON public_submissions USING gin (search);

-- The full text, kept apart: needed to publish (with redactions), never shown as is.
CREATE TABLE private_submission_texts (
    submission_id uuid PRIMARY KEY,
    text text NOT NULL
);

CREATE TABLE public_ledger (
    notification_id bigint PRIMARY KEY,
    consultation_id uuid NOT NULL,
    submission_id uuid NOT NULL,
    receipt_number text NOT NULL,
    decision text NOT NULL,
    reason_codes text,
    moderator text,          -- a pseudonym, stable per moderator
    decided_at timestamptz NOT NULL
);
CREATE INDEX public_ledger_consultation_idx ON public_ledger (consultation_id, notification_id DESC);

-- Counts by channel, region and status, kept by statement-level triggers: one
-- grouped statement per batch, and always equal to a count of the rows.
CREATE TABLE public_counts (
    consultation_id uuid NOT NULL,
    channel text NOT NULL,
    region text NOT NULL,    -- '' when not given
    status text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (consultation_id, channel, region, status)
);

CREATE FUNCTION public_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public_counts AS c (consultation_id, channel, region, status, n)
    SELECT consultation_id, channel, coalesce(region, ''), status, count(*)
    FROM added GROUP BY 1, 2, 3, 4
    ON CONFLICT (consultation_id, channel, region, status) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;

CREATE FUNCTION public_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public_counts AS c (consultation_id, channel, region, status, n)
    SELECT consultation_id, channel, region, status, sum(d) FROM (
        SELECT consultation_id, channel, coalesce(region, '') AS region, status, -1 AS d FROM before
        UNION ALL
        SELECT consultation_id, channel, coalesce(region, ''), status, 1 FROM after
    ) moved GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0
    ON CONFLICT (consultation_id, channel, region, status) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;

CREATE TRIGGER public_counts_on_insert AFTER INSERT ON public_submissions
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION public_counts_add();
CREATE TRIGGER public_counts_on_update AFTER UPDATE ON public_submissions
    REFERENCING OLD TABLE AS before NEW TABLE AS after
    FOR EACH STATEMENT EXECUTE FUNCTION public_counts_move();
