//! Pure numbers: formulas and measured values. No files, no clock, no I/O.

pub mod colour;
pub mod contrast_response;
pub mod digest;
pub mod gsdf;
pub mod luminance;
pub mod measurement;
pub mod uniformity;
