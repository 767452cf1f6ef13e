//! What each meter family's maker states of its accuracy and repeatability
//! (the drivers crate's `performance` data, with its sources and marks),
//! recorded with a session so the analysis can carry the meter's own
//! uncertainty into L'max, r', Kδ and uniformity
//! ([`crate::numbers::uncertainty`]). Most figures are the vendors'
//! catalogue figures as commonly quoted, marked unconfirmed: the record
//! says so, and they must be checked against the meter's own data sheet or
//! calibration certificate before a result is signed on them.

use monqc_drivers::performance::{
    self, Confidence as DriverConfidence, Tolerance as DriverTolerance,
};
use monqc_drivers::{MeterSelector, Quantity};

use crate::numbers::uncertainty::{Confidence, MeterPerformance, Tolerance};

fn tolerance(t: DriverTolerance) -> Tolerance {
    Tolerance { relative: t.relative, absolute: t.absolute, digits: t.digits }
}

/// The maker's stated performance of the meter `selector` names (`sim-KIND`
/// twins as their KIND); `None` for the ideal simulated meter, `none`,
/// spotread (the instrument behind it is not known) and a family with no
/// stated figure for either quantity.
pub fn for_selector(selector: &str) -> Option<MeterPerformance> {
    let kind = match selector.parse::<MeterSelector>().ok()? {
        MeterSelector::Serial { kind, .. } | MeterSelector::Simulated(kind) => kind,
        MeterSelector::Spotread { .. } => return None,
    };
    let stated = performance::stated(kind);
    let luminance = stated.accuracy(Quantity::Luminance);
    let illuminance = stated.accuracy(Quantity::Illuminance);
    if luminance.is_none() && illuminance.is_none() {
        return None;
    }
    let conditions = if stated.conditions.is_empty() {
        String::new()
    } else {
        format!(" ({})", stated.conditions)
    };
    Some(MeterPerformance {
        luminance_accuracy: luminance.map(tolerance),
        luminance_repeatability: stated.repeatability(Quantity::Luminance).map(tolerance),
        illuminance_accuracy: illuminance.map(tolerance),
        illuminance_repeatability: stated.repeatability(Quantity::Illuminance).map(tolerance),
        source: format!("{}{conditions}", stated.source),
        confidence: match stated.confidence {
            DriverConfidence::Vendor => Confidence::Vendor,
            DriverConfidence::Secondary => Confidence::Secondary,
            _ => Confidence::Unconfirmed,
        },
    })
}

#[cfg(test)]
mod tests {
    use monqc_drivers::MeterKind;

    use super::*;

    #[test]
    fn twins_carry_their_family_and_every_figure_says_its_source() {
        let ls = for_selector("sim-ls100").unwrap();
        assert_eq!(ls.luminance_accuracy.unwrap().relative, 0.02);
        assert_eq!(ls.confidence, Confidence::Unconfirmed, "catalogue figure, not confirmed");
        assert_eq!(for_selector("ls100:/dev/ttyUSB0"), Some(ls));
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
