//! The site configuration and the reports made from records. The top of
//! the library; uses the leaf crate `reports` and every layer below.

pub mod report;
pub mod site;
pub mod typed_text;
