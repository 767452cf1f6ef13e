//! TG18-QC: the overall visual quality-control pattern (AAPM OR-03 §3 and
//! Appendix III "TG18-QC"; used by JESRA X-0093 for the overall evaluation).
//!
//! What follows the figures measured on AAPM's own TG18-QC 1k file (v8.0, 12/01):
//! - background 50 % (2048 of 4095; 8-bit 128), grid lines 75 % (3072 of 4095;
//!   8-bit 191), one pixel wide, pitch 102 px on 1024² (`round(S · 102 / 1024)` for
//!   a display whose shorter side is `S`), laid symmetrically about the display centre;
//! - a central 6×6 block of grid cells whose outer ring holds the 16 luminance
//!   patches at `(2k + 1) · 128 / 4095`, k = 0…15 (8-bit 8, 24, …, 248): left column
//!   bottom to top k = 0…5, top row k = 6…9, right column top to bottom k = 10…15;
//! - in the bottom row of the ring, a 0 % patch with a centred 5 % square (8-bit 13)
//!   and a 100 % patch with a centred 95 % square (8-bit 242);
//! - "QUALITY CONTROL" on black, mid-grey (the background) and white panels below the
//!   block, the 14 letters at contrasts 14, 13, …, 1 (8-bit steps) above black, above
//!   mid-grey and below white.
//!
//! From pacsDisplay's description of its TG18-OIQ pattern (TG18-QC without the Cx
//! targets, 8-bit; pacsDisplay documentation, "pdweb" README): ±4-step
//! low-contrast squares in the corners of each of the 16 patches, resolution blocks
//! at the centre and in the four corners with 1- and 2-pixel bars, horizontal and
//! vertical, at high contrast (0 / full scale) and low contrast (8-bit 128 / 130),
//! and luminance ramps on both sides.
//!
//! Choices where the definition leaves a detail open:
//! - patches fill their grid cells inside the grid lines; each 0 %/100 % patch spans
//!   two cells of the bottom row (0 % on the left); the 5 %/95 % square is 40 % of the
//!   patch height;
//! - corner squares of a patch are `pitch / 8` wide, inset `pitch / 16`; +4 steps at
//!   top-left and bottom-right, −4 at top-right and bottom-left;
//! - resolution block: 2 rows × 4 squares of `16 · max(1, round(S / 1024))` px — top
//!   row 0/full scale, bottom row 128/130 (8-bit), each row 1-px horizontal, 1-px
//!   vertical, 2-px horizontal and 2-px vertical bars; corner blocks sit
//!   `round(S · 8 / 1024)` px from the display edges (at the real display corners,
//!   also on non-square displays);
//! - ramps: one cell column left and right of the block, half a cell wide, over the
//!   block's height; the left ramp runs full scale (top) to 0 (bottom), the right one
//!   0 (top) to full scale (bottom);
//! - border: a one-pixel full-scale line on the outermost pixels of the display;
//! - the Cx targets of the original (inner cells) are not drawn; the inner 4×4
//!   cells stay at the background except the centre resolution block;
//! - 10-bit output: levels as fractions of full scale, low-contrast offsets as the
//!   8-bit steps × 4 (same luminance contrast);
//! - measurement regions: the central half (by side) of each of the 16 patches,
//!   clear of the corner squares, in the order k = 0…15;
//! - prompt area: the top cell row between the corner resolution blocks.

use crate::spec::label_ddl;
use crate::tg18::{check_min_side, label_shapes, synthetic_label};
use crate::{
    MeasurementRegion, Orientation, PatternError, PatternParams, PatternSpec, Rect, Shape,
};

/// Name of the pattern.
pub(crate) const NAME: &str = "TG18-QC";

/// The letters, whose contrast falls from 14 to 1 (8-bit steps) along the text.
const QC_TEXT: &str = "QUALITY CONTROL";

/// 12-bit level of luminance patch `k` (0…15) out of 4095: `(2k + 1) · 128`.
pub(crate) fn patch_level_12bit(k: u16) -> u16 {
    (2 * k + 1) * 128
}

/// Grid of the layout: centre lines and pitch, with signed cell addressing.
struct Grid {
    cx: i64,
    cy: i64,
    pitch: i64,
}

impl Grid {
    /// Interior of the cell `i` columns and `j` rows from the centre cell
    /// (cell 0,0 lies right of and below the centre lines), spanning `ni`×`nj` cells.
    fn cells(&self, i: i64, j: i64, ni: i64, nj: i64) -> Rect {
        let x0 = self.cx + i * self.pitch + 1;
        let y0 = self.cy + j * self.pitch + 1;
        let x1 = self.cx + (i + ni) * self.pitch;
        let y1 = self.cy + (j + nj) * self.pitch;
        Rect::from_edges(px(x0), px(y0), px(x1), px(y1))
    }
}

fn px(v: i64) -> u32 {
    v.clamp(0, i64::from(u32::MAX)) as u32
}

/// Generates TG18-QC for the display in `params`.
pub(crate) fn generate(params: &PatternParams) -> Result<PatternSpec, PatternError> {
    check_min_side(NAME, params)?;
    let (w, h, depth) = (params.width, params.height, params.bit_depth);
    let max = depth.max_ddl();
    let side = w.min(h);
    let ddl12 = |v: u16| depth.ddl_from_fraction(f64::from(v) / 4095.0);
    let background = ddl12(2048);
    let grid_ddl = ddl12(3072);
    let grid = Grid {
        cx: i64::from(w / 2) - 1,
        cy: i64::from(h / 2) - 1,
        pitch: (f64::from(side) * 102.0 / 1024.0).round() as i64,
    };
    let mut shapes = Vec::new();

    // Grid lines, symmetric about the centre lines, over the whole display.
    let lines = |centre: i64, extent: u32| {
        let k_max = centre / grid.pitch + 1;
        (-k_max..=k_max)
            .map(move |k| centre + k * grid.pitch)
            .filter(move |&v| v >= 0 && v < i64::from(extent))
    };
    for x in lines(grid.cx, w) {
        shapes.push(Shape::Fill { rect: Rect::new(px(x), 0, 1, h), ddl: grid_ddl });
    }
    for y in lines(grid.cy, h) {
        shapes.push(Shape::Fill { rect: Rect::new(0, px(y), w, 1), ddl: grid_ddl });
    }

    // The 16 luminance patches on the outer ring of the 6×6 block (cells -3..3).
    let mut measurement_regions = Vec::new();
    let corner = (grid.pitch as u32 / 8).max(2);
    let corner_inset = (grid.pitch as u32 / 16).max(1);
    let contrast4 = depth.steps_from_8bit(4);
    for k in 0..16u16 {
        let (c, r) = match k {
            0..=5 => (0, 5 - i64::from(k)),
            6..=9 => (i64::from(k) - 5, 0),
            _ => (5, i64::from(k) - 10),
        };
        let cell = grid.cells(c - 3, r - 3, 1, 1);
        let ddl = ddl12(patch_level_12bit(k));
        shapes.push(Shape::Fill { rect: cell, ddl });
        let up = (ddl + contrast4).min(max);
        let down = ddl.saturating_sub(contrast4);
        let (x_l, y_t) = (cell.x + corner_inset, cell.y + corner_inset);
        let (x_r, y_b) =
            (cell.right() - corner_inset - corner, cell.bottom() - corner_inset - corner);
        for (x, y, level) in [(x_l, y_t, up), (x_r, y_t, down), (x_l, y_b, down), (x_r, y_b, up)] {
            shapes.push(Shape::Fill { rect: Rect::new(x, y, corner, corner), ddl: level });
        }
        let (mx, my) = cell.centre();
        measurement_regions.push(MeasurementRegion {
            label: format!("patch {}", k + 1),
            rect: Rect::centred(mx, my, cell.width / 2, cell.height / 2),
            ddl,
        });
    }

    // 0 % with a 5 % square and 100 % with a 95 % square, bottom row of the ring.
    for (i, outer, inner) in [(-2, 0.0, 0.05), (0, 1.0, 0.95)] {
        let cell = grid.cells(i, 2, 2, 1);
        shapes.push(Shape::Fill { rect: cell, ddl: depth.ddl_from_fraction(outer) });
        let inner_side = (f64::from(cell.height) * 0.4).round() as u32;
        let (mx, my) = cell.centre();
        shapes.push(Shape::Fill {
            rect: Rect::centred(mx, my, inner_side, inner_side),
            ddl: depth.ddl_from_fraction(inner),
        });
    }

    // Ramps left and right of the block.
    for (i, from, to) in [(-4, max, 0), (3, 0, max)] {
        let cells = grid.cells(i, -3, 1, 6);
        let (mx, _) = cells.centre();
        let rect = Rect::new(mx - cells.width / 4, cells.y, cells.width / 2, cells.height);
        shapes.push(Shape::Ramp { rect, orientation: Orientation::Vertical, from, to });
    }

    // "QUALITY CONTROL" on black, mid-grey and white panels below the block.
    let step = |d: u16| depth.steps_from_8bit(d);
    for (i, panel_ddl, above) in [(-3, 0, true), (-1, background, true), (1, max, false)] {
        let panel = grid.cells(i, 3, 2, 1);
        shapes.push(Shape::Fill { rect: panel, ddl: panel_ddl });
        let scale = (panel.width.saturating_sub(4) / crate::text_width(QC_TEXT, 1)).max(1);
        let x0 = panel.x + (panel.width - crate::text_width(QC_TEXT, scale)) / 2;
        let y0 = panel.y + (panel.height.saturating_sub(crate::GLYPH_HEIGHT * scale)) / 2;
        let mut contrast = 14u16;
        for (n, letter) in QC_TEXT.chars().enumerate() {
            if letter == ' ' {
                continue;
            }
            shapes.push(Shape::Text {
                x: x0 + n as u32 * 6 * scale,
                y: y0,
                scale,
                text: letter.to_string(),
                ddl: if above { panel_ddl + step(contrast) } else { panel_ddl - step(contrast) },
            });
            contrast -= 1;
        }
    }

    // Resolution blocks: centre and the four display corners.
    let q = 16 * ((f64::from(side) / 1024.0).round() as u32).max(1);
    let margin = ((f64::from(side) * 8.0 / 1024.0).round() as u32).max(3);
    let (bw, bh) = (4 * q, 2 * q);
    let low = [background, background + step(2)];
    let corners = [
        (w / 2 - bw / 2, h / 2 - bh / 2),
        (margin, margin),
        (w - margin - bw, margin),
        (margin, h - margin - bh),
        (w - margin - bw, h - margin - bh),
    ];
    for (x, y) in corners {
        for (row, ddls) in [[0, max], low].into_iter().enumerate() {
            let bars = [
                (Orientation::Horizontal, 1),
                (Orientation::Vertical, 1),
                (Orientation::Horizontal, 2),
                (Orientation::Vertical, 2),
            ];
            for (col, (orientation, bar_px)) in bars.into_iter().enumerate() {
                let rect = Rect::new(x + col as u32 * q, y + row as u32 * q, q, q);
                shapes.push(Shape::Bars { rect, orientation, bar_px, ddls });
            }
        }
    }

    // Label in the cell row above the block (OR-03 conditions 3 and 4).
    let label_band = grid.cells(-3, -4, 6, 1);
    let (label_cx, _) = label_band.centre();
    shapes.extend(label_shapes(
        &synthetic_label(NAME, params),
        label_cx,
        label_band.y + 2,
        label_band.width,
        label_band.height.saturating_sub(4),
        (side / 512).max(1),
        label_ddl(background, depth),
    ));

    // Border on the outermost pixels.
    shapes.push(Shape::Outline { rect: Rect::new(0, 0, w, h), ddl: max });

    let top = grid.cells(-5, -5, 10, 1);
    let prompt_area = Rect::from_edges(
        margin + bw + margin,
        2,
        w - 2 * margin - bw,
        top.bottom().min(label_band.y),
    );
    Ok(PatternSpec {
        name: NAME.to_string(),
        width: w,
        height: h,
        bit_depth: depth,
        background,
        shapes,
        measurement_regions,
        prompt_area,
    })
}
