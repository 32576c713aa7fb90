-- Change notices (0012), more exact:
-- * many changed rows are named in several notices of up to 700 receipt numbers each
--   (7 000 bytes; a payload holds at most 8 000), instead of one '*' that made every web
--   worker forget every kept page: a projector catching up, or a rebuild, changes
--   thousands of rows a batch;
-- * a consultation tells only what its submissions' pages show, its title and whether
--   it is public (its status), and also when it is added: a rebuild inserts the rows a
--   page read a moment before had found missing.
CREATE OR REPLACE FUNCTION public_submission_pages_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    receipts text;
BEGIN
    FOR receipts IN
        SELECT string_agg(receipt_number, ' ') FROM (
            SELECT receipt_number, (row_number() OVER () - 1) / 700 AS notice FROM changed
        ) numbered GROUP BY notice
    LOOP
        PERFORM pg_notify('public_pages', receipts);
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION public_consultation_pages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM before_change b JOIN after_change a USING (consultation_id)
        WHERE a.title IS DISTINCT FROM b.title OR a.status IS DISTINCT FROM b.status
    ) THEN
        PERFORM pg_notify('public_pages', '*');
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER public_pages_on_consultations ON public_consultations;
CREATE TRIGGER public_pages_on_consultation_update AFTER UPDATE ON public_consultations
    REFERENCING OLD TABLE AS before_change NEW TABLE AS after_change
    FOR EACH STATEMENT EXECUTE FUNCTION public_consultation_pages_changed();
CREATE TRIGGER public_pages_on_consultations AFTER INSERT OR DELETE OR TRUNCATE
    ON public_consultations FOR EACH STATEMENT EXECUTE FUNCTION public_pages_all_changed();
