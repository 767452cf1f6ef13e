//! The report document model: what a report says, apart from how it is drawn.
//!
//! A [`Report`] is a title block, a list of [`Block`]s in reading order, and the
//! identity printed in every page's footer. Strings are final, localised text: the
//! caller formats numbers with their units and decides the wording; the writers only
//! lay them out. The model is plain serde data, so the same value can be written as
//! PDF, CSV or JSON.

use serde::{Deserialize, Serialize};

use crate::figure::FigureSpec;
use crate::labels::Lang;

/// One report document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Language of the fixed wording (headings, verdict words, footer).
    pub lang: Lang,
    /// Main title, e.g. "受入試験報告書" (see [`crate::Label::AcceptanceReport`]).
    pub title: String,
    /// Lines under the title, e.g. the standard and grade applied.
    pub subtitle: Vec<String>,
    /// The record this document renders; printed in every footer.
    pub identity: RecordIdentity,
    /// Content in reading order.
    pub blocks: Vec<Block>,
}

/// What identifies the record behind a report; the footer of every page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordIdentity {
    /// Record identifier as the store knows it.
    pub record_id: String,
    /// Content hash of the record (hex SHA-256), so a printed page can be matched to
    /// the stored record.
    pub content_hash: String,
}

/// A piece of content, laid out top to bottom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "content", rename_all = "snake_case")]
pub enum Block {
    /// A section heading.
    Heading(String),
    /// A paragraph of running text.
    Paragraph(String),
    /// Key/value pairs (facility, display, meter, ambient conditions …).
    KeyValues(KeyValueTable),
    /// The overall verdict, shown as a banner.
    OverallVerdict(Verdict),
    /// Items with measured value, limit, clause and verdict.
    Verdicts(VerdictTable),
    /// A generic table, e.g. the raw readings appendix.
    Table(Table),
    /// A figure with its caption.
    Figure(Figure),
    /// A list of notes.
    Notes(Notes),
    /// Signature slots.
    Signatures(SignatureBlock),
    /// Start the next block on a new page.
    PageBreak,
}

/// Key/value pairs under an optional title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValueTable {
    /// Title above the table.
    pub title: Option<String>,
    /// Pairs in display order.
    pub rows: Vec<KeyValue>,
}

/// One key/value pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValue {
    /// What the value is, e.g. "Serial number".
    pub key: String,
    /// The value, formatted with its unit.
    pub value: String,
}

impl KeyValue {
    /// A pair from anything string-like.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self { key: key.into(), value: value.into() }
    }
}

/// The verdict on one item, or on the whole test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The item met its limit.
    Pass,
    /// The item did not meet its limit.
    Fail,
    /// The item was not evaluated; the reason is printed with the verdict.
    NotEvaluated {
        /// Why, e.g. "no illuminance meter".
        reason: String,
    },
    /// Judgement withheld (判定保留): for the whole test, nothing failed but a
    /// required item was not judged; for an item, its value meets the limit
    /// but rests on readings the meter flagged. The reason says what.
    Incomplete {
        /// What was not judged, or why the item is not a plain pass.
        reason: String,
    },
    /// A pass or a fail whose value lies within its measurement uncertainty
    /// of the limit: printed as the verdict with that said beside it.
    NearLimit {
        /// Whether the value meets the limit.
        passed: bool,
    },
}

/// Items with their verdicts, under an optional title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictTable {
    /// Title above the table.
    pub title: Option<String>,
    /// One row per evaluated item.
    pub rows: Vec<VerdictRow>,
}

/// One evaluated item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictRow {
    /// What was tested, e.g. "Maximum luminance L'max".
    pub item: String,
    /// The measured value with its unit.
    pub measured: String,
    /// The limit applied, e.g. "≥ 350 cd/m²".
    pub limit: String,
    /// The clause of the standard the limit comes from.
    pub clause: String,
    /// The verdict.
    pub verdict: Verdict,
}

/// Horizontal alignment of a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Flush left (text).
    #[default]
    Left,
    /// Flush right (numbers).
    Right,
    /// Centred (short codes).
    Center,
}

/// A column of a generic [`Table`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Header text.
    pub header: String,
    /// Alignment of the cells.
    pub align: Align,
}

impl Column {
    /// A left-aligned text column.
    pub fn text(header: impl Into<String>) -> Self {
        Self { header: header.into(), align: Align::Left }
    }

    /// A right-aligned numeric column.
    pub fn number(header: impl Into<String>) -> Self {
        Self { header: header.into(), align: Align::Right }
    }
}

/// A generic table; long tables continue over pages with the header repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Title above the table.
    pub title: Option<String>,
    /// Columns, in order.
    pub columns: Vec<Column>,
    /// Rows; each must have one cell per column.
    pub rows: Vec<Vec<String>>,
}

/// A figure: a drawing spec plus its caption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Caption under the figure, e.g. "Figure 1: contrast response".
    pub caption: String,
    /// What to draw.
    pub spec: FigureSpec,
    /// Height on the page in millimetres (the width is the text width).
    pub height_mm: f32,
}

/// A list of notes under an optional title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notes {
    /// Title; the writer uses the localised "Notes" when absent.
    pub title: Option<String>,
    /// One entry per note.
    pub items: Vec<String>,
}

/// Signature slots, kept together on one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureBlock {
    /// Title; the writer uses the localised "Signatures" when absent.
    pub title: Option<String>,
    /// One slot per person who signs.
    pub slots: Vec<SignatureSlot>,
}

/// One person who signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureSlot {
    /// Role, e.g. "Tested by" or "実施者".
    pub role: String,
    /// Printed name, if known.
    pub name: Option<String>,
    /// Date, if known (already formatted).
    pub date: Option<String>,
}
