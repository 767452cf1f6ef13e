//! A uniform field at any DDL (for L'max, L'min, chromaticity, or any level a
//! procedure needs).
//!
//! Choices: no label (a label would break the uniformity; this is not a TG18
//! pattern); one measurement region, the centred square of 10 % of the area (as in
//! TG18-LN12); the prompt area is the band below that square.

use crate::tg18::tenth_area_side;
use crate::{MeasurementRegion, PatternError, PatternParams, PatternSpec, Rect};

/// Smallest display side for a uniform field with a measurement square and a prompt band.
const MIN_SIDE_PX: u32 = 16;

/// Generates a uniform field at `ddl`.
pub(crate) fn generate(ddl: u32, params: &PatternParams) -> Result<PatternSpec, PatternError> {
    let name = format!("UNIFORM-{ddl}");
    let (w, h, depth) = (params.width, params.height, params.bit_depth);
    if w.min(h) < MIN_SIDE_PX {
        return Err(PatternError::TooSmall { name, width: w, height: h, min_px: MIN_SIDE_PX });
    }
    let ddl = depth.check_ddl(ddl)?;
    let a = tenth_area_side(w, h);
    let rect = Rect::new((w - a) / 2, (h - a) / 2, a, a);
    Ok(PatternSpec {
        name,
        width: w,
        height: h,
        bit_depth: depth,
        background: ddl,
        shapes: Vec::new(),
        measurement_regions: vec![MeasurementRegion { label: "centre".to_string(), rect, ddl }],
        prompt_area: Rect::from_edges(2, rect.bottom() + 4, w - 2, h - 2),
    })
}
