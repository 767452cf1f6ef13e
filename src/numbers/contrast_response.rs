//! Contrast response: measured contrast per JND against the GSDF, and Kδ.
//!
//! Sources: JESRA X-0093*B-2017 (コントラスト応答, 最大誤差率 κδ), AAPM TG18
//! (OR-03, 2005) §4.3 luminance response, IEC 62563-1 luminance response
//! (Annex A sample reports, LN01…LN18). The procedure taught for JESRA — the
//! centre of JIRA BN01…BN18 → contrast per JND → error against the ideal →
//! maximum error κδ — and the EIZO RadiCS manual ("the same calculation as
//! κδ", 18 points → 17 values) agree with the TG18 / IEC evaluation as
//! implemented by pacsDisplay (`lumR-evalQClr`, 18-point mode) and by an
//! independent IEC 62563-1 tool. See `calibration-data/README.md`.
//!
//! For readings L'_0…L'_n at DDLs d_0 < … < d_n (L' includes ambient):
//! - J'min = j(L'_0), J'max = j(L'_n); the *ideal* JND index of DDL d is
//!   J*(d) = J'min + (d − d_0)/(d_n − d_0) · (J'max − J'min), i.e. the GSDF
//!   spread evenly over the DDL range (for 8 bits, ΔJ = (J'max − J'min)/255
//!   per DDL as pacsDisplay writes it);
//! - measured contrast per JND of interval i:
//!   δ_i = [2 (L'_i − L'_{i−1}) / (L'_i + L'_{i−1})] / (J*(d_i) − J*(d_{i−1}));
//! - expected contrast per JND, [`ExpectedContrast::IdealInterval`] (form A,
//!   the default): the same expression on the GSDF luminances L(J*(d)) at
//!   the interval's ends;
//! - error e_i = (δ_i − δ_exp,i) / δ_exp,i, and Kδ = max |e_i| in %.
//!
//! The denominators are the ideal JNDs, never the measured j(L'_i) −
//! j(L'_{i−1}): dividing by the measured JNDs would turn δ into the GSDF's
//! own contrast per JND and hide every error.

use serde::{Deserialize, Serialize};

use crate::numbers::gsdf::{self, GsdfError};

/// Which GSDF contrast the measured contrast is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ExpectedContrast {
    /// Form A: the GSDF contrast over the same ideal interval, per JND
    /// (pacsDisplay 18-point mode; an independent IEC 62563-1 tool).
    /// The TG18 / IEC / JESRA 18-point evaluation.
    #[default]
    IdealInterval,
    /// Form B: the one-JND GSDF contrast at the interval's mean ideal JND,
    /// [L(Jm + ½) − L(Jm − ½)] / L(Jm) (pacsDisplay's paired 16×2 mode).
    /// Differs from form A by up to ~4 % of the expected value in the
    /// darkest interval; kept for comparison with software that uses it.
    OneJndAtMean,
}

/// Which inverse of the GSDF turns L'min and L'max into JND indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum JndInverse {
    /// The exact numerical inverse of the PS3.14 §7.1 formula ([`gsdf::jnd_index`]).
    #[default]
    Exact,
    /// The polynomial approximation printed in PS3.14 §7.1
    /// ([`gsdf::jnd_index_ps314_polynomial`]), as pacsDisplay and other QC
    /// software use it. Moves Kδ by a few hundredths of a percentage point.
    Ps314Polynomial,
}

/// How to compute the contrast response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ContrastOptions {
    /// Which expected contrast to compare with.
    pub expected: ExpectedContrast,
    /// Which GSDF inverse to use for J'min and J'max.
    pub inverse: JndInverse,
}

/// One interval between two adjacent measured DDLs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower DDL.
    pub ddl_low: u16,
    /// Upper DDL.
    pub ddl_high: u16,
    /// L' at the lower DDL, in cd/m² (ambient included).
    pub luminance_low_cd_m2: f64,
    /// L' at the upper DDL, in cd/m² (ambient included).
    pub luminance_high_cd_m2: f64,
    /// Mean ideal JND index of the interval (the x of the contrast plot).
    pub jnd_index_mean: f64,
    /// Measured contrast per JND, δ_i.
    pub measured_contrast_per_jnd: f64,
    /// Expected (GSDF) contrast per JND, δ_exp,i.
    pub expected_contrast_per_jnd: f64,
    /// Relative error (δ_i − δ_exp,i) / δ_exp,i, as a fraction (signed).
    pub error: f64,
}

/// The contrast response of one luminance response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContrastResponse {
    /// How it was computed.
    pub options: ContrastOptions,
    /// J'min = j(L'min).
    pub jnd_index_min: f64,
    /// J'max = j(L'max).
    pub jnd_index_max: f64,
    /// Ideal JNDs per DDL step, (J'max − J'min) / (d_n − d_0).
    pub jnd_per_ddl: f64,
    /// One entry per interval between adjacent readings.
    pub intervals: Vec<Interval>,
    /// Kδ = max |e_i|, in %.
    pub kdelta_percent: f64,
    /// Index into `intervals` of the largest |e_i|.
    pub worst_interval: usize,
}

/// Why a contrast response cannot be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ContrastResponseError {
    /// Fewer than two readings.
    #[error("the contrast response needs at least 2 readings, got {0}")]
    TooFewPoints(usize),
    /// DDLs not strictly increasing.
    #[error(
        "DDLs must be strictly increasing, but DDL {next} follows DDL {previous}; \
         sort the readings by DDL and remove duplicates"
    )]
    DdlNotIncreasing {
        /// The earlier DDL.
        previous: u16,
        /// The DDL that does not increase.
        next: u16,
    },
    /// Luminance not strictly increasing with DDL.
    #[error(
        "the luminance response is not monotonic: L' = {luminance_high_cd_m2:.4} cd/m² at DDL \
         {ddl_high} is not above L' = {luminance_low_cd_m2:.4} cd/m² at DDL {ddl_low}; \
         check that the right pattern was shown for each reading and that the meter did not \
         move, then measure these DDLs again"
    )]
    NotMonotonic {
        /// Lower DDL.
        ddl_low: u16,
        /// Higher DDL.
        ddl_high: u16,
        /// L' at the lower DDL.
        luminance_low_cd_m2: f64,
        /// L' at the higher DDL.
        luminance_high_cd_m2: f64,
    },
    /// L'min or L'max is outside the GSDF.
    #[error("{which} is outside the GSDF: {source}")]
    OutsideGsdf {
        /// "L'min" or "L'max".
        which: &'static str,
        /// The range error.
        source: GsdfError,
    },
}

/// Compute the contrast response of readings `(ddl, L')`, sorted by DDL,
/// with L' in cd/m² including ambient light.
pub fn contrast_response(
    points: &[(u16, f64)],
    options: ContrastOptions,
) -> Result<ContrastResponse, ContrastResponseError> {
    if points.len() < 2 {
        return Err(ContrastResponseError::TooFewPoints(points.len()));
    }
    for w in points.windows(2) {
        let ((d0, l0), (d1, l1)) = (w[0], w[1]);
        if d1 <= d0 {
            return Err(ContrastResponseError::DdlNotIncreasing { previous: d0, next: d1 });
        }
        if l1 <= l0 {
            return Err(ContrastResponseError::NotMonotonic {
                ddl_low: d0,
                ddl_high: d1,
                luminance_low_cd_m2: l0,
                luminance_high_cd_m2: l1,
            });
        }
    }
    let (d_first, l_min) = points[0];
    let (d_last, l_max) = points[points.len() - 1];
    let inverse = match options.inverse {
        JndInverse::Exact => gsdf::jnd_index,
        JndInverse::Ps314Polynomial => gsdf::jnd_index_ps314_polynomial,
    };
    // Both inverses reject luminance outside the GSDF; the exact one's range
    // (L(1)..L(1023)) is the binding one for either.
    let in_gsdf = |l: f64, which| {
        gsdf::jnd_index(l)
            .and_then(|_| inverse(l))
            .map_err(|source| ContrastResponseError::OutsideGsdf { which, source })
    };
    let j_min = in_gsdf(l_min, "L'min")?;
    let j_max = in_gsdf(l_max, "L'max")?;
    let jnd_per_ddl = (j_max - j_min) / f64::from(d_last - d_first);
    let ideal_jnd = |d: u16| j_min + f64::from(d - d_first) * jnd_per_ddl;
    // Ideal JND indices lie in [J'min, J'max] ⊂ [1, 1023], so L(J) cannot fail;
    // clamp only guards the last bit of rounding at the ends.
    let gsdf_l = |j: f64| {
        gsdf::luminance_cd_m2(j.clamp(gsdf::JND_INDEX_MIN, gsdf::JND_INDEX_MAX))
            .expect("clamped JND index is in range")
    };
    let contrast = |a: f64, b: f64| 2.0 * (b - a) / (b + a);

    let intervals: Vec<Interval> = points
        .windows(2)
        .map(|w| {
            let ((d0, l0), (d1, l1)) = (w[0], w[1]);
            let (j0, j1) = (ideal_jnd(d0), ideal_jnd(d1));
            let jnds = j1 - j0;
            let jm = 0.5 * (j0 + j1);
            let measured = contrast(l0, l1) / jnds;
            let expected_value = match options.expected {
                ExpectedContrast::IdealInterval => contrast(gsdf_l(j0), gsdf_l(j1)) / jnds,
                ExpectedContrast::OneJndAtMean => {
                    (gsdf_l(jm + 0.5) - gsdf_l(jm - 0.5)) / gsdf_l(jm)
                }
            };
            Interval {
                ddl_low: d0,
                ddl_high: d1,
                luminance_low_cd_m2: l0,
                luminance_high_cd_m2: l1,
                jnd_index_mean: jm,
                measured_contrast_per_jnd: measured,
                expected_contrast_per_jnd: expected_value,
                error: (measured - expected_value) / expected_value,
            }
        })
        .collect();
    let (worst_interval, worst) = intervals
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.error.abs().total_cmp(&b.1.error.abs()))
        .expect("at least one interval");
    let kdelta_percent = 100.0 * worst.error.abs();
    Ok(ContrastResponse {
        options,
        jnd_index_min: j_min,
        jnd_index_max: j_max,
        jnd_per_ddl,
        intervals,
        kdelta_percent,
        worst_interval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    const BN_DDLS: [u16; 18] =
        [0, 15, 30, 45, 60, 75, 90, 105, 120, 135, 150, 165, 180, 195, 210, 225, 240, 255];

    fn gsdf_display(l_min: f64, l_max: f64) -> Vec<(u16, f64)> {
        let (j0, j1) = (gsdf::jnd_index(l_min).unwrap(), gsdf::jnd_index(l_max).unwrap());
        BN_DDLS
            .iter()
            .map(|&d| (d, gsdf::luminance_cd_m2(j0 + (j1 - j0) * f64::from(d) / 255.0).unwrap()))
            .collect()
    }

    #[test]
    fn a_perfect_gsdf_display_has_zero_error() {
        let cr = contrast_response(&gsdf_display(0.8, 400.0), ContrastOptions::default()).unwrap();
        assert_eq!(cr.intervals.len(), 17);
        assert_abs_diff_eq!(cr.kdelta_percent, 0.0, epsilon = 1e-6);
    }

    #[test]
    fn one_disturbed_reading_shows_in_its_two_intervals() {
        let mut pts = gsdf_display(0.8, 400.0);
        pts[9].1 *= 1.05; // DDL 135 reads 5 % high
        let cr = contrast_response(&pts, ContrastOptions::default()).unwrap();
        let (below, above) = (&cr.intervals[8], &cr.intervals[9]);
        assert!(below.error > 0.0 && above.error < 0.0);
        assert!(cr.worst_interval == 8 || cr.worst_interval == 9);
        for (i, iv) in cr.intervals.iter().enumerate() {
            if i != 8 && i != 9 {
                assert_abs_diff_eq!(iv.error, 0.0, epsilon = 1e-9);
            }
        }
        // Interval contrast is independent of the JND normalisation (both δ
        // use the same ideal JNDs), so e = c_measured / c_ideal − 1 exactly.
        let c = |a: f64, b: f64| 2.0 * (b - a) / (a + b);
        let ideal = gsdf_display(0.8, 400.0);
        let want = c(ideal[8].1, ideal[9].1 * 1.05) / c(ideal[8].1, ideal[9].1) - 1.0;
        assert_abs_diff_eq!(below.error, want, epsilon = 1e-12);
    }

    #[test]
    fn form_b_differs_most_in_the_darkest_interval() {
        // calibration-data/STANDARDS.md, "Contrast response": for L'min/L'max = 1/350, form B's expected value is
        // ~3.6 % above form A's in the darkest interval and ~0.45 % at the top.
        let pts = gsdf_display(1.0, 350.0);
        let a = contrast_response(&pts, ContrastOptions::default()).unwrap();
        let b = contrast_response(
            &pts,
            ContrastOptions { expected: ExpectedContrast::OneJndAtMean, ..Default::default() },
        )
        .unwrap();
        let ratio = |i: usize| {
            b.intervals[i].expected_contrast_per_jnd / a.intervals[i].expected_contrast_per_jnd
                - 1.0
        };
        assert!((0.030..0.042).contains(&ratio(0)), "darkest {}", ratio(0));
        assert!(ratio(16).abs() < 0.008, "top {}", ratio(16));
    }

    #[test]
    fn rejects_a_non_monotonic_response_naming_the_ddls() {
        let mut pts = gsdf_display(0.8, 400.0);
        pts[4].1 = pts[3].1 * 0.99;
        let err = contrast_response(&pts, ContrastOptions::default()).unwrap_err();
        assert!(matches!(
            err,
            ContrastResponseError::NotMonotonic { ddl_low: 45, ddl_high: 60, .. }
        ));
        assert!(err.to_string().contains("DDL 60"));
    }

    #[test]
    fn rejects_luminance_outside_the_gsdf() {
        let pts = [(0, 0.01), (255, 300.0)];
        let err = contrast_response(&pts, ContrastOptions::default()).unwrap_err();
        assert!(matches!(err, ContrastResponseError::OutsideGsdf { which: "L'min", .. }));
    }
}
