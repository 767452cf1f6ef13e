//! The measuring bench: the meters and the pattern window (or the
//! simulated display), walking a procedure step by step, and a session
//! from start to record, and the operator who confirms what only a person
//! can do, in Japanese or English. Uses the leaf crates `drivers` and `patterns` and
//! the layers below ([`records`](crate::records) and down).

pub mod lifecycle;
pub mod meter;
pub mod meter_performance;
pub mod operator;
pub mod prompts;
pub mod rig;
pub mod sequence;
pub mod simulated_display;
