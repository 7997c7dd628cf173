-- Customer satisfaction (ISO/IEC 20000-1 8.3.2): one survey per resolved incident or request,
-- offered to its requester when the record is first resolved and answered once (a rating of 1
-- to 5 and a comment), in the portal or by a signed link that expires. Only the SHA-256 of the
-- link's token is stored; the token itself is derived again from the server's key (settings
-- key `survey_link_key`) when staff need the link.
CREATE TABLE satisfaction_surveys (
    id           INTEGER PRIMARY KEY,
    ticket_id    BIGINT NOT NULL UNIQUE REFERENCES tickets (id),
    requester_id BIGINT NOT NULL REFERENCES users (id),
    token_hash   TEXT   NOT NULL UNIQUE,
    offered_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    answered_at  BIGINT,
    answered_via TEXT CHECK (answered_via IN ('portal', 'link')),
    rating       BIGINT CHECK (rating BETWEEN 1 AND 5),
    comment      TEXT,
    low          BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX satisfaction_surveys_offered ON satisfaction_surveys (offered_at);
CREATE INDEX satisfaction_surveys_answered ON satisfaction_surveys (answered_at);
