-- Service continuity (ISO/IEC 20000-1 8.7.2): continuity plans per service, kept in versions
-- (draft → approved → superseded; one approved version per plan at a time), and the tests of
-- a plan's versions. Durations are whole seconds; test dates are `YYYY-MM-DD`.
CREATE TABLE continuity_plans (
    id         INTEGER PRIMARY KEY,
    service_id BIGINT NOT NULL REFERENCES services (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX continuity_plans_service ON continuity_plans (service_id);

CREATE TABLE continuity_plan_versions (
    plan_id             BIGINT NOT NULL REFERENCES continuity_plans (id),
    version             BIGINT NOT NULL CHECK (version >= 1),
    status              TEXT   NOT NULL CHECK (status IN ('draft', 'approved', 'superseded')),
    title               TEXT   NOT NULL,
    invocation_criteria TEXT,
    roles_contacts      TEXT,
    recovery_steps      TEXT,
    rto_seconds         BIGINT NOT NULL CHECK (rto_seconds >= 0),
    rpo_seconds         BIGINT NOT NULL CHECK (rpo_seconds >= 0),
    return_to_normal    TEXT,
    test_interval_days  BIGINT NOT NULL CHECK (test_interval_days >= 1),
    owner_id            BIGINT NOT NULL REFERENCES users (id),
    created_by          BIGINT REFERENCES users (id),
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    approved_by         BIGINT REFERENCES users (id),
    approved_at         BIGINT,
    PRIMARY KEY (plan_id, version)
);

CREATE TABLE continuity_tests (
    id                         INTEGER PRIMARY KEY,
    plan_id                    BIGINT NOT NULL,
    version                    BIGINT NOT NULL,
    tested_on                  TEXT   NOT NULL,
    scenario                   TEXT   NOT NULL,
    achieved_recovery_seconds  BIGINT CHECK (achieved_recovery_seconds >= 0),
    achieved_data_loss_seconds BIGINT CHECK (achieved_data_loss_seconds >= 0),
    result                     TEXT   NOT NULL
        CHECK (result IN ('passed', 'passed_with_deficiencies', 'failed')),
    deficiencies               TEXT,
    follow_up_actions          TEXT,
    recorded_by                BIGINT REFERENCES users (id),
    created_at                 BIGINT NOT NULL,
    FOREIGN KEY (plan_id, version) REFERENCES continuity_plan_versions (plan_id, version)
);
CREATE INDEX continuity_tests_plan ON continuity_tests (plan_id, tested_on);
