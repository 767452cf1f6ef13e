//! The table engine: styled cells, column widths that fill the text width, wrapped
//! rows, and tables that continue on the next page with their header repeated.

use super::layout::Layout;
use super::style::*;
use crate::labels::Label;
use crate::model::Align;

/// One cell of a laid-out table.
pub(super) struct Cell {
    pub(super) text: String,
    pub(super) align: Align,
    pub(super) color: u32,
    pub(super) fill: Option<u32>,
}

impl Cell {
    pub(super) fn plain(text: impl Into<String>, align: Align) -> Self {
        Self { text: text.into(), align, color: colors::TEXT, fill: None }
    }
}

/// A table ready to draw: widths fixed, cells styled.
pub(super) struct TableLayout {
    pub(super) title: Option<String>,
    pub(super) widths: Vec<f64>,
    pub(super) header: Option<Vec<Cell>>,
    pub(super) rows: Vec<Vec<Cell>>,
}

impl Layout<'_> {
    /// Column widths that fill the text width: narrow columns keep their natural
    /// width, wide ones share what is left in proportion to their natural width.
    /// No column gets narrower than its longest word (so words never break
    /// mid-letter) or than `floor[c]`; the room comes from the widest columns.
    pub(super) fn fit_widths(
        &self,
        header: &[Cell],
        rows: &[Vec<Cell>],
        floor: &[f64],
    ) -> Vec<f64> {
        let n = header.len();
        let cells = |c: usize| std::iter::once(&header[c]).chain(rows.iter().map(move |r| &r[c]));
        let natural: Vec<f64> = (0..n)
            .map(|c| {
                cells(c)
                    .flat_map(|cell| cell.text.split('\n'))
                    .map(|line| self.font.width_pt(line, TABLE_PT))
                    .fold(floor[c], f64::max)
                    + 2.0 * CELL_PAD_X
            })
            .collect();
        let least: Vec<f64> = (0..n)
            .map(|c| {
                cells(c)
                    .flat_map(|cell| cell.text.split_whitespace())
                    .map(|word| self.font.width_pt(word, TABLE_PT))
                    .fold(floor[c], f64::max)
                    + 2.0 * CELL_PAD_X
            })
            .collect();
        let total: f64 = natural.iter().sum();
        if total <= CONTENT_W {
            let scale = CONTENT_W / total;
            return natural.iter().map(|w| w * scale).collect();
        }
        let mut fixed = vec![false; n];
        let mut widths = loop {
            let free_w = CONTENT_W - (0..n).filter(|&c| fixed[c]).map(|c| natural[c]).sum::<f64>();
            let free_n = fixed.iter().filter(|f| !**f).count().max(1);
            let fair = free_w / free_n as f64;
            let newly: Vec<usize> = (0..n).filter(|&c| !fixed[c] && natural[c] <= fair).collect();
            if newly.is_empty() {
                let wide: f64 = (0..n).filter(|&c| !fixed[c]).map(|c| natural[c]).sum();
                break (0..n)
                    .map(|c| if fixed[c] { natural[c] } else { natural[c] / wide * free_w })
                    .collect::<Vec<f64>>();
            }
            newly.into_iter().for_each(|c| fixed[c] = true);
        };
        for c in 0..n {
            let need = least[c] - widths[c];
            if need <= 0.0 {
                continue;
            }
            // Take the room from the column with the most to spare.
            let donor = (0..n)
                .filter(|&d| d != c)
                .max_by(|&a, &b| (widths[a] - least[a]).total_cmp(&(widths[b] - least[b])));
            if let Some(d) = donor {
                let give = need.min((widths[d] - least[d]).max(0.0));
                widths[d] -= give;
                widths[c] += give;
            }
        }
        widths
    }

    fn row_height(&self, row: &[Cell], widths: &[f64]) -> (f64, Vec<Vec<String>>) {
        let wrapped: Vec<Vec<String>> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| self.font.wrap(&cell.text, TABLE_PT, w - 2.0 * CELL_PAD_X))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        (
            lines as f64 * TABLE_PT * LINE_GAP + 2.0 * CELL_PAD_Y - (LINE_GAP - 1.0) * TABLE_PT,
            wrapped,
        )
    }

    fn draw_row(
        &mut self,
        row: &[Cell],
        wrapped: &[Vec<String>],
        widths: &[f64],
        height: f64,
        header: bool,
    ) {
        let mut x = MARGIN_X;
        for ((cell, lines), &w) in row.iter().zip(wrapped).zip(widths) {
            let fill = if header { Some(colors::HEADER_FILL) } else { cell.fill };
            if let Some(fill) = fill {
                self.fill_rect(x, self.y, w, height, fill);
            }
            let color = if header { colors::MUTED } else { cell.color };
            let mut baseline = self.y + CELL_PAD_Y + self.ascent(TABLE_PT);
            for line in lines {
                self.text_in(
                    x + CELL_PAD_X,
                    w - 2.0 * CELL_PAD_X,
                    baseline,
                    TABLE_PT,
                    color,
                    cell.align,
                    line,
                );
                baseline += TABLE_PT * LINE_GAP;
            }
            x += w;
        }
        let (rule_w, rule_c) =
            if header { (0.8, colors::RULE) } else { (0.35, colors::RULE_LIGHT) };
        self.y += height;
        self.hline(MARGIN_X, MARGIN_X + widths.iter().sum::<f64>(), self.y, rule_w, rule_c);
    }

    pub(super) fn table_title(&mut self, title: &str, continued: bool) {
        let text = if continued {
            format!("{title} {}", self.lang.label(Label::Continued))
        } else {
            title.to_owned()
        };
        let baseline = self.y + self.ascent(TABLE_TITLE_PT);
        self.text(MARGIN_X, baseline, TABLE_TITLE_PT, colors::TEXT, &text);
        self.y += TABLE_TITLE_PT * 1.6;
    }

    pub(super) fn table(&mut self, t: TableLayout) {
        let width: f64 = t.widths.iter().sum();
        let header = t.header.as_ref().map(|h| {
            let (height, wrapped) = self.row_height(h, &t.widths);
            (h, height, wrapped)
        });
        let rows: Vec<(f64, Vec<Vec<String>>)> =
            t.rows.iter().map(|r| self.row_height(r, &t.widths)).collect();
        let title_h = if t.title.is_some() { TABLE_TITLE_PT * 1.6 } else { 0.0 };
        let header_h = header.as_ref().map_or(0.0, |h| h.1);
        let first_row_h = rows.first().map_or(0.0, |r| r.0);
        self.ensure_space(title_h + header_h + first_row_h);

        let start = |layout: &mut Self, continued: bool| {
            if let Some(title) = &t.title {
                layout.table_title(title, continued);
            } else if continued {
                let text = layout.lang.label(Label::Continued);
                layout.table_title(text, false);
            }
            layout.hline(MARGIN_X, MARGIN_X + width, layout.y, 0.8, colors::RULE);
            if let Some((cells, height, wrapped)) = &header {
                layout.draw_row(cells, wrapped, &t.widths, *height, true);
            }
        };
        start(self, false);
        for (row, (height, wrapped)) in t.rows.iter().zip(&rows) {
            if self.y + height > CONTENT_BOTTOM {
                self.new_page();
                start(self, true);
            }
            self.draw_row(row, wrapped, &t.widths, *height, false);
        }
        self.y += 12.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::font::ReportFont;
    use crate::pdf::tests::report;

    #[test]
    fn long_tables_continue_on_new_pages() {
        let font = ReportFont::load().unwrap();
        let short = report(5);
        let mut layout = Layout::new(&font, &short);
        layout.block(&short.blocks[0], 0).unwrap();
        assert_eq!(layout.pages.len(), 1);
        let long = report(200);
        let mut layout = Layout::new(&font, &long);
        layout.block(&long.blocks[0], 0).unwrap();
        // About 45 rows fit on a page at 8.5 pt.
        assert!((4..=6).contains(&layout.pages.len()), "{} pages", layout.pages.len());
        assert!(layout.y <= CONTENT_BOTTOM + 12.0);
    }

    #[test]
    fn widths_fill_the_text_width() {
        let font = ReportFont::load().unwrap();
        let r = report(1);
        let layout = Layout::new(&font, &r);
        let header = vec![Cell::plain("a", Align::Left), Cell::plain("b".repeat(400), Align::Left)];
        let w = layout.fit_widths(&header, &[], &[0.0, 0.0]);
        assert!((w.iter().sum::<f64>() - CONTENT_W).abs() < 1e-6);
        assert!(w[0] < 20.0, "{w:?}");
    }
}
