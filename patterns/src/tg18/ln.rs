//! TG18-LN12-01 … TG18-LN12-18: luminance-response patterns (AAPM OR-03 §3 and
//! Appendix III; the 18 readings of the contrast-response test, OR-03 §4.3 and
//! IEC 62563-1's LN01…LN18).
//!
//! Measured on AAPM's own TG18-LN12 1k files (v8.0, 12/01):
//! - one centred square covering 10 % of the area (324×324 px at x, y = 350…673 on
//!   1024²) at `(n − 1) · 240` of 4080 (n = 1…18; OR-03 gives TG18-LN a window of
//!   4080), i.e. `(n − 1) / 17` of full scale: 8-bit 0, 15, …, 255;
//! - the same background in all 18 images, 2464 of 4080 (8-bit 154, ≈ 60 % of the
//!   range, which gives ≈ 20 % of Lmax on a GSDF display);
//! - the label at the top centre, outside the patch (rows ≈ 27–82 on 1024²).
//!
//! Choices: the square is `round(√(0.1 · w · h))` px on every display (square, not
//! stretched); 10-bit levels are `round((n − 1) / 17 · 1023)` (0, 60, 120, …, 1023);
//! the prompt area is the band below the patch.

use crate::spec::label_ddl;
use crate::tg18::{check_min_side, label_shapes, synthetic_label, tenth_area_side};
use crate::{BitDepth, MeasurementRegion, PatternError, PatternParams, PatternSpec, Rect, Shape};

/// Background of every TG18-LN12 image as a fraction of full scale: 2464 of 4080.
pub(crate) const LN_BACKGROUND_FRACTION: f64 = 2464.0 / 4080.0;

/// Level of patch `n` (1…18) as a fraction of full scale: `(n − 1) · 240 / 4080`.
pub(crate) fn ln_patch_fraction(n: u8) -> f64 {
    f64::from(n - 1) * 240.0 / 4080.0
}

/// A centred 10 %-area patch on a uniform background, with a label at the top and
/// the prompt area below the patch (shared by TG18-LN12 and JIRA BN).
pub(crate) fn centre_patch_spec(
    name: String,
    label: Vec<String>,
    params: &PatternParams,
    background: u16,
    patch: u16,
) -> PatternSpec {
    let (w, h, depth) = (params.width, params.height, params.bit_depth);
    let a = tenth_area_side(w, h);
    let rect = Rect::new((w - a) / 2, (h - a) / 2, a, a);
    let side = w.min(h);
    let label_y = (f64::from(side) * 27.0 / 1024.0).round() as u32;
    let shapes = vec![Shape::Fill { rect, ddl: patch }]
        .into_iter()
        .chain(label_shapes(
            &label,
            w / 2,
            label_y,
            w - 8,
            rect.y.saturating_sub(label_y + 4),
            (side / 512).max(1),
            label_ddl(background, depth),
        ))
        .collect();
    let prompt_area = Rect::from_edges(4, rect.bottom() + 6, w - 4, h - 4);
    PatternSpec {
        name,
        width: w,
        height: h,
        bit_depth: depth,
        background,
        shapes,
        measurement_regions: vec![MeasurementRegion {
            label: "centre".to_string(),
            rect,
            ddl: patch,
        }],
        prompt_area,
    }
}

/// Generates TG18-LN12-`n` (n = 1…18).
pub(crate) fn generate(n: u8, params: &PatternParams) -> Result<PatternSpec, PatternError> {
    let name = format!("TG18-LN12-{n:02}");
    if !(1..=18).contains(&n) {
        return Err(PatternError::UnknownName(name));
    }
    check_min_side(&name, params)?;
    let depth: BitDepth = params.bit_depth;
    let background = depth.ddl_from_fraction(LN_BACKGROUND_FRACTION);
    let patch = depth.ddl_from_fraction(ln_patch_fraction(n));
    let label = synthetic_label(&name, params);
    Ok(centre_patch_spec(name, label, params, background, patch))
}
