//! A plotters backend that records vector PDF operations.
//!
//! plotters draws in integer backend units; one point is [`UNITS_PER_PT`] units, fine
//! enough that rounding never shows. Text goes through the report font, so figure
//! labels are real (searchable, subset) text in either language; characters the
//! face cannot draw print as □ and are collected, as on the page.

use std::collections::BTreeSet;

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontTransform,
};
use printpdf::{
    Color, Line, LinePoint, Op, PaintMode, PdfFontHandle, Polygon, PolygonRing, Pt, Rect, Rgb,
    TextItem, TextMatrix, WindingOrder,
};

use super::font::ReportFont;
use super::font_id;

/// Backend units per PDF point.
pub(crate) const UNITS_PER_PT: f64 = 8.0;

/// (cos, sin) of k · 15° for k = 0 … 23; 15° steps have closed forms:
/// cos 15° = (√6 + √2) / 4, cos 30° = √3 / 2, cos 45° = √2 / 2.
const UNIT_CIRCLE_24: [(f64, f64); 24] = {
    const A: f64 = 0.965_925_826_289_068_3; // cos 15°
    const B: f64 = 0.866_025_403_784_438_6; // cos 30°
    const C: f64 = std::f64::consts::FRAC_1_SQRT_2; // cos 45°
    const D: f64 = 0.5; // cos 60°
    const E: f64 = 0.258_819_045_102_520_8; // cos 75°
    let q: [(f64, f64); 6] = [(1.0, 0.0), (A, E), (B, D), (C, C), (D, B), (E, A)];
    let mut out = [(0.0, 0.0); 24];
    let mut i = 0;
    while i < 6 {
        let (c, s) = q[i];
        out[i] = (c, s);
        out[i + 6] = (-s, c);
        out[i + 12] = (-c, -s);
        out[i + 18] = (s, -c);
        i += 1;
    }
    out
};

/// Error type of the canvas; drawing into memory cannot fail.
#[derive(Debug, thiserror::Error)]
#[error("drawing a figure failed")]
pub(crate) struct CanvasError;

/// A rectangle of a page that plotters draws into.
pub(crate) struct PdfCanvas<'f> {
    font: &'f ReportFont,
    /// Left edge on the page, in points from the left.
    left_pt: f64,
    /// Top edge on the page, in points from the bottom (PDF space).
    top_pt: f64,
    size_units: (u32, u32),
    ops: &'f mut Vec<Op>,
    /// Characters printed as [`super::font::REPLACEMENT`] so far.
    replaced: &'f mut BTreeSet<char>,
}

impl<'f> PdfCanvas<'f> {
    /// A canvas `width_pt` × `height_pt` whose top-left corner is at (`left_pt`,
    /// `top_pt`) in PDF page space (y up).
    /// Operations are appended to `ops`, characters the face cannot draw to `replaced`.
    pub fn new(
        font: &'f ReportFont,
        ops: &'f mut Vec<Op>,
        replaced: &'f mut BTreeSet<char>,
        (left_pt, top_pt): (f64, f64),
        (width_pt, height_pt): (f64, f64),
    ) -> Self {
        let size_units = ((width_pt * UNITS_PER_PT) as u32, (height_pt * UNITS_PER_PT) as u32);
        Self { font, left_pt, top_pt, size_units, ops, replaced }
    }

    fn page_xy(&self, (x, y): BackendCoord) -> (f32, f32) {
        let px = self.left_pt + f64::from(x) / UNITS_PER_PT;
        let py = self.top_pt - f64::from(y) / UNITS_PER_PT;
        (px as f32, py as f32)
    }

    fn point(&self, c: BackendCoord) -> LinePoint {
        let (x, y) = self.page_xy(c);
        LinePoint { p: printpdf::Point { x: Pt(x), y: Pt(y) }, bezier: false }
    }

    /// Sets fill or stroke colour; returns false when the colour is fully transparent.
    fn set_color(&mut self, color: BackendColor, stroke: Option<u32>) -> bool {
        if color.alpha <= 0.0 {
            return false;
        }
        // PDF transparency needs an extended graphics state; blending over the white
        // page gives the same look for the light fills figures use.
        let col = pdf_color(color);
        match stroke {
            Some(width) => {
                self.ops.push(Op::SetOutlineColor { col });
                let pt = (f64::from(width) / UNITS_PER_PT) as f32;
                self.ops.push(Op::SetOutlineThickness { pt: Pt(pt) });
            }
            None => self.ops.push(Op::SetFillColor { col }),
        }
        true
    }
}

/// `color` blended over white by its alpha, as a PDF RGB colour.
pub(crate) fn pdf_color(color: BackendColor) -> Color {
    let a = color.alpha.clamp(0.0, 1.0);
    let c = |v: u8| ((f64::from(v) / 255.0) * a + (1.0 - a)) as f32;
    Color::Rgb(Rgb { r: c(color.rgb.0), g: c(color.rgb.1), b: c(color.rgb.2), icc_profile: None })
}

impl DrawingBackend for PdfCanvas<'_> {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        self.size_units
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.draw_rect(point, (point.0 + 1, point.1 + 1), &color, true)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.draw_path([from, to], style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        let stroke = (!fill).then(|| style.stroke_width());
        if !self.set_color(style.color(), stroke) {
            return Ok(());
        }
        let (x0, y0) = self.page_xy(upper_left);
        let (x1, y1) = self.page_xy(bottom_right);
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x0.min(x1)),
                y: Pt(y0.min(y1)),
                width: Pt((x1 - x0).abs()),
                height: Pt((y1 - y0).abs()),
                mode: Some(if fill { PaintMode::Fill } else { PaintMode::Stroke }),
                winding_order: Some(WindingOrder::NonZero),
            },
        });
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if !self.set_color(style.color(), Some(style.stroke_width())) {
            return Ok(());
        }
        let points: Vec<LinePoint> = path.into_iter().map(|c| self.point(c)).collect();
        if points.len() >= 2 {
            self.ops.push(Op::DrawLine { line: Line { points, is_closed: false } });
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        // A 24-gon: markers are a few points across, where it reads as a circle. The
        // unit circle is a table, not sin/cos, so the bytes cannot depend on libm.
        let r = f64::from(radius);
        let ring: Vec<BackendCoord> = UNIT_CIRCLE_24
            .iter()
            .map(|&(c, s)| (center.0 + (r * c).round() as i32, center.1 + (r * s).round() as i32))
            .collect();
        if fill {
            self.fill_polygon(ring, style)
        } else {
            let mut closed = ring;
            closed.push(closed[0]);
            self.draw_path(closed, style)
        }
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if !self.set_color(style.color(), None) {
            return Ok(());
        }
        let points: Vec<LinePoint> = vert.into_iter().map(|c| self.point(c)).collect();
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing { points }],
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        });
        Ok(())
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        let text = &*self.font.printable(text, self.replaced);
        let size_pt = style.size() / UNITS_PER_PT;
        let width = self.font.width_pt(text, size_pt);
        let (ascent, descent) = (self.font.ascent_em * size_pt, self.font.descent_em * size_pt);
        // Offset from the anchor to the baseline start, in the text's own frame
        // (x along the text, y up).
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => -ascent,
            VPos::Center => -(ascent - descent) / 2.0,
            VPos::Bottom => descent,
        };
        // Rotation of the text frame, counter-clockwise on the page (PDF y is up,
        // plotters rotates clockwise on a y-down screen, which is the same sense).
        let (cos, sin) = match style.transform() {
            FontTransform::None => (1.0, 0.0),
            FontTransform::Rotate90 => (0.0, -1.0),
            FontTransform::Rotate180 => (-1.0, 0.0),
            FontTransform::Rotate270 => (0.0, 1.0),
        };
        let (ax, ay) = self.page_xy(pos);
        let x = f64::from(ax) + dx * cos - dy * sin;
        let y = f64::from(ay) + dx * sin + dy * cos;
        let col = pdf_color(style.color());
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(font_id()), size: Pt(size_pt as f32) },
            Op::SetFillColor { col },
            Op::SetTextMatrix {
                matrix: TextMatrix::Raw([
                    cos as f32,
                    sin as f32,
                    -sin as f32,
                    cos as f32,
                    x as f32,
                    y as f32,
                ]),
            },
            Op::ShowText { items: vec![TextItem::Text(text.to_owned())] },
            Op::EndTextSection,
        ]);
        Ok(())
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        let size_pt = style.size() / UNITS_PER_PT;
        let w = self.font.width_pt(text, size_pt) * UNITS_PER_PT;
        let h = (self.font.ascent_em + self.font.descent_em) * size_pt * UNITS_PER_PT;
        Ok((w.ceil() as u32, h.ceil() as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::UNIT_CIRCLE_24;

    #[test]
    fn circle_table_matches_sin_cos() {
        for (k, &(c, s)) in UNIT_CIRCLE_24.iter().enumerate() {
            let a = (k as f64 * 15.0).to_radians();
            assert!((c - a.cos()).abs() < 1e-15 && (s - a.sin()).abs() < 1e-15, "{k}");
        }
    }
}
