//! Pure numbers: the formulas of display QC and the values a session
//! measures. No files, no clock, no devices: every function is a function
//! of its arguments (`tests/layers.rs` holds this layer to that). The lowest
//! layer; it uses no other.

pub mod colour;
pub mod contrast_response;
pub mod digest;
pub mod gsdf;
pub mod luminance;
pub mod measurement;
pub mod spectrum_locus;
pub mod uncertainty;
pub mod uniformity;
