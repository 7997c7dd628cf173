-- Email in: mailboxes, and the inbound log that keeps every received message (its original
-- bytes, up to a size limit) with what became of it. Organizations get a mail domain, so a
-- sender is placed by the domain of its address when no contact has that address.

ALTER TABLE organizations ADD COLUMN email_domain TEXT;
CREATE INDEX organizations_email_domain ON organizations (email_domain);

CREATE TABLE mailboxes (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL,
    queue            TEXT    NOT NULL CHECK (queue IN ('incident', 'request')),
    service_id       BIGINT  REFERENCES services (id),
    team_id          BIGINT  REFERENCES teams (id),
    imap_host        TEXT,
    imap_port        BIGINT,
    imap_security    TEXT    NOT NULL CHECK (imap_security IN ('tls', 'starttls', 'plain')),
    imap_user        TEXT,
    imap_password    TEXT,
    imap_folder      TEXT    NOT NULL,
    internal_domains TEXT    NOT NULL,
    unknown_senders  TEXT    NOT NULL CHECK (unknown_senders IN ('reject', 'create_contact')),
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    last_polled_at   BIGINT,
    last_error       TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE UNIQUE INDEX mailboxes_name_key ON mailboxes (lower(name));

CREATE TABLE inbound_messages (
    id          INTEGER PRIMARY KEY,
    mailbox_id  BIGINT  REFERENCES mailboxes (id),
    received_at BIGINT  NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('received', 'ignored', 'rejected')),
    reason      TEXT,
    action      TEXT    CHECK (action IN ('created', 'replied', 'noted')),
    sender      TEXT,
    subject     TEXT,
    message_id  TEXT,
    -- `id:<Message-ID>`, or `sha256:<hex of the bytes>` without one: a second delivery of
    -- the same message finds its first.
    dedupe_key  TEXT    NOT NULL UNIQUE,
    ticket_id   BIGINT  REFERENCES tickets (id),
    comment_id  BIGINT,
    size_bytes  BIGINT  NOT NULL,
    truncated   BOOLEAN NOT NULL,
    raw         BLOB    NOT NULL
);
CREATE INDEX inbound_messages_message_id ON inbound_messages (message_id);
CREATE INDEX inbound_messages_received ON inbound_messages (received_at);
