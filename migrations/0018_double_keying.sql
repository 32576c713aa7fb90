-- Verified transcription: a consultation may ask for each letter to be keyed twice,
-- blind, and the two keyings reconciled by a third clerk before moderation.
ALTER TABLE public_consultations ADD COLUMN letters_keyed_twice boolean NOT NULL DEFAULT false;
ALTER TABLE admin_consultations ADD COLUMN letters_keyed_twice boolean NOT NULL DEFAULT false;
ALTER TABLE clerk_submissions ADD COLUMN second_keyed_by text;
ALTER TABLE clerk_submissions ADD COLUMN second_keyed_at timestamptz;
ALTER TABLE clerk_submissions ADD COLUMN second_text text;
ALTER TABLE clerk_submissions ADD COLUMN reconciled_by text;
ALTER TABLE clerk_submissions ADD COLUMN agreed boolean;
CREATE INDEX clerk_submissions_keying_idx ON clerk_submissions (keyed_at) WHERE status = 'keying';
