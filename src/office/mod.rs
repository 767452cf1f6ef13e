//! The site configuration and the reports made from records.

pub mod report;
pub mod site;
