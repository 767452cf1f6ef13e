//! A figure placed on the page: plotters draws into a [`PdfCanvas`] the size of the
//! text width, and the caption goes underneath.

use plotters::prelude::IntoDrawingArea;
use printpdf::Op;

use crate::error::Error;
use crate::figure::{self, FigureScale};
use crate::model::{Align, Figure};
use crate::pdf::canvas::{self, PdfCanvas};
use crate::pdf::layout::Layout;
use crate::pdf::style::*;

impl Layout<'_> {
    pub(super) fn figure(&mut self, fig: &Figure) -> Result<(), Error> {
        let caption_lines = self.font.wrap(&fig.caption, BODY_PT - 0.5, CONTENT_W).len();
        let caption_h = caption_lines as f64 * BODY_PT * LINE_GAP + 8.0;
        // A figure never runs past one page, whatever height was asked for.
        let height = (f64::from(fig.height_mm) * 72.0 / 25.4)
            .clamp(40.0, CONTENT_BOTTOM - CONTENT_TOP - caption_h);
        self.ensure_space(height + caption_h);
        let mut ops = Vec::new();
        let canvas = PdfCanvas::new(
            self.font,
            &mut ops,
            &mut self.replaced,
            (MARGIN_X, PAGE_H - self.y),
            (CONTENT_W, height),
        );
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
}
