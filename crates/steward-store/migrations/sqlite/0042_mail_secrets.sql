-- IMAP over TLS may trust a private CA's certificate (PEM) besides the platform's roots, as
-- the SMTP settings do. Mail passwords are no longer kept in plain text: the password column
-- is renamed to say what it holds, and `steward serve` moves each value at start-up into
-- `imap_password_sealed`, encrypted (AES-256-GCM) under a key kept outside the database
-- (secret.key beside the database, or STEWARD_SECRET_KEY), then clears the plain one. The
-- key is not known here, so SQL alone cannot do the move.
ALTER TABLE mailboxes ADD COLUMN imap_trusted_certificate TEXT;
ALTER TABLE mailboxes RENAME COLUMN imap_password TO imap_password_plain;
ALTER TABLE mailboxes ADD COLUMN imap_password_sealed TEXT;
