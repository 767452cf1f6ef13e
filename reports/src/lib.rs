//! QC report documents (acceptance, constancy) and their PDF, CSV and JSON writers.
//!
//! The crate knows documents, not displays: a [`Report`] is a title block, tables,
//! verdict rows, figures, notes and signatures, with every string already localised
//! and every number already formatted by the caller. Writers turn that model into
//! bytes and never touch the file system or the clock:
//!
//! - [`PdfWriter::write`]: A4 PDF with the embedded IPAexGothic face (subset), so
//!   Japanese and English render on any viewer; figures are vector graphics drawn
//!   with plotters; the same report and [`PdfOptions`] always give the same bytes.
//! - [`export::tables_csv`] and [`export::report_json`]: the record's tables for
//!   spreadsheets and other tools.
//!
//! [`Lang`] and [`Label`] hold the fixed wording (headings, verdict words, axis
//! titles) in Japanese and English.

mod error;
pub mod export;
pub mod figure;
mod labels;
mod model;
mod pdf;

pub use error::Error;
pub use figure::{
    ContrastResponse, FigureSpec, LuminanceResponse, Point, Trend, TrendPoint, UniformityCell,
    UniformityMap,
};
pub use labels::{Label, Lang};
pub use model::{
    Align, Block, Column, Figure, KeyValue, KeyValueTable, Notes, RecordIdentity, Report,
    SignatureBlock, SignatureSlot, Table, Verdict, VerdictRow, VerdictTable,
};
pub use pdf::{PdfOptions, PdfWriter};
