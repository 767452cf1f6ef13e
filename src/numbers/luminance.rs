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
}
