//! Page-by-page layout state and the drawing primitives every block uses: text,
//! rules, filled rectangles, wrapped paragraphs, page breaks and the footers.

use std::collections::BTreeSet;

use printpdf::{Line, LinePoint, Op, PaintMode, PdfFontHandle, Pt, Rect, TextItem, WindingOrder};

use super::font::ReportFont;
use super::font_id;
use super::style::*;
use crate::labels::{Label, Lang};
use crate::model::{Align, Report};

/// Page-by-page layout state. y runs down from the top of the page.
pub(super) struct Layout<'a> {
    pub(super) font: &'a ReportFont,
    pub(super) lang: Lang,
    pub(super) title: &'a str,
    pub(super) pages: Vec<Vec<Op>>,
    /// Page the drawing primitives write to.
    pub(super) current: usize,
    pub(super) y: f64,
    /// Characters printed as □ because the face cannot draw them.
    pub(super) replaced: BTreeSet<char>,
}

impl<'a> Layout<'a> {
    pub(super) fn new(font: &'a ReportFont, report: &'a Report) -> Self {
        Self {
            font,
            lang: report.lang,
            title: &report.title,
            pages: vec![Vec::new()],
            current: 0,
            y: CONTENT_TOP,
            replaced: BTreeSet::new(),
        }
    }

    pub(super) fn ops(&mut self) -> &mut Vec<Op> {
        &mut self.pages[self.current]
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.current = self.pages.len() - 1;
        self.y = CONTENT_TOP;
        // Running header: the title, so a loose page is still recognisable.
        let title = self.title;
        self.text(MARGIN_X, CONTENT_TOP - 18.0, SMALL_PT + 0.5, colors::MUTED, title);
        self.hline(MARGIN_X, PAGE_W - MARGIN_X, CONTENT_TOP - 12.0, 0.4, colors::RULE_LIGHT);
    }

    /// Starts a new page unless `height` fits below the cursor.
    pub(super) fn ensure_space(&mut self, height: f64) {
        if self.y + height > CONTENT_BOTTOM && self.y > CONTENT_TOP + 1.0 {
            self.new_page();
        }
    }

    // --- drawing primitives (top-down coordinates) ---------------------------

    pub(super) fn text(&mut self, x: f64, baseline: f64, size: f64, color: u32, text: &str) {
        if text.is_empty() {
            return;
        }
        let font = self.font;
        let text = &*font.printable(text, &mut self.replaced);
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
    pub(super) fn text_in(
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

    pub(super) fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: u32) {
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

    pub(super) fn hline(&mut self, x0: f64, x1: f64, y: f64, width: f64, color: u32) {
        self.line(&[(x0, y), (x1, y)], width, color);
    }

    pub(super) fn line(&mut self, points: &[(f64, f64)], width: f64, color: u32) {
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

    pub(super) fn ascent(&self, size: f64) -> f64 {
        self.font.ascent_em * size
    }

    /// Wrapped paragraph at the cursor.
    pub(super) fn paragraph(&mut self, text: &str, size: f64, color: u32, indent: f64) {
        let lines = self.font.wrap(text, size, CONTENT_W - indent);
        let line_h = size * LINE_GAP;
        for line in lines {
            self.ensure_space(line_h);
            let baseline = self.y + self.ascent(size);
            self.text(MARGIN_X + indent, baseline, size, color, &line);
            self.y += line_h;
        }
    }

    pub(super) fn footers(&mut self, report: &Report, producer: &str) {
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
