//! monqc: quality control of medical image displays.
//!
//! The root crate holds the medical-physics domain and ties the leaf crates
//! together:
//! - [`gsdf`]: the DICOM PS3.14 Grayscale Standard Display Function;
//! - [`measurement`]: what was measured, read from session files and CSV;
//! - [`metrics`]: L'max, L'min, luminance ratio, ambient, uniformity, colour;
//! - [`contrast_response`]: contrast per JND against the GSDF, and Kδ;
//! - [`criteria`]: each standard's limits, loaded from `calibration-data/`;
//! - [`analysis`]: all of the above applied to one measurement set;
//! - [`bench`]: the simulated display that the simulated meter reads.

pub mod analysis;
pub mod bench;
pub mod contrast_response;
pub mod criteria;
pub mod gsdf;
pub mod journal;
pub mod measurement;
pub mod metrics;
pub mod procedure;
pub mod record;
pub mod report;
pub mod sequence;
pub mod session;
pub mod site;
pub mod store;
