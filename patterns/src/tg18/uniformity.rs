//! TG18-UN80, TG18-UN10 and TG18-UNL80, TG18-UNL10: uniformity patterns (AAPM
//! OR-03 §3 and Appendix III; DICOM PS3.3 C.32.3.3 names the centre and four corners
//! "as defined by TG18-UNL80/UNL10" as the usual five measurement points).
//!
//! Measured on AAPM's own TG18-UN10 and TG18-UNL10 1k files (v8.0, 12/01; the 80 %
//! variants by name, same layout):
//! - a uniform field at 80 % or 10 % of full scale (8-bit 204 / 26; RadiCS shows gray
//!   204 and 26 for the same test);
//! - the UNL variants outline five squares with one-pixel lines at 50 % (2048 of 4095;
//!   8-bit 128): one centred (lines at 349 and 674 on 1024², so the inside is
//!   350…673, 324 px) and four in the corners (lines at 2 and 327, 696 and 1021: the
//!   outline is inset 2 px from the edges and the inside starts 3 px in);
//! - each square covers 10 % of the display area; the meter goes to its centre.
//!
//! Choices:
//! - on other sizes the squares stay square with 10 % of the display area
//!   (`round(√(0.1 · w · h))` px inside), the corner outlines 2 px from the edges; a
//!   display so elongated that two squares would touch is refused
//!   ([`PatternError::AspectRatio`]);
//! - the UN (no-line) variants keep the same measurement regions;
//! - the synthetic label sits at the top centre between the corner squares, an eighth
//!   of full scale away from the field level; the prompt area is the band between
//!   the bottom corner squares, below the centre square;
//! - measurement order is row-major (top-left, top-right, centre, bottom-left,
//!   bottom-right), as DICOM PS3.3 C.32.3.3 stores uniformity readings.

use crate::spec::label_ddl;
use crate::tg18::{check_min_side, label_shapes, synthetic_label, tenth_area_side};
use crate::{MeasurementRegion, PatternError, PatternParams, PatternSpec, Rect, Shape};

/// Field level of a uniformity pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnLevel {
    /// 80 % of full scale (TG18-UN80 / UNL80).
    Eighty,
    /// 10 % of full scale (TG18-UN10 / UNL10).
    Ten,
}

impl UnLevel {
    /// Field level as a fraction of full scale.
    pub fn fraction(self) -> f64 {
        match self {
            Self::Eighty => 0.8,
            Self::Ten => 0.1,
        }
    }

    /// The number in the pattern name: 80 or 10.
    pub fn percent(self) -> u8 {
        match self {
            Self::Eighty => 80,
            Self::Ten => 10,
        }
    }
}

/// Distance of a corner square's outline from the display edge, in pixels.
const CORNER_OUTLINE_INSET_PX: u32 = 2;

/// The five measurement squares (inside the outlines) in row-major order.
pub(crate) fn measurement_squares(
    name: &str,
    width: u32,
    height: u32,
) -> Result<[(&'static str, Rect); 5], PatternError> {
    let a = tenth_area_side(width, height);
    let near = CORNER_OUTLINE_INSET_PX + 1;
    let far_x = width.checked_sub(near + a);
    let far_y = height.checked_sub(near + a);
    let (Some(far_x), Some(far_y)) = (far_x, far_y) else {
        return Err(PatternError::AspectRatio { name: name.to_string(), width, height });
    };
    let squares = [
        ("top-left", Rect::new(near, near, a, a)),
        ("top-right", Rect::new(far_x, near, a, a)),
        ("centre", Rect::new((width - a) / 2, (height - a) / 2, a, a)),
        ("bottom-left", Rect::new(near, far_y, a, a)),
        ("bottom-right", Rect::new(far_x, far_y, a, a)),
    ];
    // With their outlines and one pixel of field between them, no two may touch.
    for (i, (_, r1)) in squares.iter().enumerate() {
        for (_, r2) in &squares[i + 1..] {
            let grown = Rect::new(r1.x - 2, r1.y - 2, r1.width + 4, r1.height + 4);
            if grown.intersects(r2) {
                return Err(PatternError::AspectRatio { name: name.to_string(), width, height });
            }
        }
    }
    Ok(squares)
}

/// Generates TG18-UN80/UN10 (`outlined == false`) or TG18-UNL80/UNL10.
pub(crate) fn generate(
    level: UnLevel,
    outlined: bool,
    params: &PatternParams,
) -> Result<PatternSpec, PatternError> {
    let name = format!("TG18-{}{}", if outlined { "UNL" } else { "UN" }, level.percent());
    check_min_side(&name, params)?;
    let (w, h, depth) = (params.width, params.height, params.bit_depth);
    let background = depth.ddl_from_fraction(level.fraction());
    let squares = measurement_squares(&name, w, h)?;
    let mut shapes = Vec::new();
    if outlined {
        let line_ddl = depth.ddl_from_fraction(2048.0 / 4095.0);
        for (_, inside) in &squares {
            let rect = Rect::new(inside.x - 1, inside.y - 1, inside.width + 2, inside.height + 2);
            shapes.push(Shape::Outline { rect, ddl: line_ddl });
        }
    }
    let [(_, top_left), (_, top_right), (_, centre), (_, bottom_left), (_, bottom_right)] = squares;
    let gap = 6;
    let between = Rect::from_edges(top_left.right() + gap, 3, top_right.x - gap, centre.y - gap);
    shapes.extend(label_shapes(
        &synthetic_label(&name, params),
        w / 2,
        between.y + between.height / 12,
        between.width,
        between.height - between.height / 12,
        (w.min(h) / 512).max(1),
        label_ddl(background, depth),
    ));
    let prompt_area = Rect::from_edges(
        bottom_left.right() + gap,
        centre.bottom() + gap,
        bottom_right.x - gap,
        h - 3,
    );
    let measurement_regions = squares
        .iter()
        .map(|&(label, rect)| MeasurementRegion { label: label.to_string(), rect, ddl: background })
        .collect();
    Ok(PatternSpec {
        name,
        width: w,
        height: h,
        bit_depth: depth,
        background,
        shapes,
        measurement_regions,
        prompt_area,
    })
}
