//! The measuring bench: walking a procedure step by step with meters and a
//! display, real or simulated.

pub mod lifecycle;
pub mod rig;
pub mod sequence;
pub mod simulated_display;
