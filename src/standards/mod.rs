//! What the standards ask: each standard's criteria, its procedures with
//! their step ids, and the analysis that applies them to measured values.
//! Uses only [`numbers`](crate::numbers).

pub mod analysis;
pub mod criteria;
pub mod procedure;
