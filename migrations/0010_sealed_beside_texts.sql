-- The personal fields a submission came with (a postal code), sealed with the person's
-- key, kept beside the private text so the author's own pages read a projection and
-- never an aggregate. Ciphertext only: erasing the person destroys the key.
ALTER TABLE private_submission_texts ADD COLUMN sealed text;
