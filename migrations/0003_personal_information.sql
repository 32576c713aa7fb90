-- Personal information is sealed with a key per person; erasing the person destroys
-- the key (crypto-shredding), so the append-only event log keeps no readable trace.
CREATE TABLE participant_keys (
    participant_id uuid PRIMARY KEY,
    key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Owned by the public_submissions projection: ciphertext only, never plaintext.
CREATE TABLE private_participants (
    participant_id uuid PRIMARY KEY,
    sealed text,
    region text,
    erased_at timestamptz
);

-- Which rows carry a consented display name, so a change of name or an erasure
-- reaches every one of them.
ALTER TABLE public_submissions ADD COLUMN participant_id uuid;
ALTER TABLE public_submissions ADD COLUMN show_name boolean NOT NULL DEFAULT false;
CREATE INDEX public_submissions_participant_idx ON public_submissions (participant_id);
