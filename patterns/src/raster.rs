//! A pixel buffer of DDLs and the rasteriser for [`Shape`]s.

use crate::font::{ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, LINE_ADVANCE, glyph, wrap};
use crate::{BitDepth, Orientation, Rect, Shape};

/// A grey-level image: one DDL per pixel, row-major from the top-left pixel, all at
/// the same [`BitDepth`]. The presenter writes each DDL to R, G and B unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    width: u32,
    height: u32,
    bit_depth: BitDepth,
    ddls: Vec<u16>,
}

impl Raster {
    /// A `width`×`height` raster with every pixel at `ddl` (clamped to the bit depth).
    pub fn filled(width: u32, height: u32, bit_depth: BitDepth, ddl: u16) -> Self {
        let ddl = ddl.min(bit_depth.max_ddl());
        Self { width, height, bit_depth, ddls: vec![ddl; width as usize * height as usize] }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bit depth of the DDLs.
    pub fn bit_depth(&self) -> BitDepth {
        self.bit_depth
    }

    /// All DDLs, row-major from the top-left pixel.
    pub fn ddls(&self) -> &[u16] {
        &self.ddls
    }

    /// One row of DDLs (`None` below the last row).
    pub fn row(&self, y: u32) -> Option<&[u16]> {
        (y < self.height).then(|| {
            let start = y as usize * self.width as usize;
            &self.ddls[start..start + self.width as usize]
        })
    }

    /// The DDL at (`x`, `y`), or `None` outside the raster.
    pub fn get(&self, x: u32, y: u32) -> Option<u16> {
        (x < self.width && y < self.height)
            .then(|| self.ddls[y as usize * self.width as usize + x as usize])
    }

    /// Draws one shape; parts outside the raster are clipped and DDLs are clamped to
    /// the bit depth.
    pub fn draw(&mut self, shape: &Shape) {
        let max = self.bit_depth.max_ddl();
        match *shape {
            Shape::Fill { rect, ddl } => self.fill(rect, ddl.min(max)),
            Shape::Outline { rect, ddl } => {
                if rect.is_empty() {
                    return;
                }
                let ddl = ddl.min(max);
                self.fill(Rect::new(rect.x, rect.y, rect.width, 1), ddl);
                self.fill(Rect::new(rect.x, rect.bottom() - 1, rect.width, 1), ddl);
                self.fill(Rect::new(rect.x, rect.y, 1, rect.height), ddl);
                self.fill(Rect::new(rect.right() - 1, rect.y, 1, rect.height), ddl);
            }
            Shape::Bars { rect, orientation, bar_px, ddls } => {
                self.bars(rect, orientation, bar_px.max(1), ddls.map(|d| d.min(max)));
            }
            Shape::Ramp { rect, orientation, from, to } => {
                self.ramp(rect, orientation, from.min(max), to.min(max));
            }
            Shape::HalfDisc { cx, cy, radius, left, ddl } => {
                let ddl = ddl.min(max);
                let (x0, x1) =
                    if left { (cx.saturating_sub(radius), cx) } else { (cx, cx + radius) };
                let r2 = 4 * i64::from(radius) * i64::from(radius);
                for y in cy.saturating_sub(radius)..(cy + radius).min(self.height) {
                    let dy = 2 * i64::from(y) + 1 - 2 * i64::from(cy);
                    for x in x0..x1.min(self.width) {
                        let dx = 2 * i64::from(x) + 1 - 2 * i64::from(cx);
                        if dx * dx + dy * dy <= r2 {
                            self.set(x, y, ddl);
                        }
                    }
                }
            }
            Shape::Text { x, y, scale, ref text, ddl } => {
                self.text(x, y, scale.max(1), text, ddl.min(max));
            }
        }
    }

    /// Draws `prompt` in the built-in font inside `area` only: the pattern under the
    /// area is kept and only glyph pixels are set to `ddl`. Text is wrapped at spaces to the area's width,
    /// the font scale is the largest (up to 1 font pixel per 256 display rows, at
    /// least 1) at which the text fits, and lines that do not fit are dropped.
    pub fn draw_prompt(&mut self, area: Rect, prompt: &str, ddl: u16) {
        let area = area.clip(self.width, self.height);
        if area.is_empty() || prompt.trim().is_empty() {
            return;
        }
        let ddl = ddl.min(self.bit_depth.max_ddl());
        let largest = (self.width.min(self.height) / 256).max(1);
        let mut chosen = (1, Vec::new());
        for scale in (1..=largest).rev() {
            let max_chars = (area.width / (ADVANCE * scale)).max(1) as usize;
            let lines = wrap(prompt, max_chars);
            let fits = lines.len() as u32 * LINE_ADVANCE * scale <= area.height;
            chosen = (scale, lines);
            if fits {
                break;
            }
        }
        let (scale, lines) = chosen;
        for (i, line) in lines.iter().enumerate() {
            let y = area.y + i as u32 * LINE_ADVANCE * scale;
            if y + GLYPH_HEIGHT * scale > area.bottom() {
                break;
            }
            self.text_clipped(area.x, y, scale, line, ddl, area);
        }
    }

    pub(crate) fn set(&mut self, x: u32, y: u32, ddl: u16) {
        let i = y as usize * self.width as usize + x as usize;
        self.ddls[i] = ddl;
    }

    fn fill(&mut self, rect: Rect, ddl: u16) {
        let rect = rect.clip(self.width, self.height);
        for y in rect.y..rect.bottom() {
            let start = y as usize * self.width as usize;
            self.ddls[start + rect.x as usize..start + rect.right() as usize].fill(ddl);
        }
    }

    fn bars(&mut self, rect: Rect, orientation: Orientation, bar_px: u32, ddls: [u16; 2]) {
        let clipped = rect.clip(self.width, self.height);
        for y in clipped.y..clipped.bottom() {
            for x in clipped.x..clipped.right() {
                let along = match orientation {
                    Orientation::Horizontal => y - rect.y,
                    Orientation::Vertical => x - rect.x,
                };
                self.set(x, y, ddls[((along / bar_px) % 2) as usize]);
            }
        }
    }

    fn ramp(&mut self, rect: Rect, orientation: Orientation, from: u16, to: u16) {
        let steps = match orientation {
            Orientation::Horizontal => rect.width,
            Orientation::Vertical => rect.height,
        };
        let level = |i: u32| -> u16 {
            if steps <= 1 {
                return from;
            }
            let t = f64::from(i) / f64::from(steps - 1);
            (f64::from(from) + (f64::from(to) - f64::from(from)) * t).round() as u16
        };
        let clipped = rect.clip(self.width, self.height);
        match orientation {
            Orientation::Vertical => {
                for y in clipped.y..clipped.bottom() {
                    self.fill(Rect::new(clipped.x, y, clipped.width, 1), level(y - rect.y));
                }
            }
            Orientation::Horizontal => {
                let row: Vec<u16> =
                    (clipped.x..clipped.right()).map(|x| level(x - rect.x)).collect();
                for y in clipped.y..clipped.bottom() {
                    let start = y as usize * self.width as usize + clipped.x as usize;
                    self.ddls[start..start + row.len()].copy_from_slice(&row);
                }
            }
        }
    }

    fn text(&mut self, x: u32, y: u32, scale: u32, text: &str, ddl: u16) {
        let all = Rect::new(0, 0, self.width, self.height);
        self.text_clipped(x, y, scale, text, ddl, all);
    }

    fn text_clipped(&mut self, x: u32, y: u32, scale: u32, text: &str, ddl: u16, clip: Rect) {
        for (i, c) in text.chars().enumerate() {
            let gx = x + i as u32 * ADVANCE * scale;
            for (row, bits) in glyph(c).iter().enumerate() {
                for col in 0..GLYPH_WIDTH {
                    if bits & (0x10 >> col) != 0 {
                        let block =
                            Rect::new(gx + col * scale, y + row as u32 * scale, scale, scale);
                        let block = Rect::from_edges(
                            block.x.max(clip.x),
                            block.y.max(clip.y),
                            block.right().min(clip.right()),
                            block.bottom().min(clip.bottom()),
                        );
                        self.fill(block, ddl);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_cover_exactly_their_pixels() {
        let mut r = Raster::filled(20, 10, BitDepth::Eight, 7);
        r.draw(&Shape::Fill { rect: Rect::new(2, 3, 4, 2), ddl: 200 });
        let covered: Vec<(u32, u32)> = (0..10)
            .flat_map(|y| (0..20).map(move |x| (x, y)))
            .filter(|&(x, y)| r.get(x, y) == Some(200))
            .collect();
        assert_eq!(covered.len(), 8);
        assert!(covered.iter().all(|&(x, y)| (2..6).contains(&x) && (3..5).contains(&y)));

        r.draw(&Shape::Outline { rect: Rect::new(10, 0, 5, 4), ddl: 9 });
        assert_eq!(r.get(10, 0), Some(9));
        assert_eq!(r.get(14, 3), Some(9));
        assert_eq!(r.get(12, 2), Some(7), "outline leaves the inside alone");
    }

    #[test]
    fn bars_alternate_with_their_period() {
        let mut r = Raster::filled(8, 8, BitDepth::Ten, 0);
        let bars = |orientation| Shape::Bars {
            rect: Rect::new(0, 0, 8, 8),
            orientation,
            bar_px: 2,
            ddls: [1023, 512],
        };
        r.draw(&bars(Orientation::Vertical));
        assert_eq!(r.row(0).unwrap(), &[1023, 1023, 512, 512, 1023, 1023, 512, 512]);
        r.draw(&bars(Orientation::Horizontal));
        let column: Vec<u16> = (0..8).map(|y| r.get(5, y).unwrap()).collect();
        assert_eq!(column, [1023, 1023, 512, 512, 1023, 1023, 512, 512]);
    }

    #[test]
    fn ramp_runs_end_to_end() {
        let mut r = Raster::filled(256, 2, BitDepth::Eight, 0);
        r.draw(&Shape::Ramp {
            rect: Rect::new(0, 0, 256, 2),
            orientation: Orientation::Horizontal,
            from: 0,
            to: 255,
        });
        let expected: Vec<u16> = (0..256).collect();
        assert_eq!(r.row(1).unwrap(), expected.as_slice());
    }

    #[test]
    fn half_discs_are_mirror_images() {
        let mut r = Raster::filled(40, 40, BitDepth::Eight, 0);
        r.draw(&Shape::HalfDisc { cx: 20, cy: 20, radius: 10, left: true, ddl: 1 });
        r.draw(&Shape::HalfDisc { cx: 20, cy: 20, radius: 10, left: false, ddl: 2 });
        let count = |v| r.ddls().iter().filter(|&&d| d == v).count();
        assert_eq!(count(1), count(2));
        // Area close to π r²/2 = 157.
        assert!((150..=165).contains(&count(1)), "{}", count(1));
        for y in 0..40 {
            for x in 0..20 {
                assert_eq!(r.get(x, y) == Some(1), r.get(39 - x, y) == Some(2));
            }
        }
    }

    #[test]
    fn prompt_stays_inside_its_area() {
        let mut r = Raster::filled(300, 200, BitDepth::Eight, 0);
        let area = Rect::new(50, 60, 100, 30);
        r.draw_prompt(area, "MEASURE THE CENTRE PATCH THEN PRESS SPACE TO CONTINUE", 255);
        let mut lit = 0;
        for y in 0..200 {
            for x in 0..300 {
                if r.get(x, y) == Some(255) {
                    assert!(area.contains(x, y), "({x}, {y}) outside the prompt area");
                    lit += 1;
                }
            }
        }
        assert!(lit > 50, "the prompt was drawn");
    }
}
