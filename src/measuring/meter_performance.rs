//! What each meter family's maker states of its accuracy and repeatability,
//! recorded with a session so the analysis can carry the meter's own
//! uncertainty into L'max, r', Kδ and uniformity
//! ([`crate::numbers::uncertainty`]).
//!
//! The figures mirror the drivers crate's stated-performance data (its
//! `performance` module, with the same sources and marks); most are the
//! vendors' catalogue figures as commonly quoted and are marked
//! [`Confidence::Unconfirmed`]: check them against the meter's own data
//! sheet or calibration certificate before signing on them. A family with
//! no stated figure gets none, and its verdicts say the uncertainty is not
//! known.

use monqc_drivers::{MeterKind, MeterSelector};

use crate::numbers::uncertainty::{Confidence, MeterPerformance, Tolerance};

fn stated(
    luminance: Option<(Tolerance, Option<Tolerance>)>,
    illuminance: Option<(Tolerance, Option<Tolerance>)>,
    source: &str,
    confidence: Confidence,
) -> MeterPerformance {
    MeterPerformance {
        luminance_accuracy: luminance.map(|l| l.0),
        luminance_repeatability: luminance.and_then(|l| l.1),
        illuminance_accuracy: illuminance.map(|i| i.0),
        illuminance_repeatability: illuminance.and_then(|i| i.1),
        source: source.into(),
        confidence,
    }
}

/// The maker's stated performance of the meter `selector` names (`sim-KIND`
/// twins as their KIND); `None` for the ideal simulated meter, `none`,
/// spotread (the instrument behind it is not known) and the Klein K-10 (no
/// figure found).
pub fn for_selector(selector: &str) -> Option<MeterPerformance> {
    let kind = match selector.parse::<MeterSelector>().ok()? {
        MeterSelector::Serial { kind, .. } | MeterSelector::Simulated(kind) => kind,
        MeterSelector::Spotread { .. } => return None,
    };
    let pd = Tolerance::percent_digits;
    let ls = (pd(2.0, 1), Some(pd(0.2, 1)));
    Some(match kind {
        MeterKind::Ls100 | MeterKind::Ls110 | MeterKind::Cs100a => stated(
            Some(ls),
            None,
            "Konica Minolta LS-100/LS-110/CS-100A catalogue specifications as commonly quoted \
             (±2 % ±1 digit, repeatability ±0.2 % ±1 digit, standard illuminant A, 23 °C); not \
             found in the public material searched",
            Confidence::Unconfirmed,
        ),
        MeterKind::Cl200a => stated(
            None,
            Some((pd(2.0, 1), Some(pd(0.5, 1)))),
            "Konica Minolta CL-200A catalogue specifications as commonly quoted (JIS C 1609-1 \
             general class AA); not found in the public material searched",
            Confidence::Unconfirmed,
        ),
        MeterKind::T10a => stated(
            None,
            Some((pd(2.0, 1), None)),
            "Konica Minolta T-10A catalogue specifications as commonly quoted (JIS C 1609-1 \
             general class AA); not found in the public material searched",
            Confidence::Unconfirmed,
        ),
        MeterKind::Mavo => stated(
            None,
            Some((pd(3.0, 1), None)),
            "Gossen MAVOLUX 5032 B/C USB operating instructions, 'Technische Daten' (class B \
             or C per DIN 5032-7); the MAVO-MONITOR's luminance accuracy is not stated",
            Confidence::Vendor,
        ),
        MeterKind::Pr650 => stated(
            Some((pd(4.0, 0), None)),
            None,
            "Photo Research PR-650 specifications as commonly quoted (2856 K source); not \
             found in the public material searched",
            Confidence::Unconfirmed,
        ),
        MeterKind::Pr655 | MeterKind::Pr670 => stated(
            Some((pd(2.0, 0), None)),
            None,
            "Photo Research PR-655/670 specifications as commonly quoted (2856 K source); \
             not found in the public material searched",
            Confidence::Unconfirmed,
        ),
        MeterKind::K10 | MeterKind::Spotread => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twins_carry_their_family_and_every_figure_says_its_source() {
        let ls = for_selector("sim-ls100").unwrap();
        assert_eq!(ls.luminance_accuracy.unwrap().relative, 0.02);
        assert_eq!(for_selector("ls110:/dev/ttyUSB0"), Some(ls));
        assert!(for_selector("sim").is_none() && for_selector("spotread").is_none());
        assert!(for_selector("sim-k10").is_none(), "no stated figure for the K-10");
        let lux = for_selector("sim-t10a").unwrap();
        assert!(lux.luminance_accuracy.is_none() && lux.illuminance_accuracy.is_some());
        for kind in MeterKind::ALL {
            if let Some(p) = for_selector(&format!("sim-{}", kind.id())) {
                assert!(p.source.len() > 40, "{kind:?}");
            }
        }
    }
}
