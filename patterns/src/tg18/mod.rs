//! Synthetic patterns based on AAPM On-line Report OR-03, "Assessment of Display
//! Performance for Medical Imaging Systems" (AAPM Task Group 18, 2005).
//!
//! OR-03's front matter allows users to generate TG18-like patterns from the
//! report's descriptions if (1) the report is acknowledged, (2) the original TG18
//! label is not duplicated, (3) the pattern carries a label saying it is synthetic
//! and based on TG18, and (4) a scaled pattern keeps all elements and says
//! "scaled". Every TG18 pattern here draws that label (4 lines: "SYNTHETIC PATTERN",
//! "BASED ON AAPM TG18", the name with "(OR-03)", then size and bit depth). The
//! original patterns exist at 1024² and 2048²; any other size adds "SCALED". Labels
//! are drawn in the built-in 5×7 font, an eighth of full scale away from the
//! background towards mid-grey (legible, but dim next to a measurement area).
//!
//! Geometry not printed in the report was measured, pixel by pixel, on 1:1 1024²
//! renderings of the TG18 image files AAPM distributes with OR-03 (version 8.0, 12/01);
//! the figures are written out in each pattern's module. Each module says which
//! figures it follows and what it chose where the definition leaves a detail open.

pub mod ct;
pub mod ln;
pub mod qc;
pub mod uniformity;

use crate::font::{LINE_ADVANCE, text_width};
use crate::{PatternError, PatternParams, Shape};

/// Smallest display side for the TG18 layouts: below it the label and the
/// "QUALITY CONTROL" letters no longer fit at one display pixel per font pixel.
pub(crate) const MIN_SIDE_PX: u32 = 480;

/// True for the sizes the AAPM distributes (1k and 2k); anything else is "scaled".
pub(crate) fn is_native_size(width: u32, height: u32) -> bool {
    width == height && (width == 1024 || width == 2048)
}

/// The label lines OR-03 condition (3) and (4) ask for.
pub(crate) fn synthetic_label(name: &str, params: &PatternParams) -> Vec<String> {
    let mut size = format!("{}X{} {}-BIT", params.width, params.height, params.bit_depth.bits());
    if !is_native_size(params.width, params.height) {
        size.push_str(" SCALED");
    }
    vec![
        "SYNTHETIC PATTERN".to_string(),
        "BASED ON AAPM TG18".to_string(),
        format!("{name} (OR-03)"),
        size,
    ]
}

/// Label lines centred on column `cx`, starting at row `y`, at the largest scale
/// (up to `max_scale`) that fits `max_width`×`max_height` pixels.
pub(crate) fn label_shapes(
    lines: &[String],
    cx: u32,
    y: u32,
    max_width: u32,
    max_height: u32,
    max_scale: u32,
    ddl: u16,
) -> Vec<Shape> {
    let widest = lines.iter().map(|l| text_width(l, 1)).max().unwrap_or(0).max(1);
    let tallest = lines.len() as u32 * LINE_ADVANCE;
    let scale = (1..=max_scale.max(1))
        .rev()
        .find(|&s| widest * s <= max_width && tallest * s <= max_height)
        .unwrap_or(1);
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| Shape::Text {
            x: cx.saturating_sub(text_width(line, scale) / 2),
            y: y + i as u32 * LINE_ADVANCE * scale,
            scale,
            text: line.clone(),
            ddl,
        })
        .collect()
}

/// Side of the centred square covering 10 % of the display area,
/// `round(√(0.1 · width · height))`: 324 px on 1024², as on the authentic
/// TG18-LN12 and TG18-UNL files (see [`ln`] and [`uniformity`]).
pub(crate) fn tenth_area_side(width: u32, height: u32) -> u32 {
    (0.1 * f64::from(width) * f64::from(height)).sqrt().round() as u32
}

/// Refuses displays smaller than [`MIN_SIDE_PX`].
pub(crate) fn check_min_side(name: &str, params: &PatternParams) -> Result<(), PatternError> {
    if params.width.min(params.height) < MIN_SIDE_PX {
        return Err(PatternError::TooSmall {
            name: name.to_string(),
            width: params.width,
            height: params.height,
            min_px: MIN_SIDE_PX,
        });
    }
    Ok(())
}
