//! Errors of the report writers.

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The embedded font could not be used.
    #[error("report font: {0}")]
    Font(String),
    /// A figure spec could not be drawn (empty log axis, cell outside its grid …).
    #[error("figure could not be drawn: {0}")]
    Figure(String),
    /// A table row has a different number of cells than the table has columns.
    #[error("table {table:?}: row {row} has {found} cells, expected {expected}")]
    RaggedTable {
        /// Title of the table, or its position when it has none.
        table: String,
        /// Row index, from 0.
        row: usize,
        /// Cells found in that row.
        found: usize,
        /// Columns of the table.
        expected: usize,
    },
    /// A language tag other than ja or en.
    #[error("unknown report language {0:?}; use ja or en")]
    UnknownLanguage(String),
    /// The creation timestamp is out of the range a PDF date can hold.
    #[error("creation timestamp {0} s is outside the range of a PDF date")]
    InvalidTimestamp(i64),
    /// The PDF could not be serialised.
    #[error("PDF serialisation failed: {0}")]
    Pdf(#[from] std::io::Error),
    /// CSV export failed.
    #[error("CSV export failed: {0}")]
    Csv(#[from] csv::Error),
    /// JSON export failed.
    #[error("JSON export failed: {0}")]
    Json(#[from] serde_json::Error),
}

/// A character of some text that a report cannot print: the report font (IPAexGothic)
/// has no glyph for it, or it is a control character (a tab, a line break, BEL …).
///
/// From [`crate::font_can_draw`], for checking text where it is typed. A report that
/// holds such text still prints, with □ in its place and a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} (U+{:04X}), character {} of the text, cannot be printed in a report: {}",
    shown(*.ch), u32::from(*.ch), .index + 1, why(*.ch)
)]
pub struct UnsupportedChar {
    /// The character.
    pub ch: char,
    /// Its position in the text, counted in characters (Unicode scalar values) from 0.
    pub index: usize,
}

/// The character itself, quoted, unless printing it would confuse a terminal.
fn shown(ch: char) -> String {
    if ch.is_control() || ch.is_whitespace() || is_invisible(ch) {
        "a control or invisible character".to_owned()
    } else {
        format!("\"{ch}\"")
    }
}

/// Format characters that print as nothing (zero-width space and joiners, word
/// joiner, byte-order mark).
fn is_invisible(ch: char) -> bool {
    matches!(ch, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

fn why(ch: char) -> &'static str {
    if ch.is_control() {
        "control characters have no printed form; remove it (use one line)"
    } else {
        "the report font has no glyph for it; remove it or write it another way \
         (e.g. TM for ™)"
    }
}
