//! Durable files: hash-chained journals, session files, finalised records
//! (signed), the data directory, the measurement CSV reader, and the clock that
//! stamps what is written. Uses [`standards`](crate::standards) and
//! [`numbers`](crate::numbers).

/// The software name and version written into every session and record.
pub const SOFTWARE: &str = concat!("monqc ", env!("CARGO_PKG_VERSION"));

pub mod clock;
pub mod confirmation;
pub mod csv_input;
pub mod durable;
pub mod file_kind;
pub mod journal;
pub mod record;
pub mod session;
pub mod signing;
pub mod store;
pub mod text_file;
pub mod values;
