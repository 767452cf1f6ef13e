//! Luminance figures: the luminance ratio and the ambient ratio.
//!
//! Primes follow AAPM TG18 (OR-03) and JESRA X-0093: L' = L + Lamb, the
//! luminance a viewer sees including the light the screen reflects
//! ([`MeasurementSet::total_luminance_cd_m2`](crate::numbers::measurement::MeasurementSet::total_luminance_cd_m2)).

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

/// The DDL whose luminance is `fraction` of the maximum (JIRA BN "L20":
/// the background at the grey level that gives 20 % of the maximum
/// luminance, 「最大輝度の20%になる階調」; calibration-data/STANDARDS.md,
/// "Test patterns"), found from the display's own response `(ddl, L)`
/// sorted by DDL, L the display's luminance without ambient light.
///
/// The target is `fraction` · L at the highest DDL; between the two
/// readings around it the level is interpolated linearly in log L (a
/// GSDF display's luminance is close to exponential in DDL over one
/// 15-DDL step; monqc's choice, no source gives the method) and rounded to
/// the nearest DDL. `None` when the response does not reach the target.
pub fn level_for_fraction_of_max(response: &[(u16, f64)], fraction: f64) -> Option<u16> {
    let &(_, l_max) = response.last()?;
    let target = fraction * l_max;
    response.windows(2).find_map(|w| {
        let ((d0, l0), (d1, l1)) = (w[0], w[1]);
        if !(l0 <= target && target <= l1) || l1 <= l0 {
            return None;
        }
        let t = if l0 > 0.0 {
            (target.ln() - l0.ln()) / (l1.ln() - l0.ln())
        } else {
            (target - l0) / (l1 - l0)
        };
        Some((f64::from(d0) + t * f64::from(d1 - d0)).round() as u16)
    })
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
    fn the_20_percent_level_is_interpolated_in_log_luminance() {
        // L doubles from DDL 150 to 165: 20 % of 400 = 80 lies at exactly
        // half of log2(80/50) / log2(100/50) of the step.
        let response = [(0, 0.5), (150, 50.0), (165, 100.0), (255, 400.0)];
        let want = 150.0 + 15.0 * (80f64 / 50.0).log2();
        assert_eq!(level_for_fraction_of_max(&response, 0.2), Some(want.round() as u16));
        assert_eq!(level_for_fraction_of_max(&response[..1], 0.2), None);
    }

    #[test]
    fn iec_sample_report_arithmetic() {
        // IEC 62563-1 Annex A Table A.3 sample (as reproduced by a public
        // IEC report tool): L'max 418.2, L'min 2.01, Lamb 1.5 → r' 208, a 0.746.
        assert_eq!(luminance_ratio(418.2, 2.01).round(), 208.0);
        assert_relative_eq!(ambient_ratio(1.5, 2.01), 0.746, epsilon = 5e-4);
    }
}
