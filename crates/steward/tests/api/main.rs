//! Integration tests: the real HTTP API against a real database. Plain `cargo test` runs
//! them on SQLite; with STEWARD_TEST_DATABASE_URL=postgres://… the same tests run on
//! PostgreSQL, each in a fresh database.

mod support;

mod access;
mod audit;
mod backends;
mod bad_input;
mod catalogue;
mod cis;
mod cli;
mod complaints;
mod health;
mod incidents;
mod people;
mod roles;
mod search;
mod services;
mod suppliers;
mod tenancy;
