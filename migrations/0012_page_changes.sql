-- A submission's public page is kept by the web workers until what it shows changes,
-- instead of being rendered again every few seconds (app/pagechanges.py): the statement
-- that changes rows says which, on the channel `public_pages`, in its own transaction
-- (so the notice is delivered at commit, and not at all on a rollback). Its payload is
-- the changed receipt numbers, separated by spaces, or '*' for "any page": too many
-- rows for one notice (a replay), rows emptied, or a consultation changed (a submission's
-- page shows its consultation's title, and only while that is public).
CREATE FUNCTION public_submission_pages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    receipts text;
BEGIN
    SELECT CASE WHEN count(*) <= 500 THEN string_agg(receipt_number, ' ') ELSE '*' END
    INTO receipts FROM changed;
    IF receipts IS NOT NULL THEN
        PERFORM pg_notify('public_pages', receipts);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION public_pages_all_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('public_pages', '*');
    RETURN NULL;
END $$;

CREATE TRIGGER public_pages_on_update AFTER UPDATE ON public_submissions
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION public_submission_pages_changed();
CREATE TRIGGER public_pages_on_delete AFTER DELETE OR TRUNCATE ON public_submissions
    FOR EACH STATEMENT EXECUTE FUNCTION public_pages_all_changed();
CREATE TRIGGER public_pages_on_consultations AFTER UPDATE OR DELETE OR TRUNCATE
    ON public_consultations FOR EACH STATEMENT EXECUTE FUNCTION public_pages_all_changed();
