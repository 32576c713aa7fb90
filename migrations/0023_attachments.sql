-- A brief or a scan, decided on with its opinion's publication: served publicly only
-- once a moderator published it.
ALTER TABLE public_submissions ADD COLUMN attachment_published boolean NOT NULL DEFAULT false;
