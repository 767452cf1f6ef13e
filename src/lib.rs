//! monqc: quality control of medical image displays.
//!
//! The root crate holds the medical-physics domain (GSDF, analysis, criteria,
//! sessions, records) and ties the leaf crates together.
