//! CSV and JSON export of a report's content.
//!
//! JSON is the whole [`Report`] as serde data (stable field names, verdicts tagged
//! `pass` / `fail` / `not_evaluated`), for other tools. CSV is for spreadsheets: each
//! table of the report flattened to a header and rows ([`tables`]), written one per
//! file ([`table_csv`]) or all together in long form ([`tables_csv`]).

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

/// One table as CSV (RFC 4180, header first, CRLF line ends as the RFC asks).
pub fn table_csv(table: &ExportTable) -> Result<String, Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(&table.header)?;
    for row in &table.rows {
        w.write_record(row)?;
    }
    Ok(String::from_utf8_lossy(&w.into_inner().map_err(|e| e.into_error())?).into_owned())
}

/// Every table in long form: one CSV with columns `table,row,column,value`, one line
/// per cell, so tables of different shapes share one rectangular file.
pub fn tables_csv(report: &Report) -> Result<String, Error> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(["table", "row", "column", "value"])?;
    for table in tables(report) {
        for (i, row) in table.rows.iter().enumerate() {
            for (header, value) in table.header.iter().zip(row) {
                w.write_record([table.name.as_str(), &(i + 1).to_string(), header, value])?;
            }
        }
    }
    Ok(String::from_utf8_lossy(&w.into_inner().map_err(|e| e.into_error())?).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::Lang;
    use crate::model::{KeyValue, KeyValueTable, RecordIdentity, VerdictRow, VerdictTable};

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

    #[test]
    fn json_round_trips() {
        let r = report();
        let json = report_json(&r).unwrap();
        assert!(json.contains("\"verdict\": \"not_evaluated\""), "{json}");
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
