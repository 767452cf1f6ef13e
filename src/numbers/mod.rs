//! Pure numbers: formulas and measured values. No files, no clock, no I/O.

pub mod contrast_response;
pub mod gsdf;
pub mod measurement;
pub mod metrics;
