//! CSV and JSON export of a report's content.
//!
//! JSON is the whole [`Report`] as serde data (stable field names, verdicts tagged
//! `pass` / `fail` / `not_evaluated`), for other tools. CSV is for spreadsheets: each
//! table of the report flattened to a header and rows ([`tables`]), written one per
//! file ([`table_csv`]) or all together in long form ([`tables_csv`]).
//!
//! CSV cells that a spreadsheet would run as a formula are written as text (see
//! [`spreadsheet_text`]): a record's free text (an operator's name, a location) must
//! not become a command when an inspector opens the export.

use std::borrow::Cow;

use crate::error::Error;
use crate::labels::Label;
use crate::model::{Block, Report, Verdict};

/// One of a report's tables, flattened to text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTable {
    /// Table title, or the heading above it, or "table N".
    pub name: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

/// The whole report as pretty-printed JSON.
pub fn report_json(report: &Report) -> Result<String, Error> {
    Ok(serde_json::to_string_pretty(report)?)
}

/// The report's tables (key/value, verdict and generic tables) in document order.
///
/// Verdict tables get a separate reason column, so "not evaluated" rows keep their
/// reason without mixing it into the verdict word.
pub fn tables(report: &Report) -> Vec<ExportTable> {
    let lang = report.lang;
    let l = |label| lang.label(label).to_owned();
    let mut heading: Option<&str> = None;
    let mut out = Vec::new();
    for block in &report.blocks {
        let name = |title: &Option<String>, n: usize| {
            title.clone().or_else(|| heading.map(str::to_owned)).unwrap_or(format!("table {n}"))
        };
        match block {
            Block::Heading(h) => heading = Some(h),
            Block::KeyValues(kv) => out.push(ExportTable {
                name: name(&kv.title, out.len() + 1),
                header: vec!["key".into(), "value".into()],
                rows: kv.rows.iter().map(|r| vec![r.key.clone(), r.value.clone()]).collect(),
            }),
            Block::Verdicts(v) => out.push(ExportTable {
                name: name(&v.title, out.len() + 1),
                header: vec![
                    l(Label::Item),
                    l(Label::Measured),
                    l(Label::Limit),
                    l(Label::Clause),
                    l(Label::Verdict),
                    "reason".into(),
                ],
                rows: v
                    .rows
                    .iter()
                    .map(|r| {
                        let (word, reason) = match &r.verdict {
                            Verdict::Pass => (l(Label::Pass), String::new()),
                            Verdict::Fail => (l(Label::Fail), String::new()),
                            Verdict::NotEvaluated { reason } => {
                                (l(Label::NotEvaluated), reason.clone())
                            }
                            Verdict::Incomplete { reason } => {
                                (l(Label::Incomplete), reason.clone())
                            }
                            Verdict::NearLimit { passed } => (
                                l(if *passed { Label::Pass } else { Label::Fail }),
                                l(Label::WithinUncertainty),
                            ),
                        };
                        vec![
                            r.item.clone(),
                            r.measured.clone(),
                            r.limit.clone(),
                            r.clause.clone(),
                            word,
                            reason,
                        ]
                    })
                    .collect(),
            }),
            Block::Table(t) => out.push(ExportTable {
                name: name(&t.title, out.len() + 1),
                header: t.columns.iter().map(|c| c.header.clone()).collect(),
                rows: t.rows.clone(),
            }),
            _ => {}
        }
    }
    out
}

/// One table as CSV (RFC 4180, header first, CRLF line ends as the RFC asks), every
/// cell passed through [`spreadsheet_text`].
pub fn table_csv(table: &ExportTable) -> Result<String, Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(table.header.iter().map(|c| spreadsheet_text(c).into_owned()))?;
    for row in &table.rows {
        w.write_record(row.iter().map(|c| spreadsheet_text(c).into_owned()))?;
    }
    Ok(String::from_utf8_lossy(&w.into_inner().map_err(|e| e.into_error())?).into_owned())
}

/// Every table in long form: one CSV with columns `table,row,column,value`, one line
/// per cell, so tables of different shapes share one rectangular file. Every cell
/// passes through [`spreadsheet_text`].
pub fn tables_csv(report: &Report) -> Result<String, Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(["table", "row", "column", "value"])?;
    for table in tables(report) {
        let name = spreadsheet_text(&table.name);
        for (i, row) in table.rows.iter().enumerate() {
            for (header, value) in table.header.iter().zip(row) {
                let (header, value) = (spreadsheet_text(header), spreadsheet_text(value));
                w.write_record([&*name, &(i + 1).to_string(), &*header, &*value])?;
            }
        }
    }
    Ok(String::from_utf8_lossy(&w.into_inner().map_err(|e| e.into_error())?).into_owned())
}

/// `cell` as a spreadsheet should read it: text starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading `'`, which Excel and LibreOffice Calc
/// take as "this is text", so the cell is shown instead of run as a formula (the
/// character set OWASP's "CSV Injection" guidance names).
///
/// A cell that is a plain decimal number (`-0.5`, `+13.19`, `-1.5e-3`) is left as
/// it is: it is a value, not a formula, and must stay a number in the sheet.
pub fn spreadsheet_text(cell: &str) -> Cow<'_, str> {
    let starts_formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if starts_formula && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `[+-] digits [. digits] [(e|E) [+-] digits]`, with digits on at least one side of
/// the point: what a spreadsheet reads as a number, and nothing it could run.
fn is_plain_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (s, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    mantissa_ok && exponent.is_none_or(|e| !e.is_empty() && digits(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::Lang;
    use crate::model::{
        Column, KeyValue, KeyValueTable, RecordIdentity, Table, VerdictRow, VerdictTable,
    };

    fn report() -> Report {
        Report {
            lang: Lang::En,
            title: "t".into(),
            subtitle: vec![],
            identity: RecordIdentity { record_id: "R".into(), content_hash: "h".into() },
            blocks: vec![
                Block::Heading("Display".into()),
                Block::KeyValues(KeyValueTable {
                    title: None,
                    rows: vec![KeyValue::new("Model, \"name\"", "RX-250")],
                }),
                Block::Verdicts(VerdictTable {
                    title: Some("Results".into()),
                    rows: vec![VerdictRow {
                        item: "Ambient".into(),
                        measured: "—".into(),
                        limit: "≤ 20 lx".into(),
                        clause: "6.2".into(),
                        verdict: Verdict::NotEvaluated { reason: "no meter".into() },
                    }],
                }),
            ],
        }
    }

    #[test]
    fn tables_take_headings_and_split_reasons() {
        let t = tables(&report());
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].name, "Display");
        assert_eq!(t[1].rows[0][4], "Not evaluated");
        assert_eq!(t[1].rows[0][5], "no meter");
    }

    #[test]
    fn csv_quotes_commas_and_quotes() {
        let t = tables(&report());
        let csv = table_csv(&t[0]).unwrap();
        assert_eq!(csv, "key,value\r\n\"Model, \"\"name\"\"\",RX-250\r\n");
        let long = tables_csv(&report()).unwrap();
        assert!(long.starts_with("table,row,column,value\r\n"));
        assert!(long.contains("Results,1,reason,no meter\r\n"), "{long}");
    }

    /// REDTEAM C1: `--operator '+1+cmd'` was exported as a bare formula cell.
    #[test]
    fn csv_cells_that_would_run_as_formulas_become_text() {
        let mut r = report();
        let formulas =
            ["+1+cmd", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "-1+2", "-", "\tx", "\rx"];
        r.blocks.push(Block::KeyValues(KeyValueTable {
            title: Some("=cmd|' /C calc'!A0".into()),
            rows: formulas.iter().map(|f| KeyValue::new("-key", *f)).collect(),
        }));
        let numbers = ["-0.5", "+13.19", "-1.5e-3", "2E+4", ".5", "-7.", "0"];
        r.blocks.push(Block::Table(Table {
            title: Some("Readings".into()),
            columns: vec![Column::text("patch"), Column::number("value")],
            rows: numbers.iter().map(|n| vec!["−0.5 text".into(), (*n).into()]).collect(),
        }));
        let long = tables_csv(&r).unwrap();
        let mut cells = csv::Reader::from_reader(long.as_bytes());
        let rows: Vec<csv::StringRecord> = cells.records().map(Result::unwrap).collect();
        for f in formulas {
            let row = rows.iter().find(|row| row[3] == format!("'{f}")).unwrap_or_else(|| {
                panic!("{f:?} not neutralised in\n{long}");
            });
            assert_eq!(&row[0], "'=cmd|' /C calc'!A0");
            assert_eq!(&row[2], "value");
        }
        assert!(rows.iter().any(|row| &row[3] == "'-key"), "the key column is text too");
        for n in numbers {
            assert!(rows.iter().any(|row| &row[3] == n), "number {n:?} changed in\n{long}");
        }
        // A Unicode minus is not a formula trigger; text not starting with one is kept.
        assert!(rows.iter().any(|row| &row[3] == "−0.5 text"));
        assert!(rows.iter().any(|row| &row[3] == "RX-250"));
        let one = table_csv(tables(&r).last().unwrap()).unwrap();
        assert!(one.contains("\r\n−0.5 text,-0.5\r\n"), "{one}");
        assert_eq!(table_csv(&tables(&r)[2]).unwrap().lines().nth(1), Some("'-key,'+1+cmd"));
    }

    #[test]
    fn plain_numbers_are_recognised_and_nothing_else() {
        for yes in ["0", "-0.5", "+13.19", "1e3", "-1.5E-3", ".5", "5.", "+.5e+2"] {
            assert!(is_plain_number(yes), "{yes}");
        }
        for no in [
            "", "-", "+", ".", "-.", "1e", "1e+", "-1+2", "--1", "-inf", "-NaN", "1,5", "- 1",
            "-1 cd",
        ] {
            assert!(!is_plain_number(no), "{no}");
        }
    }

    #[test]
    fn json_round_trips() {
        let r = report();
        let json = report_json(&r).unwrap();
        assert!(json.contains("\"verdict\": \"not_evaluated\""), "{json}");
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
