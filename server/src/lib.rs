//! monqc records server: collects the records of a hospital's workstations,
//! verifies each with the monqc library before storing it, and shows the
//! fleet, its schedules and every record to physicists and inspectors.

pub mod adapter;
pub mod auth;
pub mod db;
pub mod fleet;
pub mod ingest;
pub mod outbox;
pub mod schedule;
pub mod serve;
pub mod web;
