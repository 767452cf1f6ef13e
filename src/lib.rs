//! monqc: quality control of medical image displays.
//!
//! The root crate holds the medical-physics domain and ties the leaf crates
//! together. Its modules are layers; each imports only from the layers
//! below it (`tests/layers.rs` checks it):
//! - [`numbers`]: pure numbers: the GSDF, contrast response, luminance,
//!   uniformity and colour formulas, the measured values;
//! - [`standards`]: what each standard asks: criteria, procedures, analysis;
//! - [`records`]: durable files: journals, sessions, records, the data directory;
//! - [`measuring`]: the measuring bench: meters, pattern window, simulated
//!   display, walking a procedure;
//! - [`office`]: the site configuration and the report of a record.

pub mod measuring;
pub mod numbers;
pub mod office;
pub mod records;
pub mod standards;
