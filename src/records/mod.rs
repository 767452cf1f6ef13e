//! Durable files: hash-chained journals, session files, finalised records
//! and the data directory.

/// The software name and version written into every session and record.
pub const SOFTWARE: &str = concat!("monqc ", env!("CARGO_PKG_VERSION"));

pub mod clock;
pub mod csv_input;
pub mod journal;
pub mod record;
pub mod session;
pub mod store;
