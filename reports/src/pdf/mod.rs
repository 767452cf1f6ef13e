//! PDF writer: lays a [`Report`] out on A4 portrait pages.
//!
//! One face (IPAexGothic, embedded and subset) serves Japanese and English. Long
//! tables continue on the next page with their header repeated; every page carries a
//! footer with the record id, the content hash and "page N of M". The output is a
//! pure function of the report and [`PdfOptions`]: no clock, no randomness.

mod canvas;
mod font;

use plotters::prelude::IntoDrawingArea;
use printpdf::{
    Color, DateTime, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFont,
    PdfFontHandle, PdfPage, PdfSaveOptions, Pt, Rect, Rgb, TextItem, WindingOrder,
};

use crate::error::Error;
use crate::figure::{self, FigureScale};
use crate::labels::{Label, Lang};
use crate::model::{
    Align, Block, Figure, KeyValueTable, Notes, Report, SignatureBlock, Table, Verdict,
    VerdictTable,
};
use canvas::PdfCanvas;
use font::ReportFont;

/// Inputs that would otherwise come from the clock or the build, passed in so the
/// same report always gives the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfOptions {
    /// Creation date for the PDF's Info dictionary, in seconds since 1970-01-01 UTC.
    pub created_unix_s: i64,
    /// Producer written to the Info dictionary and the footer, e.g. "monqc 0.1.0".
    pub producer: String,
    /// Document identifier for the PDF trailer's /ID (e.g. the record's content hash).
    pub document_id: String,
}

/// Writes reports as PDF. Parsing the font is the costly part of a report, so make
/// one writer and reuse it.
pub struct PdfWriter {
    font: ReportFont,
}

impl std::fmt::Debug for PdfWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfWriter").finish_non_exhaustive()
    }
}

/// Resource name of the report font; fixed, where printpdf would pick a random one.
/// printpdf also takes its first six letters as the subset tag of /BaseFont
/// ("MQCIPA+IPAexGothic"), which ISO 32000-1 §9.6.4 wants as six capitals.
fn font_id() -> FontId {
    FontId("MQCIPA".to_owned())
}

// Page geometry, in points (A4 portrait: 210 mm × 297 mm).
const PAGE_W: f64 = 595.2756;
const PAGE_H: f64 = 841.8898;
const MARGIN_X: f64 = 51.0; // 18 mm
const CONTENT_TOP: f64 = 51.0;
const CONTENT_BOTTOM: f64 = PAGE_H - 64.0;
const CONTENT_W: f64 = PAGE_W - 2.0 * MARGIN_X;

// Type sizes, in points.
const TITLE_PT: f64 = 18.0;
const SUBTITLE_PT: f64 = 10.0;
const HEADING_PT: f64 = 12.0;
const BODY_PT: f64 = 9.0;
const TABLE_PT: f64 = 8.5;
const TABLE_TITLE_PT: f64 = 9.5;
const SMALL_PT: f64 = 7.0;
const LINE_GAP: f64 = 1.4;
const CELL_PAD_X: f64 = 4.5;
const CELL_PAD_Y: f64 = 3.5;

fn rgb(hex: u32) -> Color {
    let c = |shift: u32| ((hex >> shift) & 0xff) as f32 / 255.0;
    Color::Rgb(Rgb { r: c(16), g: c(8), b: c(0), icc_profile: None })
}

mod colors {
    pub const TEXT: u32 = 0x1a1a1a;
    pub const MUTED: u32 = 0x5f6368;
    pub const ACCENT: u32 = 0x1f3a68;
    pub const RULE: u32 = 0xb8bcc2;
    pub const RULE_LIGHT: u32 = 0xdcdfe3;
    pub const HEADER_FILL: u32 = 0xe9edf2;
    pub const KEY_FILL: u32 = 0xf4f5f7;
    pub const PASS: u32 = 0x1b5e20;
    pub const PASS_FILL: u32 = 0xe6f2e7;
    pub const FAIL: u32 = 0xa31515;
    pub const FAIL_FILL: u32 = 0xfbe5e5;
    pub const NOT_EVALUATED: u32 = 0x555555;
    pub const NOT_EVALUATED_FILL: u32 = 0xefefef;
}

impl PdfWriter {
    /// A writer with the embedded font parsed.
    pub fn new() -> Result<Self, Error> {
        Ok(Self { font: ReportFont::load()? })
    }

    /// The report as PDF bytes.
    pub fn write(&self, report: &Report, options: &PdfOptions) -> Result<Vec<u8>, Error> {
        let mut layout = Layout::new(&self.font, report);
        layout.title_block(report);
        for (i, block) in report.blocks.iter().enumerate() {
            layout.block(block, i)?;
        }
        if let Some(text) = layout.missing_glyphs.take() {
            return Err(Error::MissingGlyphs(text));
        }
        layout.footers(report, &options.producer);

        let created = DateTime::from_unix_timestamp(options.created_unix_s)
            .map_err(|_| Error::InvalidTimestamp(options.created_unix_s))?;
        let mut doc = PdfDocument::new(&report.title);
        let info = &mut doc.metadata.info;
        info.creation_date = created;
        info.modification_date = created;
        info.metadata_date = created;
        info.producer = options.producer.clone();
        info.creator = options.producer.clone();
        info.identifier = options.document_id.clone();
        info.subject = report.identity.record_id.clone();
        doc.resources.fonts.map.insert(font_id(), PdfFont::new(self.font.parsed.clone()));
        doc.pages =
            layout.pages.into_iter().map(|ops| PdfPage::new(Mm(210.0), Mm(297.0), ops)).collect();
        let save = PdfSaveOptions {
            optimize: true,
            subset_fonts: true,
            secure: true,
            image_optimization: None,
        };
        let mut warnings = Vec::new();
        let mut pdf = doc.to_lopdf_document(&save, &mut warnings);
        // printpdf draws a random trailer /ID; ours is the caller's document id.
        let id = lopdf::Object::String(
            options.document_id.as_bytes().to_vec(),
            lopdf::StringFormat::Hexadecimal,
        );
        pdf.trailer.set("ID", lopdf::Object::Array(vec![id.clone(), id]));
        if let Ok(catalog) = pdf.catalog_mut() {
            catalog.set(
                "Lang",
                lopdf::Object::String(
                    report.lang.bcp47().as_bytes().to_vec(),
                    lopdf::StringFormat::Literal,
                ),
            );
        }
        // /Lang and the font subset need PDF 1.4; lopdf writes 1.3 unless told.
        pdf.version = "1.4".to_owned();
        pdf.compress();
        let mut bytes = Vec::new();
        pdf.save_to(&mut bytes)?;
        Ok(bytes)
    }
}

/// One cell of a laid-out table.
struct Cell {
    text: String,
    align: Align,
    color: u32,
    fill: Option<u32>,
}

impl Cell {
    fn plain(text: impl Into<String>, align: Align) -> Self {
        Self { text: text.into(), align, color: colors::TEXT, fill: None }
    }
}

/// A table ready to draw: widths fixed, cells styled.
struct TableLayout {
    title: Option<String>,
    widths: Vec<f64>,
    header: Option<Vec<Cell>>,
    rows: Vec<Vec<Cell>>,
}

/// Page-by-page layout state. y runs down from the top of the page.
struct Layout<'a> {
    font: &'a ReportFont,
    lang: Lang,
    title: &'a str,
    pages: Vec<Vec<Op>>,
    /// Page the drawing primitives write to.
    current: usize,
    y: f64,
    /// First text met that the font cannot show.
    missing_glyphs: Option<String>,
}

impl<'a> Layout<'a> {
    fn new(font: &'a ReportFont, report: &'a Report) -> Self {
        Self {
            font,
            lang: report.lang,
            title: &report.title,
            pages: vec![Vec::new()],
            current: 0,
            y: CONTENT_TOP,
            missing_glyphs: None,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        &mut self.pages[self.current]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.current = self.pages.len() - 1;
        self.y = CONTENT_TOP;
        // Running header: the title, so a loose page is still recognisable.
        let title = self.title;
        self.text(MARGIN_X, CONTENT_TOP - 18.0, SMALL_PT + 0.5, colors::MUTED, title);
        self.hline(MARGIN_X, PAGE_W - MARGIN_X, CONTENT_TOP - 12.0, 0.4, colors::RULE_LIGHT);
    }

    /// Starts a new page unless `height` fits below the cursor.
    fn ensure_space(&mut self, height: f64) {
        if self.y + height > CONTENT_BOTTOM && self.y > CONTENT_TOP + 1.0 {
            self.new_page();
        }
    }

    // --- drawing primitives (top-down coordinates) ---------------------------

    fn text(&mut self, x: f64, baseline: f64, size: f64, color: u32, text: &str) {
        if text.is_empty() {
            return;
        }
        let text = &*ReportFont::printable(text);
        if self.missing_glyphs.is_none() && !self.font.covers(text) {
            self.missing_glyphs = Some(text.to_owned());
        }
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(font_id()), size: Pt(size as f32) },
            Op::SetFillColor { col: rgb(color) },
            Op::SetTextCursor {
                pos: printpdf::Point { x: Pt(x as f32), y: Pt((PAGE_H - baseline) as f32) },
            },
            Op::ShowText { items: vec![TextItem::Text(text.to_owned())] },
            Op::EndTextSection,
        ]);
    }

    /// Text aligned within [x, x + width].
    #[allow(clippy::too_many_arguments)]
    fn text_in(
        &mut self,
        x: f64,
        width: f64,
        baseline: f64,
        size: f64,
        color: u32,
        align: Align,
        text: &str,
    ) {
        let w = self.font.width_pt(text, size);
        let x = match align {
            Align::Left => x,
            Align::Right => x + width - w,
            Align::Center => x + (width - w) / 2.0,
        };
        self.text(x, baseline, size, color, text);
    }

    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: u32) {
        self.ops().extend([
            Op::SetFillColor { col: rgb(color) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x as f32),
                    y: Pt((PAGE_H - y - h) as f32),
                    width: Pt(w as f32),
                    height: Pt(h as f32),
                    mode: Some(PaintMode::Fill),
                    winding_order: Some(WindingOrder::NonZero),
                },
            },
        ]);
    }

    fn hline(&mut self, x0: f64, x1: f64, y: f64, width: f64, color: u32) {
        self.line(&[(x0, y), (x1, y)], width, color);
    }

    fn line(&mut self, points: &[(f64, f64)], width: f64, color: u32) {
        let points = points
            .iter()
            .map(|&(x, y)| LinePoint {
                p: printpdf::Point { x: Pt(x as f32), y: Pt((PAGE_H - y) as f32) },
                bezier: false,
            })
            .collect();
        self.ops().extend([
            Op::SetOutlineColor { col: rgb(color) },
            Op::SetOutlineThickness { pt: Pt(width as f32) },
            Op::DrawLine { line: Line { points, is_closed: false } },
        ]);
    }

    fn ascent(&self, size: f64) -> f64 {
        self.font.ascent_em * size
    }

    /// Wrapped paragraph at the cursor.
    fn paragraph(&mut self, text: &str, size: f64, color: u32, indent: f64) {
        let lines = self.font.wrap(text, size, CONTENT_W - indent);
        let line_h = size * LINE_GAP;
        for line in lines {
            self.ensure_space(line_h);
            let baseline = self.y + self.ascent(size);
            self.text(MARGIN_X + indent, baseline, size, color, &line);
            self.y += line_h;
        }
    }

    // --- blocks ---------------------------------------------------------------

    fn title_block(&mut self, report: &Report) {
        let baseline = self.y + self.ascent(TITLE_PT);
        self.text(MARGIN_X, baseline, TITLE_PT, colors::ACCENT, &report.title);
        self.y += TITLE_PT * 1.45;
        for line in &report.subtitle {
            self.paragraph(line, SUBTITLE_PT, colors::MUTED, 0.0);
        }
        self.y += 4.0;
        self.hline(MARGIN_X, PAGE_W - MARGIN_X, self.y, 1.2, colors::ACCENT);
        self.y += 10.0;
    }

    fn block(&mut self, block: &Block, index: usize) -> Result<(), Error> {
        match block {
            Block::Heading(text) => self.heading(text),
            Block::Paragraph(text) => {
                self.paragraph(text, BODY_PT, colors::TEXT, 0.0);
                self.y += 6.0;
            }
            Block::KeyValues(kv) => self.key_values(kv),
            Block::OverallVerdict(v) => self.overall_verdict(v),
            Block::Verdicts(v) => self.verdicts(v),
            Block::Table(t) => self.generic_table(t, index)?,
            Block::Figure(f) => self.figure(f)?,
            Block::Notes(n) => self.notes(n),
            Block::Signatures(s) => self.signatures(s),
            Block::PageBreak => self.new_page(),
        }
        Ok(())
    }

    fn heading(&mut self, text: &str) {
        // Keep a heading with at least a few lines of what follows it.
        self.ensure_space(HEADING_PT * 1.6 + 60.0);
        self.y += 6.0;
        let baseline = self.y + self.ascent(HEADING_PT);
        self.text(MARGIN_X, baseline, HEADING_PT, colors::ACCENT, text);
        self.y += HEADING_PT * 1.35;
        self.hline(MARGIN_X, PAGE_W - MARGIN_X, self.y, 0.5, colors::RULE);
        self.y += 7.0;
    }

    fn key_values(&mut self, kv: &KeyValueTable) {
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
        }
    }

    fn verdicts(&mut self, table: &VerdictTable) {
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
        let verdict_w = [Label::Pass, Label::Fail, Label::NotEvaluated, Label::Verdict]
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

    fn generic_table(&mut self, table: &Table, index: usize) -> Result<(), Error> {
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

    /// Column widths that fill the text width: narrow columns keep their natural
    /// width, wide ones share what is left in proportion to their natural width.
    /// No column gets narrower than its longest word (so words never break
    /// mid-letter) or than `floor[c]`; the room comes from the widest columns.
    fn fit_widths(&self, header: &[Cell], rows: &[Vec<Cell>], floor: &[f64]) -> Vec<f64> {
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

    fn table_title(&mut self, title: &str, continued: bool) {
        let text = if continued {
            format!("{title} {}", self.lang.label(Label::Continued))
        } else {
            title.to_owned()
        };
        let baseline = self.y + self.ascent(TABLE_TITLE_PT);
        self.text(MARGIN_X, baseline, TABLE_TITLE_PT, colors::TEXT, &text);
        self.y += TABLE_TITLE_PT * 1.6;
    }

    fn table(&mut self, t: TableLayout) {
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

    fn overall_verdict(&mut self, verdict: &Verdict) {
        let (word, reason, color, fill) = match verdict {
            Verdict::Pass => (Label::Pass, None, colors::PASS, colors::PASS_FILL),
            Verdict::Fail => (Label::Fail, None, colors::FAIL, colors::FAIL_FILL),
            Verdict::NotEvaluated { reason } => (
                Label::NotEvaluated,
                Some(reason.as_str()),
                colors::NOT_EVALUATED,
                colors::NOT_EVALUATED_FILL,
            ),
        };
        let height = 34.0;
        self.ensure_space(height + 12.0);
        let top = self.y;
        self.fill_rect(MARGIN_X, top, CONTENT_W, height, fill);
        self.fill_rect(MARGIN_X, top, 4.0, height, color);
        let label = self.lang.label(Label::OverallVerdict);
        let baseline = top + height / 2.0 + 3.5;
        self.text(MARGIN_X + 14.0, baseline, 10.5, colors::TEXT, label);
        let label_w = self.font.width_pt(label, 10.5);
        let word_x = MARGIN_X + 14.0 + label_w.max(70.0) + 18.0;
        let word = self.lang.label(word);
        self.text(word_x, baseline + 2.5, 17.0, color, word);
        if let Some(reason) = reason {
            let x = word_x + self.font.width_pt(word, 17.0) + 14.0;
            // One line in the banner; a longer reason belongs in the notes.
            let room = MARGIN_X + CONTENT_W - 8.0 - x;
            let line = self.font.wrap(reason, BODY_PT, room).into_iter().next().unwrap_or_default();
            let line = if line.chars().count() < reason.chars().count() {
                format!(
                    "{}…",
                    line.trim_end()
                        .chars()
                        .take(line.chars().count().saturating_sub(1))
                        .collect::<String>()
                )
            } else {
                line
            };
            self.text(x, baseline, BODY_PT, colors::NOT_EVALUATED, &line);
        }
        self.y = top + height + 14.0;
    }

    fn figure(&mut self, fig: &Figure) -> Result<(), Error> {
        let caption_lines = self.font.wrap(&fig.caption, BODY_PT - 0.5, CONTENT_W).len();
        let caption_h = caption_lines as f64 * BODY_PT * LINE_GAP + 8.0;
        // A figure never runs past one page, whatever height was asked for.
        let height = (f64::from(fig.height_mm) * 72.0 / 25.4)
            .clamp(40.0, CONTENT_BOTTOM - CONTENT_TOP - caption_h);
        self.ensure_space(height + caption_h);
        let mut ops = Vec::new();
        let canvas =
            PdfCanvas::new(self.font, &mut ops, (MARGIN_X, PAGE_H - self.y), (CONTENT_W, height));
        let area = canvas.into_drawing_area();
        let scale = FigureScale { units_per_pt: canvas::UNITS_PER_PT };
        figure::draw(&fig.spec, self.lang, &area, scale)?;
        drop(area);
        self.ops().push(Op::SaveGraphicsState);
        self.ops().extend(ops);
        self.ops().push(Op::RestoreGraphicsState);
        self.y += height + 4.0;
        for line in self.font.wrap(&fig.caption, BODY_PT - 0.5, CONTENT_W) {
            let baseline = self.y + self.ascent(BODY_PT - 0.5);
            self.text_in(
                MARGIN_X,
                CONTENT_W,
                baseline,
                BODY_PT - 0.5,
                colors::MUTED,
                Align::Center,
                &line,
            );
            self.y += (BODY_PT - 0.5) * LINE_GAP;
        }
        self.y += 10.0;
        Ok(())
    }

    fn notes(&mut self, notes: &Notes) {
        let title = notes.title.clone().unwrap_or_else(|| self.lang.label(Label::Notes).to_owned());
        self.ensure_space(TABLE_TITLE_PT * 1.6 + BODY_PT * 3.0);
        self.table_title(&title, false);
        for (i, item) in notes.items.iter().enumerate() {
            let marker = format!("{}.", i + 1);
            let lines = self.font.wrap(item, BODY_PT, CONTENT_W - 16.0);
            for (j, line) in lines.iter().enumerate() {
                self.ensure_space(BODY_PT * LINE_GAP);
                let baseline = self.y + self.ascent(BODY_PT);
                if j == 0 {
                    self.text(MARGIN_X + 2.0, baseline, BODY_PT, colors::MUTED, &marker);
                }
                self.text(MARGIN_X + 16.0, baseline, BODY_PT, colors::TEXT, line);
                self.y += BODY_PT * LINE_GAP;
            }
            self.y += 2.0;
        }
        self.y += 8.0;
    }

    fn signatures(&mut self, block: &SignatureBlock) {
        const PER_ROW: usize = 3;
        const BOX_H: f64 = 74.0;
        const GAP: f64 = 12.0;
        let title =
            block.title.clone().unwrap_or_else(|| self.lang.label(Label::Signatures).to_owned());
        let rows = block.slots.len().div_ceil(PER_ROW).max(1);
        self.ensure_space(TABLE_TITLE_PT * 1.6 + rows as f64 * (BOX_H + GAP));
        self.table_title(&title, false);
        let box_w = (CONTENT_W - GAP * (PER_ROW - 1) as f64) / PER_ROW as f64;
        let (name_l, date_l, sign_l) = (
            self.lang.label(Label::Name),
            self.lang.label(Label::Date),
            self.lang.label(Label::Signature),
        );
        let label_w = [name_l, date_l, sign_l]
            .iter()
            .map(|l| self.font.width_pt(l, SMALL_PT + 0.5))
            .fold(0.0, f64::max)
            + 6.0;
        for chunk in block.slots.chunks(PER_ROW) {
            let top = self.y;
            for (i, slot) in chunk.iter().enumerate() {
                let x = MARGIN_X + i as f64 * (box_w + GAP);
                let frame = [
                    (x, top),
                    (x + box_w, top),
                    (x + box_w, top + BOX_H),
                    (x, top + BOX_H),
                    (x, top),
                ];
                self.line(&frame, 0.6, colors::RULE);
                self.fill_rect(x + 0.3, top + 0.3, box_w - 0.6, 15.0, colors::HEADER_FILL);
                let inner = x + 6.0;
                self.text(inner, top + 11.0, TABLE_PT, colors::TEXT, &slot.role);
                let fields = [(name_l, slot.name.as_deref()), (date_l, slot.date.as_deref())];
                for (j, (label, value)) in fields.into_iter().enumerate() {
                    let baseline = top + 29.0 + j as f64 * 13.0;
                    self.text(inner, baseline, SMALL_PT + 0.5, colors::MUTED, label);
                    self.text(
                        inner + label_w + 2.0,
                        baseline,
                        TABLE_PT,
                        colors::TEXT,
                        value.unwrap_or(""),
                    );
                    self.hline(
                        inner + label_w,
                        x + box_w - 6.0,
                        baseline + 2.5,
                        0.3,
                        colors::RULE_LIGHT,
                    );
                }
                let baseline = top + BOX_H - 8.0;
                self.text(inner, baseline, SMALL_PT + 0.5, colors::MUTED, sign_l);
                self.hline(inner + label_w, x + box_w - 6.0, baseline + 2.5, 0.5, colors::RULE);
            }
            self.y = top + BOX_H + GAP;
        }
    }

    fn footers(&mut self, report: &Report, producer: &str) {
        let count = self.pages.len();
        let id = &report.identity;
        let record = format!("{}: {}", self.lang.label(Label::RecordId), id.record_id);
        let hash = format!("{}: {}", self.lang.label(Label::ContentHash), id.content_hash);
        for page in 0..count {
            let page_text = self.lang.page_of(page + 1, count);
            self.current = page;
            let rule_y = PAGE_H - 48.0;
            self.hline(MARGIN_X, PAGE_W - MARGIN_X, rule_y, 0.5, colors::RULE);
            self.text(MARGIN_X, rule_y + 11.0, SMALL_PT, colors::MUTED, &record);
            self.text(MARGIN_X, rule_y + 20.0, SMALL_PT, colors::MUTED, &hash);
            self.text_in(
                MARGIN_X,
                CONTENT_W,
                rule_y + 11.0,
                SMALL_PT + 0.5,
                colors::TEXT,
                Align::Right,
                &page_text,
            );
            self.text_in(
                MARGIN_X,
                CONTENT_W,
                rule_y + 20.0,
                SMALL_PT,
                colors::MUTED,
                Align::Right,
                producer,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, RecordIdentity};

    fn report(rows: usize) -> Report {
        Report {
            lang: Lang::En,
            title: "Acceptance test report".into(),
            subtitle: vec![],
            identity: RecordIdentity { record_id: "R-1".into(), content_hash: "ab".repeat(32) },
            blocks: vec![Block::Table(Table {
                title: Some("Readings".into()),
                columns: vec![Column::text("Patch"), Column::number("L (cd/m²)")],
                rows: (0..rows).map(|i| vec![format!("P{i}"), format!("{i}.00")]).collect(),
            })],
        }
    }

    fn options() -> PdfOptions {
        PdfOptions { created_unix_s: 0, producer: "test".into(), document_id: "00".into() }
    }

    #[test]
    fn long_tables_continue_on_new_pages() {
        let writer = PdfWriter::new().unwrap();
        let short = report(5);
        let mut layout = Layout::new(&writer.font, &short);
        layout.block(&short.blocks[0], 0).unwrap();
        assert_eq!(layout.pages.len(), 1);
        let long = report(200);
        let mut layout = Layout::new(&writer.font, &long);
        layout.block(&long.blocks[0], 0).unwrap();
        // About 45 rows fit on a page at 8.5 pt.
        assert!((4..=6).contains(&layout.pages.len()), "{} pages", layout.pages.len());
        assert!(layout.y <= CONTENT_BOTTOM + 12.0);
    }

    #[test]
    fn ragged_tables_are_refused() {
        let mut r = report(2);
        if let Block::Table(t) = &mut r.blocks[0] {
            t.rows[1].pop();
        }
        let err = PdfWriter::new().unwrap().write(&r, &options()).unwrap_err();
        assert!(matches!(err, Error::RaggedTable { row: 1, found: 1, expected: 2, .. }), "{err}");
    }

    fn with_figure(spec: crate::FigureSpec) -> Result<Vec<u8>, Error> {
        let mut r = report(1);
        r.blocks.push(Block::Figure(crate::Figure { caption: "c".into(), spec, height_mm: 900.0 }));
        PdfWriter::new().unwrap().write(&r, &options())
    }

    #[test]
    fn bad_figure_data_is_an_error_not_a_panic() {
        use crate::figure::*;
        let empty = LuminanceResponse { measured: vec![], target: vec![] };
        assert!(matches!(with_figure(FigureSpec::LuminanceResponse(empty)), Err(Error::Figure(_))));
        let non_positive = ContrastResponse {
            measured: vec![Point::new(1.0, 0.0), Point::new(2.0, -1.0)],
            expected: vec![],
            tolerance_fraction: 0.15,
            log_y: true,
        };
        let r = with_figure(FigureSpec::ContrastResponse(non_positive));
        assert!(matches!(r, Err(Error::Figure(_))), "{r:?}");
        let outside = UniformityMap {
            rows: 1,
            cols: 1,
            cells: vec![UniformityCell {
                row: 1,
                col: 0,
                value: "1".into(),
                deviation_percent: 0.0,
            }],
            deviation_limit_percent: 30.0,
        };
        assert!(matches!(with_figure(FigureSpec::UniformityMap(outside)), Err(Error::Figure(_))));
        let empty_grid =
            UniformityMap { rows: 0, cols: 3, cells: vec![], deviation_limit_percent: 0.0 };
        assert!(matches!(
            with_figure(FigureSpec::UniformityMap(empty_grid)),
            Err(Error::Figure(_))
        ));
    }

    #[test]
    fn odd_but_drawable_figure_data_still_writes() {
        use crate::figure::*;
        // NaN points, a flat trend, no points at all, and an over-tall figure.
        let nan = ContrastResponse {
            measured: vec![Point::new(f64::NAN, 0.01), Point::new(10.0, f64::NAN)],
            expected: vec![Point::new(1.0, 0.02), Point::new(2.0, 0.02)],
            tolerance_fraction: 0.1,
            log_y: false,
        };
        with_figure(FigureSpec::ContrastResponse(nan)).unwrap();
        let flat = Trend {
            metric: "m".into(),
            points: vec![TrendPoint { label: "a".into(), value: 5.0 }],
            baseline: Some(5.0),
            limits: vec![],
        };
        with_figure(FigureSpec::Trend(flat)).unwrap();
        let none = Trend { metric: "m".into(), points: vec![], baseline: None, limits: vec![] };
        with_figure(FigureSpec::Trend(none)).unwrap();
    }

    #[test]
    fn a_long_reason_in_the_banner_is_shortened_with_an_ellipsis() {
        let mut r = report(1);
        let reason = "照度計が接続されていなかったため周囲光の測定を実施できなかった。".repeat(4);
        r.blocks.insert(0, Block::OverallVerdict(Verdict::NotEvaluated { reason }));
        let writer = PdfWriter::new().unwrap();
        let mut layout = Layout::new(&writer.font, &r);
        layout.block(&r.blocks[0], 0).unwrap();
        assert!(layout.missing_glyphs.is_none());
        let shown: Vec<String> = layout.pages[0]
            .iter()
            .filter_map(|op| match op {
                Op::ShowText { items } => match &items[0] {
                    TextItem::Text(t) => Some(t.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let line = shown.iter().find(|t| t.starts_with("照度計")).expect("reason drawn");
        assert!(line.ends_with('…') && line.chars().count() < 60, "{line}");
    }

    #[test]
    fn text_the_font_lacks_is_refused() {
        let mut r = report(1);
        r.blocks.push(Block::Paragraph("emoji \u{1F600}".into()));
        let err = PdfWriter::new().unwrap().write(&r, &options()).unwrap_err();
        assert!(matches!(err, Error::MissingGlyphs(_)), "{err}");
    }

    #[test]
    fn widths_fill_the_text_width() {
        let writer = PdfWriter::new().unwrap();
        let r = report(1);
        let layout = Layout::new(&writer.font, &r);
        let header = vec![Cell::plain("a", Align::Left), Cell::plain("b".repeat(400), Align::Left)];
        let w = layout.fit_widths(&header, &[], &[0.0, 0.0]);
        assert!((w.iter().sum::<f64>() - CONTENT_W).abs() < 1e-6);
        assert!(w[0] < 20.0, "{w:?}");
    }
}

#[cfg(test)]
mod thread_safety {
    /// A server can share one writer (and its parsed font) between threads.
    #[test]
    fn writer_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::PdfWriter>();
    }
}
