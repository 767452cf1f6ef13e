//! Whether a chromaticity can be a colour at all: inside the CIE 1931 xy
//! spectrum locus (the horseshoe of monochromatic light, closed by the
//! purple line). A reading outside it is not a colour a display can show —
//! a tristimulus column read as chromaticity, a placeholder `0,0`, a typo.
//!
//! The locus is traced from the Wyman, Sloan and Shirley analytic fit to the
//! CIE 1931 2° colour-matching functions ("Simple Analytic Approximations to
//! the CIE XYZ Color Matching Functions", Journal of Computer Graphics
//! Techniques 2(2), 2013, the multi-lobe piecewise-Gaussian fit), so no
//! table is copied. The fit follows the locus from 400 to 650 nm (its tails
//! beyond bend back, so they are not used: the locus hardly moves there);
//! the check allows [`LOCUS_MARGIN`] around it, more than the fit's error and
//! the ends left out (under 0.018) and far less than the mistakes it is
//! there to catch (tenths). It is a sense check, not colorimetry.

use std::sync::OnceLock;

use crate::numbers::colour::Chromaticity;

/// How far outside the traced locus (in xy) a point still counts as inside.
pub const LOCUS_MARGIN: f64 = 0.02;

/// exp(−½ ((λ − μ)/σ)²) with σ = `below` for λ < μ and `above` otherwise
/// (Wyman, Sloan and Shirley 2013, the piecewise Gaussian).
fn lobe(lambda_nm: f64, mu: f64, below: f64, above: f64) -> f64 {
    let t = (lambda_nm - mu) / if lambda_nm < mu { below } else { above };
    (-0.5 * t * t).exp()
}

/// The CIE 1931 2° colour-matching functions x̄, ȳ, z̄ at `lambda_nm`, by the
/// Wyman, Sloan and Shirley 2013 multi-lobe fit.
pub fn colour_matching(lambda_nm: f64) -> (f64, f64, f64) {
    let l = lambda_nm;
    let x = 1.056 * lobe(l, 599.8, 37.9, 31.0) + 0.362 * lobe(l, 442.0, 16.0, 26.7)
        - 0.065 * lobe(l, 501.1, 20.4, 26.2);
    let y = 0.821 * lobe(l, 568.8, 46.9, 40.5) + 0.286 * lobe(l, 530.9, 16.3, 31.1);
    let z = 1.217 * lobe(l, 437.0, 11.8, 36.0) + 0.681 * lobe(l, 459.0, 26.0, 13.8);
    (x, y, z)
}

/// The spectrum locus from 400 nm to 650 nm in 1 nm steps, as the fit
/// traces it; the polygon is closed by the purple line.
pub fn locus() -> &'static [Chromaticity] {
    static LOCUS: OnceLock<Vec<Chromaticity>> = OnceLock::new();
    LOCUS.get_or_init(|| {
        (400..=650)
            .map(|nm| {
                let (x, y, z) = colour_matching(f64::from(nm));
                let sum = x + y + z;
                Chromaticity { x: x / sum, y: y / sum }
            })
            .collect()
    })
}

/// Distance in xy from `p` to the segment `a`–`b`.
fn distance_to_segment(p: Chromaticity, a: Chromaticity, b: Chromaticity) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    };
    (p.x - (a.x + t * dx)).hypot(p.y - (a.y + t * dy))
}

/// True when `c` lies inside the spectrum locus or within [`LOCUS_MARGIN`]
/// of it. Non-finite coordinates are never inside.
pub fn is_inside(c: Chromaticity) -> bool {
    if !c.x.is_finite() || !c.y.is_finite() {
        return false;
    }
    let points = locus();
    let edges = points.iter().zip(points.iter().cycle().skip(1));
    // Even-odd ray casting along +x, and the distance to the nearest edge.
    let mut inside = false;
    let mut nearest = f64::INFINITY;
    for (&a, &b) in edges {
        if (a.y > c.y) != (b.y > c.y) && c.x < a.x + (c.y - a.y) * (b.x - a.x) / (b.y - a.y) {
            inside = !inside;
        }
        nearest = nearest.min(distance_to_segment(c, a, b));
    }
    inside || nearest <= LOCUS_MARGIN
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xy(x: f64, y: f64) -> Chromaticity {
        Chromaticity { x, y }
    }

    #[test]
    fn the_traced_locus_passes_near_the_published_one() {
        // ITU-R BT.2020 Table 3: its primaries are monochromatic (630, 532
        // and 467 nm), so they lie on the locus: an independent check of the fit.
        for (nm, want) in
            [(630, xy(0.708, 0.292)), (532, xy(0.170, 0.797)), (467, xy(0.131, 0.046))]
        {
            let got = locus()[nm - 400];
            let d = (got.x - want.x).hypot(got.y - want.y);
            assert!(d < 0.01, "{nm} nm: fit {got:?}, BT.2020 {want:?}, off by {d:.4}");
            assert!(is_inside(want));
        }
        // The published CIE 1931 locus (CIE data tables, "chromaticity
        // coordinates of spectrum loci, 2° observer") reaches x = 0.73469 at
        // its long-wavelength end, y = 0.83409 near 520 nm, x = 0.00364 near
        // 504 nm and starts at (0.17411, 0.00496) at 380 nm: all within the margin.
        for c in [xy(0.73469, 0.26531), xy(0.0743, 0.83409), xy(0.00364, 0.6), xy(0.17411, 0.00496)]
        {
            assert!(is_inside(c), "{c:?}");
        }
    }

    #[test]
    fn colours_a_display_shows_are_inside_and_impossible_ones_are_not() {
        // The ITU-R BT.709 white point (D65) and primaries, which sRGB shares.
        for c in [xy(0.3127, 0.3290), xy(0.64, 0.33), xy(0.30, 0.60), xy(0.15, 0.06)] {
            assert!(is_inside(c), "{c:?}");
        }
        // A placeholder 0,0; x + y > 1; below the purple line; beyond red;
        // above green; NaN.
        for c in [
            xy(0.0, 0.0),
            xy(0.6, 0.6),
            xy(0.4, 0.05),
            xy(0.8, 0.2),
            xy(0.3, 0.8),
            xy(f64::NAN, 0.3),
        ] {
            assert!(!is_inside(c), "{c:?}");
        }
    }
}
