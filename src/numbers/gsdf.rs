//! The DICOM Grayscale Standard Display Function (GSDF).
//!
//! Source: DICOM PS3.14 "Grayscale Standard Display Function", §7.1
//! (the formula) and Annex B, Table B-1 (luminance for every JND index).
//!
//! The GSDF maps the *JND index* j (1 ≤ j ≤ 1023) to luminance L in cd/m²;
//! one step of j is one just-noticeable difference for the Barten model of
//! the human observer. L(1) ≈ 0.05 cd/m², L(1023) ≈ 3993 cd/m².
//! `tests/gsdf_table_b1.rs` checks every value against the table as printed
//! in the standard (`calibration-data/reference/gsdf-table-b1.csv`).
//!
//! Two inverses are offered, because they are not the same function:
//! - [`jnd_index`] inverts the forward formula numerically; it is exact to
//!   the formula (round trip within 1e-9 JND) and is what monqc uses.
//! - [`jnd_index_ps314_polynomial`] is the polynomial approximation printed
//!   beside the formula in PS3.14 §7.1; it round-trips to about 0.1 JND and
//!   is kept so results can be compared with software that uses it.

use std::fmt;

/// Smallest JND index of the GSDF (PS3.14 §7.1).
pub const JND_INDEX_MIN: f64 = 1.0;
/// Largest JND index of the GSDF (PS3.14 §7.1).
pub const JND_INDEX_MAX: f64 = 1023.0;

// PS3.14 §7.1, coefficients of the forward rational polynomial in ln j,
// giving log10 L. Names as printed in the standard.
const A: f64 = -1.301_187_7;
const B: f64 = -2.584_019_1e-2;
const C: f64 = 8.024_263_6e-2;
const D: f64 = -1.032_022_9e-1;
const E: f64 = 1.364_669_9e-1;
const F: f64 = 2.874_562_0e-2;
const G: f64 = -2.546_840_4e-2;
const H: f64 = -3.197_897_7e-3;
const K: f64 = 1.299_263_4e-4;
const M: f64 = 1.363_533_4e-3;

// PS3.14 §7.1, coefficients of the published inverse: j as a polynomial in
// log10 L, for 0.05 ≤ L ≤ 4000 cd/m².
const INV: [f64; 9] = [
    71.498_068,
    94.593_053,
    41.912_053,
    9.824_700_4,
    0.281_754_07,
    -1.187_845_5,
    -0.180_143_49,
    0.147_108_99,
    -0.017_046_845,
];

/// A value outside the domain of the GSDF.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum GsdfError {
    /// The JND index is outside 1..=1023 (or not a number).
    #[error("JND index {0} is outside the GSDF range 1 to 1023 (DICOM PS3.14 §7.1)")]
    JndIndexOutOfRange(f64),
    /// The luminance is outside L(1)..=L(1023) (or not a number).
    #[error(
        "luminance {value} cd/m² is outside the GSDF range {min:.4} to {max:.1} cd/m² \
         (JND index 1 to 1023, DICOM PS3.14 §7.1)"
    )]
    LuminanceOutOfRange {
        /// The luminance asked for, in cd/m².
        value: f64,
        /// L(1), in cd/m².
        min: f64,
        /// L(1023), in cd/m².
        max: f64,
    },
}

/// log10 L(j) by the PS3.14 §7.1 rational polynomial, for any j > 0.
fn log10_luminance(j: f64) -> f64 {
    let x = j.ln();
    let num = A + x * (C + x * (E + x * (G + x * M)));
    let den = 1.0 + x * (B + x * (D + x * (F + x * (H + x * K))));
    num / den
}

/// Luminance in cd/m² for JND index `j` (1 ≤ j ≤ 1023), by the PS3.14 §7.1
/// formula. Fractional indices are allowed: the formula is continuous.
pub fn luminance_cd_m2(j: f64) -> Result<f64, GsdfError> {
    if !(JND_INDEX_MIN..=JND_INDEX_MAX).contains(&j) {
        return Err(GsdfError::JndIndexOutOfRange(j));
    }
    Ok(10f64.powf(log10_luminance(j)))
}

/// L(1), the lowest luminance of the GSDF, in cd/m².
pub fn luminance_min_cd_m2() -> f64 {
    10f64.powf(log10_luminance(JND_INDEX_MIN))
}

/// L(1023), the highest luminance of the GSDF, in cd/m².
pub fn luminance_max_cd_m2() -> f64 {
    10f64.powf(log10_luminance(JND_INDEX_MAX))
}

fn check_luminance(l: f64) -> Result<(), GsdfError> {
    let (min, max) = (luminance_min_cd_m2(), luminance_max_cd_m2());
    if l.is_nan() || l < min || l > max {
        return Err(GsdfError::LuminanceOutOfRange { value: l, min, max });
    }
    Ok(())
}

/// JND index for luminance `l` in cd/m², the exact inverse of
/// [`luminance_cd_m2`] (solved numerically on ln j; round trip < 1e-9 JND).
pub fn jnd_index(l_cd_m2: f64) -> Result<f64, GsdfError> {
    check_luminance(l_cd_m2)?;
    let target = l_cd_m2.log10();
    // log10 L is strictly increasing in ln j on [0, ln 1023], so bisection
    // always converges; 64 halvings of ln 1023 reach f64 resolution.
    let (mut lo, mut hi) = (0.0f64, JND_INDEX_MAX.ln());
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if log10_luminance(mid.exp()) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok((0.5 * (lo + hi)).exp().clamp(JND_INDEX_MIN, JND_INDEX_MAX))
}

/// JND index for luminance `l` by the polynomial approximation printed in
/// PS3.14 §7.1 (valid for 0.05 ≤ L ≤ 4000 cd/m²; about 0.1 JND from the
/// exact inverse). Use [`jnd_index`] unless you must match other software.
pub fn jnd_index_ps314_polynomial(l_cd_m2: f64) -> Result<f64, GsdfError> {
    if l_cd_m2.is_nan() || !(0.05..=4000.0).contains(&l_cd_m2) {
        return Err(GsdfError::LuminanceOutOfRange { value: l_cd_m2, min: 0.05, max: 4000.0 });
    }
    let y = l_cd_m2.log10();
    Ok(INV.iter().rev().fold(0.0, |acc, c| acc * y + c))
}

/// One row of the GSDF evaluated by the formula: JND index and luminance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TableRow {
    /// JND index j.
    pub jnd_index: u16,
    /// L(j) in cd/m².
    pub luminance_cd_m2: f64,
}

impl fmt::Display for TableRow {
    /// `j,L` with L to four decimal places, the precision of Table B-1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{:.4}", self.jnd_index, self.luminance_cd_m2)
    }
}

/// PS3.14 Annex B, Table B-1 as printed in the standard, one `j,L` row per
/// line after `#` comment lines giving its provenance. Annex B is
/// informative: its values are the Barten-model levels the §7.1 formula was
/// fitted to, so the two agree to the printed digit only up to j ≈ 112 and
/// differ by at most 1.9e-5 relative above (0.074 cd/m² at j = 1023).
pub const TABLE_B1_CSV: &str = include_str!("../../calibration-data/reference/gsdf-table-b1.csv");

/// One row of Table B-1 exactly as the standard prints it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrintedRow {
    /// JND index j.
    pub jnd_index: u16,
    /// L(j) in cd/m², the printed digits.
    pub luminance_printed: &'static str,
}

/// The rows of PS3.14 Table B-1 as printed ([`TABLE_B1_CSV`]).
pub fn table_b1() -> impl Iterator<Item = PrintedRow> {
    TABLE_B1_CSV.lines().filter(|l| !l.starts_with('#') && !l.starts_with("jnd")).filter_map(|l| {
        let (j, lum) = l.split_once(',')?;
        Some(PrintedRow { jnd_index: j.trim().parse().ok()?, luminance_printed: lum.trim() })
    })
}

/// The §7.1 formula evaluated at j = 1..=1023 (compare [`table_b1`]).
pub fn formula_table() -> impl Iterator<Item = TableRow> {
    (1u16..=1023).map(|j| TableRow {
        jnd_index: j,
        luminance_cd_m2: 10f64.powf(log10_luminance(f64::from(j))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn exact_inverse_round_trips() {
        for j in [1.0, 1.5, 2.0, 17.25, 100.0, 511.0, 800.5, 1022.0, 1023.0] {
            let l = luminance_cd_m2(j).unwrap();
            assert_relative_eq!(jnd_index(l).unwrap(), j, epsilon = 1e-9);
        }
    }

    #[test]
    fn published_polynomial_is_within_a_fraction_of_a_jnd() {
        // PS3.14 §7.1 presents the polynomial as an approximation; the
        // worst case over the table should stay well under one JND.
        let worst = formula_table()
            .filter(|r| r.luminance_cd_m2 <= 4000.0 && r.luminance_cd_m2 >= 0.05)
            .map(|r| {
                (jnd_index_ps314_polynomial(r.luminance_cd_m2).unwrap() - f64::from(r.jnd_index))
                    .abs()
            })
            .fold(0.0, f64::max);
        assert!(worst < 0.5, "worst {worst}");
        assert!(worst > 0.01, "the polynomial is an approximation, not exact: {worst}");
    }

    #[test]
    fn out_of_range_is_an_error_not_a_clamp() {
        assert!(matches!(luminance_cd_m2(0.5), Err(GsdfError::JndIndexOutOfRange(_))));
        assert!(matches!(luminance_cd_m2(1023.5), Err(GsdfError::JndIndexOutOfRange(_))));
        assert!(luminance_cd_m2(f64::NAN).is_err());
        assert!(matches!(jnd_index(0.04), Err(GsdfError::LuminanceOutOfRange { .. })));
        assert!(matches!(jnd_index(4000.0), Err(GsdfError::LuminanceOutOfRange { .. })));
        assert!(jnd_index(f64::NAN).is_err());
    }

    #[test]
    fn strictly_increasing() {
        let rows: Vec<_> = formula_table().collect();
        assert_eq!(rows.len(), 1023);
        assert!(rows.windows(2).all(|w| w[1].luminance_cd_m2 > w[0].luminance_cd_m2));
    }
}
