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
    /// Text contains characters the report font cannot show; a reader would see
    /// empty boxes, so the writer refuses instead.
    #[error("text {0:?} has characters the report font cannot show")]
    MissingGlyphs(String),
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
