-- Configuration items (8.2.6): typed CIs, typed relations and the history of every change.
-- A service is a CI too: its CI row carries service_id.

CREATE TABLE cis (
    id          INTEGER PRIMARY KEY,
    name        TEXT   NOT NULL,
    ci_type     TEXT   NOT NULL CHECK (ci_type IN ('server', 'application', 'database', 'network', 'service')),
    status      TEXT   NOT NULL CHECK (status IN ('planned', 'active', 'maintenance', 'retired')),
    owner_id    BIGINT REFERENCES users (id),
    description TEXT,
    attributes  TEXT   NOT NULL DEFAULT '{}',
    service_id  BIGINT UNIQUE REFERENCES services (id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX cis_type_name_key ON cis (ci_type, lower(name));

-- source <kind> target: an application runs_on a server, a service depends_on a database,
-- a disk is part_of a server, a server connects_to a network.
-- dependent_id/dependency_id restate the relation in the direction a failure travels (the
-- dependency fails, the dependent is affected), so impact analysis is one indexed recursive
-- join whatever the kind. service_managed relations mirror services.depends_on.
CREATE TABLE ci_relations (
    id              INTEGER PRIMARY KEY,
    source_id       BIGINT  NOT NULL REFERENCES cis (id),
    target_id       BIGINT  NOT NULL REFERENCES cis (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('depends_on', 'runs_on', 'connects_to', 'part_of')),
    dependent_id    BIGINT  NOT NULL,
    dependency_id   BIGINT  NOT NULL,
    service_managed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT  NOT NULL,
    UNIQUE (source_id, target_id, kind)
);
CREATE INDEX ci_relations_dependency ON ci_relations (dependency_id, dependent_id);
CREATE INDEX ci_relations_target ON ci_relations (target_id);

CREATE TABLE ci_history (
    id          INTEGER PRIMARY KEY,
    ci_id       BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor_id    BIGINT,
    actor       TEXT   NOT NULL,
    action      TEXT   NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX ci_history_ci ON ci_history (ci_id, id);

-- Configuration audits (8.2.6 "verify accuracy"): each run and what it found.
CREATE TABLE ci_audit_runs (
    id            INTEGER PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor         TEXT   NOT NULL,
    discovered    BIGINT NOT NULL,
    discrepancies TEXT   NOT NULL
);
