-- Whoever keyed a letter a second time or settled its text does not moderate it either.
ALTER TABLE moderation_items ADD COLUMN second_keyed_by text;
ALTER TABLE moderation_items ADD COLUMN reconciled_by text;
