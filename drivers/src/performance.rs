//! Each model's stated accuracy and repeatability, as data with its
//! source, so that the application can carry the meter's own uncertainty
//! into L'max, r', Kδ and uniformity.
//!
//! A vendor states a photometric tolerance as "± p % of the reading ± n
//! digits of the display" and a chromaticity tolerance as "± d in x and y";
//! [`Tolerance`] holds exactly that. Most figures below are the ones the
//! vendors' catalogues give as we know them, but the catalogues were not
//! found in the public material searched for this project: such figures
//! are marked [`Confidence::Unconfirmed`] and must be checked against the
//! meter's own data sheet or calibration certificate before a result is
//! signed on them. Where nothing could be found, the field is `None`.

use crate::{MeterKind, Quantity};

/// How far a figure can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confidence {
    /// Read in the vendor's own published document.
    Vendor,
    /// A third party quoting the vendor (a review, a user's notes).
    Secondary,
    /// The vendor's catalogue figure as we know it; the document was not
    /// found in the public material searched. Check before relying on it.
    Unconfirmed,
}

/// A stated tolerance: ± `relative` of the reading ± `digits` of the
/// display's last digit, or, for chromaticity, ± `absolute` in x and y.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Relative part (0.02 = 2 %); 0 for chromaticity.
    pub relative: f64,
    /// Absolute part in the quantity's unit (x, y for chromaticity); 0
    /// when the vendor states digits instead.
    pub absolute: f64,
    /// Digits of the meter's display added to the relative part.
    pub digits: u32,
}

impl Tolerance {
    const fn percent_digits(percent: f64, digits: u32) -> Self {
        Self { relative: percent / 100.0, absolute: 0.0, digits }
    }

    const fn xy(d: f64) -> Self {
        Self { relative: 0.0, absolute: d, digits: 0 }
    }

    /// The half-width of the tolerance at `value`, given the size of one
    /// display digit there (`digit`, in the quantity's unit).
    pub fn half_width(&self, value: f64, digit: f64) -> f64 {
        self.relative * value.abs() + self.absolute + f64::from(self.digits) * digit
    }
}

/// What one model's maker states, with where it comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StatedPerformance {
    /// Luminance accuracy.
    pub luminance_accuracy: Option<Tolerance>,
    /// Luminance repeatability.
    pub luminance_repeatability: Option<Tolerance>,
    /// Chromaticity (CIE 1931 x, y) accuracy.
    pub chromaticity_accuracy: Option<Tolerance>,
    /// Chromaticity repeatability.
    pub chromaticity_repeatability: Option<Tolerance>,
    /// Illuminance accuracy.
    pub illuminance_accuracy: Option<Tolerance>,
    /// Illuminance repeatability.
    pub illuminance_repeatability: Option<Tolerance>,
    /// The conditions the figures hold under, as the vendor states them.
    pub conditions: &'static str,
    /// Where the figures come from.
    pub source: &'static str,
    /// How far they can be trusted.
    pub confidence: Confidence,
}

impl StatedPerformance {
    /// The accuracy stated for `quantity`.
    pub fn accuracy(&self, quantity: Quantity) -> Option<Tolerance> {
        match quantity {
            Quantity::Luminance => self.luminance_accuracy,
            Quantity::Illuminance => self.illuminance_accuracy,
        }
    }

    /// The repeatability stated for `quantity`.
    pub fn repeatability(&self, quantity: Quantity) -> Option<Tolerance> {
        match quantity {
            Quantity::Luminance => self.luminance_repeatability,
            Quantity::Illuminance => self.illuminance_repeatability,
        }
    }
}

const NOTHING: StatedPerformance = StatedPerformance {
    luminance_accuracy: None,
    luminance_repeatability: None,
    chromaticity_accuracy: None,
    chromaticity_repeatability: None,
    illuminance_accuracy: None,
    illuminance_repeatability: None,
    conditions: "",
    source: "",
    confidence: Confidence::Unconfirmed,
};

const LS: StatedPerformance = StatedPerformance {
    luminance_accuracy: Some(Tolerance::percent_digits(2.0, 1)),
    luminance_repeatability: Some(Tolerance::percent_digits(0.2, 1)),
    conditions: "standard illuminant A, 23 °C",
    source: "Konica Minolta LS-100/LS-110 catalogue specifications as commonly quoted; \
             not found in the public material searched",
    ..NOTHING
};

/// What the maker of `kind` states. Every entry says where it comes from
/// and how far it can be trusted.
pub fn stated(kind: MeterKind) -> StatedPerformance {
    match kind {
        MeterKind::Ls100 | MeterKind::Ls110 => LS,
        MeterKind::Cs100a => StatedPerformance {
            chromaticity_accuracy: Some(Tolerance::xy(0.004)),
            chromaticity_repeatability: Some(Tolerance::xy(0.001)),
            source: "Konica Minolta CS-100A catalogue specifications as commonly quoted; \
                     not found in the public material searched",
            ..LS
        },
        MeterKind::Cl200a => StatedPerformance {
            illuminance_accuracy: Some(Tolerance::percent_digits(2.0, 1)),
            illuminance_repeatability: Some(Tolerance::percent_digits(0.5, 1)),
            chromaticity_accuracy: Some(Tolerance::xy(0.002)),
            chromaticity_repeatability: Some(Tolerance::xy(0.0005)),
            conditions: "standard illuminant A, 23 °C; JIS C 1609-1 general class AA",
            source: "Konica Minolta CL-200A catalogue specifications as commonly quoted; \
                     not found in the public material searched",
            ..NOTHING
        },
        MeterKind::T10a => StatedPerformance {
            illuminance_accuracy: Some(Tolerance::percent_digits(2.0, 1)),
            conditions: "standard illuminant A; JIS C 1609-1 general class AA",
            source: "Konica Minolta T-10A catalogue specifications as commonly quoted; \
                     not found in the public material searched",
            ..NOTHING
        },
        MeterKind::Mavo => StatedPerformance {
            illuminance_accuracy: Some(Tolerance::percent_digits(3.0, 1)),
            conditions: "MAVOLUX 5032 B/C USB, class B or C per DIN 5032-7. The MAVO-MONITOR's \
                         luminance accuracy is not stated in the public material; c't reports the \
                         maker classes it DIN 5032-7 class B",
            source: "Gossen MAVOLUX 5032 B/C USB operating instructions, 'Technische Daten' \
                     (copy in matusm/At.Matus.Instruments.Gossen.Mavo, doc/)",
            confidence: Confidence::Vendor,
            ..NOTHING
        },
        MeterKind::Pr650 => StatedPerformance {
            luminance_accuracy: Some(Tolerance::percent_digits(4.0, 0)),
            chromaticity_accuracy: Some(Tolerance::xy(0.0015)),
            conditions: "2856 K source",
            source: "Photo Research PR-650 specifications as commonly quoted; \
                     not found in the public material searched",
            ..NOTHING
        },
        MeterKind::Pr655 | MeterKind::Pr670 => StatedPerformance {
            luminance_accuracy: Some(Tolerance::percent_digits(2.0, 0)),
            chromaticity_accuracy: Some(Tolerance::xy(0.0015)),
            conditions: "2856 K source",
            source: "Photo Research PR-655/670 specifications as commonly quoted; \
                     not found in the public material searched",
            ..NOTHING
        },
        MeterKind::K10 => StatedPerformance {
            source: "Klein K-10-A: no stated accuracy was found in the public material searched",
            ..NOTHING
        },
        MeterKind::Spotread => StatedPerformance {
            source: "depends on the instrument behind spotread; none is assumed",
            ..NOTHING
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_says_where_its_figures_come_from() {
        for kind in MeterKind::ALL {
            let p = stated(kind);
            assert!(!p.source.is_empty(), "{kind}");
            let has_figures = p.luminance_accuracy.is_some() || p.illuminance_accuracy.is_some();
            if has_figures {
                assert!(!p.conditions.is_empty(), "{kind}");
            }
            // Only a figure read in the vendor's own document is marked so.
            if p.confidence == Confidence::Vendor {
                assert!(p.source.contains("instructions") || p.source.contains("manual"), "{kind}");
            }
        }
        assert_eq!(stated(MeterKind::Mavo).confidence, Confidence::Vendor);
        assert_eq!(stated(MeterKind::Ls100).confidence, Confidence::Unconfirmed);
    }

    #[test]
    fn a_tolerance_adds_its_digits() {
        // ±2 % ±1 digit at 80.12 cd/m² on a display whose last digit is 0.01.
        let t = stated(MeterKind::Ls100).accuracy(Quantity::Luminance).unwrap();
        assert!((t.half_width(80.12, 0.01) - (1.6024 + 0.01)).abs() < 1e-12);
        assert_eq!(stated(MeterKind::Ls100).accuracy(Quantity::Illuminance), None);
        let xy = stated(MeterKind::Cs100a).chromaticity_accuracy.unwrap();
        assert_eq!(xy.half_width(0.3127, 0.0001), 0.004);
    }
}
