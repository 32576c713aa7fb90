-- "Mail" is a postal letter (Channel.MAIL); electronic mail is "email". The email
-- tables of 0007 take the word, and so does their projection's tracking row.
ALTER TABLE outgoing_mail RENAME TO outgoing_email;
ALTER TABLE outgoing_email RENAME COLUMN mail_id TO email_id;
ALTER INDEX outgoing_mail_created_idx RENAME TO outgoing_email_created_idx;
ALTER INDEX outgoing_mail_pkey RENAME TO outgoing_email_pkey;
ALTER TABLE mail_submissions RENAME TO email_submissions;
ALTER INDEX mail_submissions_pkey RENAME TO email_submissions_pkey;
ALTER TABLE mail_deliveries RENAME TO email_deliveries;
ALTER TABLE email_deliveries RENAME COLUMN mail_id TO email_id;
ALTER INDEX mail_deliveries_due_idx RENAME TO email_deliveries_due_idx;
ALTER INDEX mail_deliveries_pkey RENAME TO email_deliveries_pkey;
UPDATE notification_tracking SET application_name = 'outgoing_email'
    WHERE application_name = 'outgoing_mail';
