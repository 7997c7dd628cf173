//! Integration tests: the real HTTP API against a real database. Plain `cargo test` runs
//! them on SQLite; with STEWARD_TEST_DATABASE_URL=postgres://… the same tests run on
//! PostgreSQL, each in a fresh database.

mod contract;
mod support;

mod access;
mod attachments;
mod audit;
mod auditor_read_only;
mod availability;
mod backends;
mod backup;
mod bad_input;
mod calendar_cli;
mod canned;
mod catalogue;
mod cis;
mod cli;
mod complaints;
mod conformity;
mod console;
mod continuity;
mod documents;
mod escalation;
mod evidence_map;
mod hardening;
mod health;
mod history_import;
mod improvements;
mod incidents;
mod input_edges;
mod lifecycle;
mod login_limits;
mod major;
mod olas;
mod openapi_document;
mod people;
mod preferences;
mod probes;
mod problems;
mod report_definitions;
mod reports;
mod requests;
mod roles;
mod samples;
mod satisfaction;
mod search;
mod services;
mod sla_calendar;
mod slas;
mod suppliers;
mod system;
mod tenancy;
mod ticket_edit;
mod ticket_isolation;
mod ui;
