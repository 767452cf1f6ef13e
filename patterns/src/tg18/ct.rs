//! TG18-CT: the contrast-transfer pattern (AAPM OR-03 §3 and Appendix III): 16
//! regions of different luminance on a uniform background, each holding low-contrast
//! half-moon targets, to check that small contrasts stay visible over the whole grey
//! range.
//!
//! The exact TG18-CT geometry and target contrasts were not available to us (no
//! source we could read gives them, and AAPM's file was not measured [?]). Choices,
//! all stated so they can be corrected against OR-03:
//! - background 50 % (as TG18-QC); a centred 4×4 array of square regions
//!   `round(S · 160 / 1024)` px wide with `round(S · 24 / 1024)` px gaps (S = shorter
//!   display side), levels `(2k + 1) · 128 / 4095`, k = 0…15 row by row from the top
//!   left (the TG18-QC patch levels);
//! - in each region a centred disc of radius 30 % of the region side, its left half
//!   2 steps (8-bit) above and its right half 2 steps below the region level
//!   (×4 at 10 bits);
//! - no measurement regions (a visual test); the synthetic label above the array and
//!   the prompt area below it.

use crate::spec::label_ddl;
use crate::tg18::qc::patch_level_12bit;
use crate::tg18::{check_min_side, label_shapes, synthetic_label};
use crate::{PatternError, PatternParams, PatternSpec, Rect, Shape};

/// Name of the pattern.
pub(crate) const NAME: &str = "TG18-CT";

/// Generates TG18-CT for the display in `params`.
pub(crate) fn generate(params: &PatternParams) -> Result<PatternSpec, PatternError> {
    check_min_side(NAME, params)?;
    let (w, h, depth) = (params.width, params.height, params.bit_depth);
    let max = depth.max_ddl();
    let side = w.min(h);
    let scaled = |v: f64| (f64::from(side) * v / 1024.0).round() as u32;
    let background = depth.ddl_from_fraction(2048.0 / 4095.0);
    let (region, gap) = (scaled(160.0), scaled(24.0));
    let array = 4 * region + 3 * gap;
    let (x0, y0) = ((w - array) / 2, (h - array) / 2);
    let contrast = depth.steps_from_8bit(2);
    let mut shapes = Vec::new();
    for k in 0..16u16 {
        let (col, row) = (u32::from(k % 4), u32::from(k / 4));
        let rect = Rect::new(x0 + col * (region + gap), y0 + row * (region + gap), region, region);
        let ddl = depth.ddl_from_fraction(f64::from(patch_level_12bit(k)) / 4095.0);
        shapes.push(Shape::Fill { rect, ddl });
        let (cx, cy) = (rect.x + region / 2, rect.y + region / 2);
        let radius = (f64::from(region) * 0.3).round() as u32;
        shapes.push(Shape::HalfDisc { cx, cy, radius, left: true, ddl: (ddl + contrast).min(max) });
        shapes.push(Shape::HalfDisc {
            cx,
            cy,
            radius,
            left: false,
            ddl: ddl.saturating_sub(contrast),
        });
    }
    let label_y = scaled(27.0);
    shapes.extend(label_shapes(
        &synthetic_label(NAME, params),
        w / 2,
        label_y,
        w - 8,
        y0.saturating_sub(label_y + 4),
        (side / 512).max(1),
        label_ddl(background, depth),
    ));
    Ok(PatternSpec {
        name: NAME.to_string(),
        width: w,
        height: h,
        bit_depth: depth,
        background,
        shapes,
        measurement_regions: Vec::new(),
        prompt_area: Rect::from_edges(4, y0 + array + 6, w - 4, h - 4),
    })
}
