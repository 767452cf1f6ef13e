//! What the standards ask: criteria, procedures, and the analysis that
//! applies them to measured values.

pub mod analysis;
pub mod criteria;
pub mod procedure;
