-- Decision letters and call-backs owed to letter writers and callers: the clerks print
-- (or phone) the outcome notices of outgoing_email for keyed submissions, and a printed
-- batch of decisions marks them sent up to that moment.
ALTER TABLE clerk_submissions ADD COLUMN decisions_sent_at timestamptz;
ALTER TABLE clerk_submissions ADD COLUMN decisions_sent_by text;
