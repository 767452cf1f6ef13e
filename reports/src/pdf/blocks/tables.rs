//! The table-shaped blocks: key/value pairs, verdict rows and generic tables.

use crate::error::Error;
use crate::labels::Label;
use crate::model::{Align, KeyValueTable, Table, Verdict, VerdictTable};
use crate::pdf::layout::Layout;
use crate::pdf::style::*;
use crate::pdf::table::{Cell, TableLayout};

impl Layout<'_> {
    pub(super) fn key_values(&mut self, kv: &KeyValueTable) {
        let key_natural =
            kv.rows.iter().map(|r| self.font.width_pt(&r.key, TABLE_PT)).fold(0.0, f64::max)
                + 2.0 * CELL_PAD_X;
        let key_cell = |text: &str| Cell {
            text: text.to_owned(),
            align: Align::Left,
            color: colors::MUTED,
            fill: Some(colors::KEY_FILL),
        };
        // Two pairs side by side when there are several: identification lists are
        // long and their values short.
        let side_by_side = kv.rows.len() > 3;
        let (widths, rows) = if side_by_side {
            let half = CONTENT_W / 2.0;
            let key_w = key_natural.min(half * 0.45);
            let widths = vec![key_w, half - key_w, key_w, half - key_w];
            let rows = kv
                .rows
                .chunks(2)
                .map(|pair| {
                    let mut cells = Vec::with_capacity(4);
                    for p in pair {
                        cells.push(key_cell(&p.key));
                        cells.push(Cell::plain(&p.value, Align::Left));
                    }
                    while cells.len() < 4 {
                        cells.push(Cell::plain("", Align::Left));
                    }
                    cells
                })
                .collect();
            (widths, rows)
        } else {
            let key_w = key_natural.min(CONTENT_W * 0.35);
            let rows = kv
                .rows
                .iter()
                .map(|p| vec![key_cell(&p.key), Cell::plain(&p.value, Align::Left)])
                .collect();
            (vec![key_w, CONTENT_W - key_w], rows)
        };
        self.table(TableLayout { title: kv.title.clone(), widths, header: None, rows });
    }

    fn verdict_cell(&self, verdict: &Verdict) -> Cell {
        let lang = self.lang;
        match verdict {
            Verdict::Pass => Cell {
                text: lang.label(Label::Pass).to_owned(),
                align: Align::Center,
                color: colors::PASS,
                fill: Some(colors::PASS_FILL),
            },
            Verdict::Fail => Cell {
                text: lang.label(Label::Fail).to_owned(),
                align: Align::Center,
                color: colors::FAIL,
                fill: Some(colors::FAIL_FILL),
            },
            Verdict::NotEvaluated { reason } => Cell {
                text: format!("{}\n{reason}", lang.label(Label::NotEvaluated)),
                align: Align::Center,
                color: colors::NOT_EVALUATED,
                fill: Some(colors::NOT_EVALUATED_FILL),
            },
            Verdict::Incomplete { reason } => Cell {
                text: format!("{}\n{reason}", lang.label(Label::Incomplete)),
                align: Align::Center,
                color: colors::INCOMPLETE,
                fill: Some(colors::INCOMPLETE_FILL),
            },
            Verdict::NearLimit { passed } => {
                let (word, color, fill) = if *passed {
                    (Label::Pass, colors::PASS, colors::PASS_FILL)
                } else {
                    (Label::Fail, colors::FAIL, colors::FAIL_FILL)
                };
                Cell {
                    text: format!("{}\n{}", lang.label(word), lang.label(Label::WithinUncertainty)),
                    align: Align::Center,
                    color,
                    fill: Some(fill),
                }
            }
        }
    }

    pub(super) fn verdicts(&mut self, table: &VerdictTable) {
        let l = |label| self.lang.label(label);
        let header = [
            (l(Label::Item), Align::Left),
            (l(Label::Measured), Align::Right),
            (l(Label::Limit), Align::Left),
            (l(Label::Clause), Align::Left),
            (l(Label::Verdict), Align::Center),
        ];
        let rows: Vec<Vec<Cell>> = table
            .rows
            .iter()
            .map(|r| {
                vec![
                    Cell::plain(&r.item, Align::Left),
                    Cell::plain(&r.measured, Align::Right),
                    Cell::plain(&r.limit, Align::Left),
                    Cell::plain(&r.clause, Align::Left),
                    self.verdict_cell(&r.verdict),
                ]
            })
            .collect();
        let header: Vec<Cell> = header.iter().map(|(t, a)| Cell::plain(*t, *a)).collect();
        // The verdict column fits its longest word (not the reasons, which wrap).
        let verdict_w =
            [Label::Pass, Label::Fail, Label::NotEvaluated, Label::Incomplete, Label::Verdict]
                .iter()
                .map(|&lb| self.font.width_pt(self.lang.label(lb), TABLE_PT))
                .fold(0.0, f64::max)
                + 2.0 * CELL_PAD_X
                + 8.0;
        // Measured values and limits are short: keep each on one line.
        let one_line = |c: usize| {
            rows.iter().map(|r| self.font.width_pt(&r[c].text, TABLE_PT)).fold(0.0, f64::max)
        };
        let floors = [0.0, one_line(1), one_line(2), 0.0, verdict_w];
        let mut widths = self.fit_widths(&header, &rows, &floors);
        widths[4] = verdict_w.max(widths[4].min(verdict_w * 1.6));
        let rest: f64 = widths[..4].iter().sum();
        let scale = (CONTENT_W - widths[4]) / rest;
        widths[..4].iter_mut().for_each(|w| *w *= scale);
        self.table(TableLayout { title: table.title.clone(), widths, header: Some(header), rows });
    }

    pub(super) fn generic_table(&mut self, table: &Table, index: usize) -> Result<(), Error> {
        let expected = table.columns.len();
        for (row, cells) in table.rows.iter().enumerate() {
            if cells.len() != expected {
                return Err(Error::RaggedTable {
                    table: table.title.clone().unwrap_or_else(|| format!("block {index}")),
                    row,
                    found: cells.len(),
                    expected,
                });
            }
        }
        let header: Vec<Cell> =
            table.columns.iter().map(|c| Cell::plain(&c.header, c.align)).collect();
        let rows: Vec<Vec<Cell>> = table
            .rows
            .iter()
            .map(|r| r.iter().zip(&table.columns).map(|(t, c)| Cell::plain(t, c.align)).collect())
            .collect();
        let widths = self.fit_widths(&header, &rows, &vec![0.0; expected]);
        self.table(TableLayout { title: table.title.clone(), widths, header: Some(header), rows });
        Ok(())
    }
}
