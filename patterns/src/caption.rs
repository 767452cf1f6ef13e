//! The operator's caption over a pattern: what to do and which keys answer,
//! in Japanese or English, drawn where it cannot disturb a measurement.
//!
//! Placement is computed from the pattern's geometry: the caption goes in
//! the [`PatternSpec::prompt_area`] (which never overlaps a measurement
//! region), kept a further [`PatternSpec::caption_clearance`] from every
//! measurement region, and at the side of that area farthest from them.
//! It is dim: each glyph pixel is an eighth of full scale from the pixel it
//! covers, towards mid-grey, as the pattern labels are, so it is legible on
//! any background and adds little stray light. The session takes the
//! caption down before the meter reads, so no reading is taken with it.
//!
//! The glyphs are a 16-pixel subset of the Shinonome bitmap fonts (public
//! domain; `patterns/fonts/README.md`): ASCII, kana, and the kanji and
//! punctuation of monqc's fixed wording. [`caption_can_draw`] says whether a
//! character is in it; a character that is not is drawn as `?`.

use crate::caption_font::GLYPHS;
use crate::spec::label_ddl;
use crate::{PatternSpec, Raster, Rect};

/// Height of a caption glyph in font pixels.
const CELL: u32 = 16;
/// Vertical advance per caption line in font pixels.
const LINE: u32 = 20;

fn glyph(c: char) -> Option<(u32, &'static [u16; 16])> {
    GLYPHS.binary_search_by_key(&c, |g| g.0).ok().map(|i| (u32::from(GLYPHS[i].1), &GLYPHS[i].2))
}

/// The glyph drawn for `c`: its own, or `?`.
fn glyph_or_replacement(c: char) -> (u32, &'static [u16; 16]) {
    glyph(c).or_else(|| glyph('?')).expect("the caption font has `?`")
}

/// True when the caption font has a glyph for `c` (callers check their
/// wording with it; anything else is drawn as `?`).
pub fn caption_can_draw(c: char) -> bool {
    glyph(c).is_some()
}

fn text_width(text: &str) -> u32 {
    text.chars().map(|c| glyph_or_replacement(c).0).sum()
}

/// Break `text` into lines of at most `max` font pixels: at a space when
/// the line has one (English), anywhere else (Japanese has no spaces). A
/// line never starts with a space or with 、 or 。.
fn wrap(text: &str, max: u32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line: Vec<char> = Vec::new();
    for c in text.chars() {
        line.push(c);
        let s: String = line.iter().collect();
        if text_width(&s) <= max || line.len() == 1 {
            continue;
        }
        let keep_punctuation = matches!(c, '、' | '。' | '，' | '．');
        let cut = match line.iter().rposition(|&ch| ch == ' ') {
            Some(space) if space > 0 => space,
            _ if keep_punctuation && line.len() > 2 => line.len() - 2,
            _ => line.len() - 1,
        };
        let rest = line.split_off(cut);
        lines.push(line.iter().collect::<String>().trim_end().to_string());
        line = rest.into_iter().skip_while(|&ch| ch == ' ').collect();
    }
    if !line.is_empty() {
        lines.push(line.into_iter().collect());
    }
    lines
}

/// The largest part of `area` that keeps clear of `keep_out`: the area
/// itself if they do not meet, else the biggest of the bands left, right,
/// above and below it.
fn avoid(area: Rect, keep_out: Rect) -> Rect {
    if !area.intersects(&keep_out) {
        return area;
    }
    [
        Rect::from_edges(area.x, area.y, keep_out.x.min(area.right()), area.bottom()),
        Rect::from_edges(keep_out.right().max(area.x), area.y, area.right(), area.bottom()),
        Rect::from_edges(area.x, area.y, area.right(), keep_out.y.min(area.bottom())),
        Rect::from_edges(area.x, keep_out.bottom().max(area.y), area.right(), area.bottom()),
    ]
    .into_iter()
    .max_by_key(Rect::area)
    .unwrap_or(area)
}

impl PatternSpec {
    /// How far (pixels) a caption keeps from every measurement region: a
    /// sixty-fourth of the shorter display side, at least 8.
    pub fn caption_clearance(&self) -> u32 {
        (self.width.min(self.height) / 64).max(8)
    }

    /// Where a caption may be drawn: the prompt area, less a band of
    /// [`caption_clearance`](Self::caption_clearance) around every
    /// measurement region.
    pub fn caption_area(&self) -> Rect {
        let clear = self.caption_clearance();
        self.measurement_regions.iter().fold(
            self.prompt_area.clip(self.width, self.height),
            |area, m| {
                let r = m.rect;
                let grown = Rect::from_edges(
                    r.x.saturating_sub(clear),
                    r.y.saturating_sub(clear),
                    r.right() + clear,
                    r.bottom() + clear,
                );
                avoid(area, grown)
            },
        )
    }

    /// Draws the pattern with `lines` as a caption in the caption area:
    /// each line wrapped to the area's width and centred, the block at the
    /// side of the area farthest from the measurement regions, each glyph
    /// pixel an eighth of full scale from the pixel it covers (dim). The
    /// last line (the keys) is kept if the area is too small for all.
    /// Nothing outside the caption area changes.
    pub fn render_with_caption(&self, lines: &[String]) -> Raster {
        let mut raster = self.render();
        let area = self.caption_area();
        if area.is_empty() {
            return raster;
        }
        let scale = (self.width.min(self.height) / 1000).max(1);
        let max_px = area.width / scale;
        let mut wrapped: Vec<String> =
            lines.iter().flat_map(|l| wrap(l, max_px)).filter(|l| !l.is_empty()).collect();
        if wrapped.is_empty() || area.height / scale < CELL {
            return raster;
        }
        let fits = ((area.height / scale - CELL) / LINE + 1) as usize;
        if wrapped.len() > fits {
            let keys = wrapped.pop().unwrap_or_default();
            wrapped.truncate(fits - 1);
            wrapped.push(keys);
        }
        let block = ((wrapped.len() as u32 - 1) * LINE + CELL) * scale;
        // Away from the measurement regions: below their middle, the block
        // sits at the bottom of the area; above it, at the top.
        let regions_y = self.measurement_regions.iter().map(|m| m.rect.centre().1).sum::<u32>()
            / (self.measurement_regions.len() as u32).max(1);
        let top = if self.measurement_regions.is_empty() || regions_y < area.centre().1 {
            area.bottom() - block
        } else {
            area.y
        };
        let depth = self.bit_depth;
        for (i, line) in wrapped.iter().enumerate() {
            let y0 = top + i as u32 * LINE * scale;
            let width = text_width(line) * scale;
            let mut x0 = area.x + area.width.saturating_sub(width) / 2;
            for c in line.chars() {
                let (w, rows) = glyph_or_replacement(c);
                for (r, bits) in rows.iter().enumerate() {
                    for col in 0..w {
                        if bits >> (15 - col) & 1 == 0 {
                            continue;
                        }
                        for dy in 0..scale {
                            for dx in 0..scale {
                                let (x, y) = (x0 + col * scale + dx, y0 + r as u32 * scale + dy);
                                if area.contains(x, y) {
                                    let under = raster.get(x, y).unwrap_or(0);
                                    raster.set(x, y, label_ddl(under, depth));
                                }
                            }
                        }
                    }
                }
                x0 += w * scale;
            }
        }
        raster
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_is_sorted_and_holds_ascii_and_kana() {
        assert!(GLYPHS.windows(2).all(|w| w[0].0 < w[1].0), "binary search needs order");
        for c in (' '..='~').chain('ぁ'..='ん').chain('ァ'..='ヶ') {
            assert!(caption_can_draw(c), "{c:?}");
        }
        assert!(!caption_can_draw('\u{1F600}'));
        assert_eq!(glyph('A').unwrap().0, 8);
        assert_eq!(glyph('測').unwrap().0, 16);
        // The glyphs differ (the table is not one glyph repeated).
        assert_ne!(glyph('測').unwrap().1, glyph('定').unwrap().1);
        assert_eq!(glyph(' ').unwrap().1, &[0; 16]);
    }

    #[test]
    fn wrapping_breaks_english_at_spaces_and_japanese_anywhere() {
        assert_eq!(wrap("Press Enter when done", 8 * 11), ["Press Enter", "when done"]);
        let ja = wrap("測定器を中央に置いてください。", 16 * 7);
        assert_eq!(ja, ["測定器を中央に", "置いてくださ", "い。"], "a line never starts with 。");
        assert!(ja.iter().all(|l| text_width(l) <= 16 * 8));
        assert_eq!(wrap("", 100), Vec::<String>::new());
    }

    #[test]
    fn avoiding_a_region_keeps_the_largest_band() {
        let area = Rect::new(0, 0, 100, 100);
        assert_eq!(avoid(area, Rect::new(200, 0, 10, 10)), area);
        assert_eq!(avoid(area, Rect::new(0, 0, 100, 30)), Rect::new(0, 30, 100, 70));
        assert_eq!(avoid(area, Rect::new(90, 0, 50, 100)), Rect::new(0, 0, 90, 100));
    }
}
