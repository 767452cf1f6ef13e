//! The measuring bench: the meters and the pattern window (or the
//! simulated display), walking a procedure step by step, and a session
//! from start to record. Uses the leaf crates `drivers` and `patterns` and
//! the layers below ([`records`](crate::records) and down).

pub mod lifecycle;
pub mod meter_performance;
pub mod rig;
pub mod sequence;
pub mod simulated_display;
