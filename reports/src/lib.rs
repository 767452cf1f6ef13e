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
//! [`font_can_draw`] tells whether a report can print some text as typed (the font
//! has every glyph, no control characters); check text with it where it is entered.
//! Text it refuses still prints: as □, with a notice listing the characters.
//!
//! [`Lang`] and [`Label`] hold the fixed wording (headings, verdict words, axis
//! titles) in Japanese and English.
//!
//! ```
//! use monqc_reports::*;
//!
//! let lang = Lang::Ja;
//! let report = Report {
//!     lang,
//!     title: lang.label(Label::AcceptanceReport).to_owned(),
//!     subtitle: vec!["JESRA X-0093*B-2017 ・ 管理グレード 1A".into()],
//!     identity: RecordIdentity { record_id: "R-0001".into(), content_hash: "ab12…".into() },
//!     blocks: vec![
//!         Block::OverallVerdict(Verdict::Pass),
//!         Block::Verdicts(VerdictTable {
//!             title: None,
//!             rows: vec![VerdictRow {
//!                 item: "最大輝度 L'max".into(),
//!                 measured: "412.3 cd/m²".into(),
//!                 limit: "≥ 350 cd/m²".into(),
//!                 clause: "JESRA X-0093 §4.2.3".into(),
//!                 verdict: Verdict::Pass,
//!             }],
//!         }),
//!     ],
//! };
//! // Parse the font once; reuse the writer for every report.
//! let writer = PdfWriter::new()?;
//! let options = PdfOptions {
//!     created_unix_s: 1_795_677_000,
//!     producer: "monqc 0.1.0".into(),
//!     document_id: "ab12".into(),
//! };
//! let pdf: Vec<u8> = writer.write(&report, &options)?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! assert_eq!(pdf, writer.write(&report, &options)?); // same input, same bytes
//! let csv = export::tables_csv(&report)?;
//! assert!(csv.contains("412.3 cd/m²"));
//! # Ok::<(), monqc_reports::Error>(())
//! ```

mod error;
pub mod export;
pub mod figure;
mod labels;
mod model;
mod pdf;

pub use error::{Error, UnsupportedChar};
pub use figure::{
    ContrastResponse, FigureSpec, LuminanceResponse, Point, Trend, TrendPoint, UniformityCell,
    UniformityMap,
};
pub use labels::{Label, Lang};
pub use model::{
    Align, Block, Column, Figure, KeyValue, KeyValueTable, Notes, RecordIdentity, Report,
    SignatureBlock, SignatureSlot, Table, Verdict, VerdictRow, VerdictTable,
};
pub use pdf::{PdfOptions, PdfWriter, font_can_draw};
