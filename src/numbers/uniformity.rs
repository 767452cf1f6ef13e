//! Luminance uniformity over the points of a uniform field, as each
//! standard expresses it.

use serde::{Deserialize, Serialize};

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

/// Each point's share of the uniformity figure, in %: the same formula as
/// [`uniformity_percent`] applied to the one point against the reference
/// the formula measures from, so that the largest is the uniformity itself
/// and a point can be shaded against the same limit. For
/// [`UniformityDefinition::MaxDeviation`] the reference is the brightest
/// point, 200 · (Lhigh − L) / (Lhigh + L); for
/// [`UniformityDefinition::DeviationFromMedian`] the median, 100 · |L − median| / median.
pub fn point_deviations_percent(
    definition: UniformityDefinition,
    luminances_cd_m2: &[f64],
) -> Vec<f64> {
    if luminances_cd_m2.len() < 2 {
        return vec![0.0; luminances_cd_m2.len()];
    }
    match definition {
        UniformityDefinition::MaxDeviation => {
            let hi = luminances_cd_m2.iter().copied().fold(f64::MIN, f64::max);
            luminances_cd_m2.iter().map(|l| 200.0 * (hi - l) / (hi + l)).collect()
        }
        UniformityDefinition::DeviationFromMedian => {
            let mut sorted = luminances_cd_m2.to_vec();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            let median =
                if n % 2 == 1 { sorted[n / 2] } else { 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]) };
            luminances_cd_m2.iter().map(|l| 100.0 * (l - median).abs() / median).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

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
    fn the_largest_point_deviation_is_the_uniformity_itself() {
        let l = [100.0, 90.0, 95.0, 110.0, 100.0];
        for definition in
            [UniformityDefinition::MaxDeviation, UniformityDefinition::DeviationFromMedian]
        {
            let points = point_deviations_percent(definition, &l);
            let max = points.iter().copied().fold(0.0, f64::max);
            assert_relative_eq!(max, uniformity_percent(definition, &l).unwrap());
        }
        // The dimmest point against the brightest: 200·(110 − 90)/(110 + 90).
        assert_relative_eq!(
            point_deviations_percent(UniformityDefinition::MaxDeviation, &l)[1],
            20.0
        );
    }
}
