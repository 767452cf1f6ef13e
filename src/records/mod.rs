//! Durable files: hash-chained journals, session files, finalised records
//! and the data directory.

pub mod clock;
pub mod csv_input;
pub mod journal;
pub mod record;
pub mod session;
pub mod store;
