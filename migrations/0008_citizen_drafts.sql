-- A citizen's draft opinion, kept on the server until sent. Not an event: a draft is
-- not yet a fact of the consultation, and the person may rewrite it at will. It keeps
-- the form's one-time token, so sending the draft twice gives one submission.
CREATE TABLE citizen_drafts (
    participant_id uuid NOT NULL,
    consultation_id uuid NOT NULL,
    form_token text NOT NULL,
    data jsonb NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (participant_id, consultation_id)
);
