-- Outgoing mail. The dispatcher turns events (audit entries, SLA notifications) into rows
-- here in the same transaction that advances its cursor, so each event is mailed once; the
-- sender claims due rows (status 'sending' until claimed_until), sends, and marks them sent,
-- or records the error and the next attempt. Digest rows wait for the daily digest, which
-- folds them into one mail per person. SMTP settings, templates and preferences are
-- settings (JSON under a key), so they need no table.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT   NOT NULL,
    user_id         BIGINT REFERENCES users (id),
    to_address      TEXT   NOT NULL,
    record_number   TEXT,
    subject         TEXT   NOT NULL,
    body            TEXT   NOT NULL,
    message_id      TEXT   NOT NULL UNIQUE,
    in_reply_to     TEXT,
    references_ids  TEXT,
    status          TEXT   NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'digest', 'digested')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_record ON mail_outbox (record_number, id);
CREATE INDEX mail_outbox_user ON mail_outbox (user_id, status);

-- Where each event source's dispatcher stands: the last audit seq, the last notification id.
-- Existing installations start at their present head, so history is never mailed.
CREATE TABLE mail_cursors (
    name     TEXT   NOT NULL PRIMARY KEY,
    position BIGINT NOT NULL
);
INSERT INTO mail_cursors (name, position) SELECT 'audit', seq FROM audit_head WHERE id = 1;
INSERT INTO mail_cursors (name, position) SELECT 'notifications', COALESCE(MAX(id), 0) FROM notifications;
INSERT INTO mail_cursors (name, position) VALUES ('digest_day', 0);
