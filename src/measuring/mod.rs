//! The measuring bench: walking a procedure step by step with meters and a
//! display, real or simulated.

pub mod sequence;
pub mod simulated_display;
