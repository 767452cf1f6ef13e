//! Scalar QC metrics: L'max, L'min, luminance ratio, ambient ratio,
//! luminance uniformity and chromaticity.
//!
//! Primes follow AAPM TG18 (OR-03) and JESRA X-0093: L' = L + Lamb, the
//! luminance a viewer sees including the light the screen reflects.

use serde::{Deserialize, Serialize};

use crate::numbers::measurement::{Chromaticity, Position};

/// Luminance ratio r' = L'max / L'min (AAPM TG18 §4.3; JESRA X-0093 輝度比;
/// IEC 62563-1 Annex A sample reports).
pub fn luminance_ratio(l_max_cd_m2: f64, l_min_cd_m2: f64) -> f64 {
    l_max_cd_m2 / l_min_cd_m2
}

/// Ambient ratio a = Lamb / L'min.
///
/// AAPM TG18 (OR-03) and AAPM Report 270 ask that Lamb ≤ ⅔ · Lmin, where
/// Lmin = L'min − Lamb is the display's own black (pacsDisplay: AR =
/// Lamb / (L'min − Lamb) ≤ 2/3, < 1/4 recommended; EIZO RadiCS prints
/// "Lamb < Lmin/1.5"). IEC 62563-1 Annex A samples write a = Lamb / L'min
/// < 0.4. With x = Lamb / Lmin, Lamb / L'min = x / (1 + x), and x = ⅔ gives
/// exactly 0.4, so both rules are one limit on this one ratio.
pub fn ambient_ratio(lamb_cd_m2: f64, l_min_prime_cd_m2: f64) -> f64 {
    lamb_cd_m2 / l_min_prime_cd_m2
}

/// How luminance uniformity is expressed. Standards differ; each is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UniformityDefinition {
    /// Maximum luminance deviation, 200 · (Lhigh − Llow) / (Lhigh + Llow) %,
    /// over the centre and four corners of TG18-UN80 / UN10: AAPM TG18
    /// (OR-03, as implemented by pacsDisplay "MLD"), the IEC 62563-1
    /// Annex A sample reports (5 or 9 points), and the ACR set-up of EIZO
    /// RadiCS. JESRA X-0093 輝度均一性 is taken to be the same (its own
    /// formula has not been seen; see calibration-data/README.md).
    MaxDeviation,
    /// Luminance uniformity deviation from the median, 100 · max |L − median|
    /// / median % (AAPM Report 270 "LUDM", as implemented by pacsDisplay).
    DeviationFromMedian,
}

impl UniformityDefinition {
    /// The formula in words, for reports.
    pub fn formula(self) -> &'static str {
        match self {
            Self::MaxDeviation => "200·(Lhigh − Llow)/(Lhigh + Llow) %",
            Self::DeviationFromMedian => "100·max|L − median|/median %",
        }
    }
}

/// Luminance uniformity in % by `definition`, over `luminances_cd_m2`.
/// Returns `None` for fewer than two readings.
pub fn uniformity_percent(
    definition: UniformityDefinition,
    luminances_cd_m2: &[f64],
) -> Option<f64> {
    if luminances_cd_m2.len() < 2 {
        return None;
    }
    let hi = luminances_cd_m2.iter().copied().fold(f64::MIN, f64::max);
    let lo = luminances_cd_m2.iter().copied().fold(f64::MAX, f64::min);
    Some(match definition {
        UniformityDefinition::MaxDeviation => 200.0 * (hi - lo) / (hi + lo),
        UniformityDefinition::DeviationFromMedian => {
            let mut sorted = luminances_cd_m2.to_vec();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            let median =
                if n % 2 == 1 { sorted[n / 2] } else { 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]) };
            100.0 * sorted.iter().map(|l| (l - median).abs()).fold(0.0, f64::max) / median
        }
    })
}

/// Δu'v' between two chromaticities (CIE 1976 UCS distance).
pub fn delta_uv(a: Chromaticity, b: Chromaticity) -> f64 {
    let (ua, va) = a.to_uv_prime();
    let (ub, vb) = b.to_uv_prime();
    (ua - ub).hypot(va - vb)
}

/// The largest Δu'v' between any two of `points` (AAPM TG18 and IEC 62563-1
/// compare the points of one display pairwise; IEC 62563-1 Annex A sample
/// reports: "between any two of 5/9 points").
pub fn max_pairwise_delta_uv(points: &[(Position, Chromaticity)]) -> Option<f64> {
    let mut worst: Option<f64> = None;
    for (i, (_, a)) in points.iter().enumerate() {
        for (_, b) in &points[i + 1..] {
            let d = delta_uv(*a, *b);
            worst = Some(worst.map_or(d, |w: f64| w.max(d)));
        }
    }
    worst
}

/// Greyscale chromaticity tracking: the largest Δu'v' of any response
/// reading from the brightest one, ignoring readings below 5 cd/m²
/// (IEC 62563-1 Annex A sample reports; pacsDisplay uses the same 5 cd/m²
/// floor).
pub fn greyscale_tracking_delta_uv(readings: &[(f64, Chromaticity)]) -> Option<f64> {
    const FLOOR_CD_M2: f64 = 5.0;
    let (_, reference) = readings.iter().copied().max_by(|a, b| a.0.total_cmp(&b.0))?;
    let deltas: Vec<f64> = readings
        .iter()
        .filter(|(l, _)| *l >= FLOOR_CD_M2)
        .map(|(_, c)| delta_uv(*c, reference))
        .collect();
    if deltas.len() < 2 { None } else { deltas.into_iter().reduce(f64::max) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn ambient_ratio_limits_of_tg18_and_iec_agree() {
        // Lamb = ⅔·Lmin is the TG18 limit; it must give IEC's a = 0.4.
        let lmin = 0.9;
        let lamb = 2.0 / 3.0 * lmin;
        assert_relative_eq!(ambient_ratio(lamb, lmin + lamb), 0.4, epsilon = 1e-12);
    }

    #[test]
    fn iec_sample_report_arithmetic() {
        // IEC 62563-1 Annex A Table A.3 sample (as reproduced by a public
        // IEC report tool): L'max 418.2, L'min 2.01, Lamb 1.5 → r' 208, a 0.746.
        assert_eq!(luminance_ratio(418.2, 2.01).round(), 208.0);
        assert_relative_eq!(ambient_ratio(1.5, 2.01), 0.746, epsilon = 5e-4);
    }

    #[test]
    fn uniformity_definitions() {
        let l = [100.0, 90.0, 95.0, 110.0, 100.0];
        // 200·(110 − 90)/(110 + 90) = 20 %.
        assert_relative_eq!(
            uniformity_percent(UniformityDefinition::MaxDeviation, &l).unwrap(),
            20.0
        );
        // median 100; max |L − 100| = 10 → 10 %.
        assert_relative_eq!(
            uniformity_percent(UniformityDefinition::DeviationFromMedian, &l).unwrap(),
            10.0
        );
        assert!(uniformity_percent(UniformityDefinition::MaxDeviation, &[1.0]).is_none());
    }

    #[test]
    fn delta_uv_pairwise_and_tracking() {
        let d65 = Chromaticity { x: 0.3127, y: 0.3290 };
        let warm = Chromaticity { x: 0.3200, y: 0.3350 };
        let pts = [(Position::Centre, d65), (Position::TopLeft, warm), (Position::TopRight, d65)];
        let want = delta_uv(d65, warm);
        assert!(want > 0.003 && want < 0.01, "{want}");
        assert_relative_eq!(max_pairwise_delta_uv(&pts).unwrap(), want);
        // A dark, very different reading is ignored by tracking (< 5 cd/m²).
        let tracking = [(1.0, Chromaticity { x: 0.25, y: 0.25 }), (50.0, warm), (400.0, d65)];
        assert_relative_eq!(greyscale_tracking_delta_uv(&tracking).unwrap(), want);
    }
}
