//! What was measured: the luminance response, uniformity readings and the
//! ambient light, with the meter set-up that decides how ambient enters L'.
//!
//! Readings are kept exactly as the meter gave them; L' (luminance including
//! ambient, the primed quantities of AAPM TG18 and JESRA X-0093) is derived
//! from the set-up, never stored in place of the reading.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::numbers::colour::Chromaticity;
use crate::numbers::uncertainty::MeterPerformance;

/// How the luminance meter looked at the display. This decides whether the
/// readings already contain the reflected ambient luminance Lamb.
///
/// Source: JESRA X-0093 measurement set-ups as taught (接触型方式（照度計併用）,
/// 前面センサー内蔵型（照度計併用）, 望遠型方式; calibration-data/STANDARDS.md,
/// "Luminance, ambient light and meter set-ups");
/// AAPM TG18 §4.3 (L' = L + Lamb); EIZO RadiCS manual (non-contact sensors
/// see the ambient light).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum MeterSetup {
    /// A telescopic (non-contact) meter at the viewing position: it sees the
    /// reflected ambient light, so each reading is already L'.
    Telescopic,
    /// A contact meter on the screen, shielded from room light: L' = reading + Lamb.
    #[default]
    Contact,
    /// The display's built-in front sensor, shielded like a contact meter:
    /// L' = reading + Lamb.
    BuiltInSensor,
}

impl MeterSetup {
    /// True when readings already include the ambient luminance.
    pub fn readings_include_ambient(self) -> bool {
        matches!(self, Self::Telescopic)
    }

    /// A short English description for reports and messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Telescopic => "telescopic meter (readings include ambient: L' = reading)",
            Self::Contact => "contact meter (readings exclude ambient: L' = reading + Lamb)",
            Self::BuiltInSensor => {
                "built-in sensor (readings exclude ambient: L' = reading + Lamb)"
            }
        }
    }
}

impl fmt::Display for MeterSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Telescopic => "telescopic",
            Self::Contact => "contact",
            Self::BuiltInSensor => "built-in-sensor",
        })
    }
}

/// Where the ambient luminance Lamb came from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum LambSource {
    /// Measured with a luminance meter at the viewing position with the
    /// display switched off (AAPM TG18 §4.3; pacsDisplay docs).
    MeasuredDisplayOff,
    /// Derived from the illuminance E at the display face and the display's
    /// diffuse reflection coefficient Rd: Lamb = Rd · E (IEC 62563-1
    /// Annex B method with luminance and illuminance meters; AAPM TG18).
    DiffuseReflection {
        /// Rd, in cd·m⁻²·lx⁻¹ (from the display's maker).
        rd_cd_m2_per_lx: f64,
    },
    /// Given by the operator (for example `--lamb`), source not recorded.
    Stated,
}

impl fmt::Display for LambSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MeasuredDisplayOff => f.write_str("measured with the display off"),
            Self::DiffuseReflection { rd_cd_m2_per_lx } => {
                write!(f, "Rd · E with Rd = {rd_cd_m2_per_lx} cd·m⁻²·lx⁻¹")
            }
            Self::Stated => f.write_str("as given"),
        }
    }
}

/// The ambient light during the measurement.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ambient {
    /// Lamb, the luminance reflected by the display face from room light, in cd/m².
    pub lamb_cd_m2: f64,
    /// How Lamb was obtained.
    pub source: LambSource,
    /// Illuminance at the display face, in lx, when measured (JESRA records
    /// it as a reference value, 照度（参考）).
    pub illuminance_lx: Option<f64>,
}

/// A measurement position on the screen, as TG18-UNL80 / UNL10 define the
/// five uniformity points (DICOM PS3.3 §C.32.3.3: centre and four corners,
/// stored row-major).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    /// Top-left corner square.
    TopLeft,
    /// Top-right corner square.
    TopRight,
    /// Centre square.
    Centre,
    /// Bottom-left corner square.
    BottomLeft,
    /// Bottom-right corner square.
    BottomRight,
}

impl Position {
    /// The five TG18-UNL positions in DICOM row-major order.
    pub const FIVE: [Position; 5] =
        [Self::TopLeft, Self::TopRight, Self::Centre, Self::BottomLeft, Self::BottomRight];
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TopLeft => "top-left",
            Self::TopRight => "top-right",
            Self::Centre => "centre",
            Self::BottomLeft => "bottom-left",
            Self::BottomRight => "bottom-right",
        })
    }
}

/// Where a value came from, for messages that point at the place to fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Origin {
    /// The file, when read from one.
    pub path: Option<PathBuf>,
    /// The 1-based line in that file.
    pub line: Option<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(p), Some(l)) => write!(f, "{}:{l}", p.display()),
            (Some(p), None) => write!(f, "{}", p.display()),
            (None, Some(l)) => write!(f, "line {l}"),
            (None, None) => f.write_str("input"),
        }
    }
}

/// What kind of doubt a meter raised about a reading it still gave.
///
/// The same kinds as the drivers' typed flags (the meters' own status codes
/// mapped per family in the drivers crate's protocol page); a kind this
/// build does not know reads as [`FlagKind::Other`], so a newer journal
/// still reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum FlagKind {
    /// The light was below the meter's specified range.
    BelowRange,
    /// Enough light for the value, too little for the stated accuracy of
    /// part of the result (typically the chromaticity).
    LowLight,
    /// The light was above the meter's range.
    OverRange,
    /// The chromaticity is outside the meter's range.
    ChromaticityOutOfRange,
    /// The reading did not settle: consecutive readings disagreed until the
    /// time or reading limit ended the settling.
    Unsettled,
    /// The meter's battery is low.
    LowBattery,
    /// The value was given without the meter's calibration applied.
    Uncalibrated,
    /// Any other warning the meter gave (its words say which).
    #[serde(other)]
    Other,
}

impl FlagKind {
    /// A short English name.
    pub fn name(self) -> &'static str {
        match self {
            Self::BelowRange => "below range",
            Self::LowLight => "low light",
            Self::OverRange => "over range",
            Self::ChromaticityOutOfRange => "chromaticity out of range",
            Self::Unsettled => "unsettled",
            Self::LowBattery => "low battery",
            Self::Uncalibrated => "uncalibrated",
            Self::Other => "warning",
        }
    }

    /// Whether the flag puts the luminance value in doubt. Low light and a
    /// chromaticity out of range concern the chromaticity only.
    pub fn doubts_luminance(self) -> bool {
        !matches!(self, Self::LowLight | Self::ChromaticityOutOfRange)
    }
}

/// One warning a meter gave with a reading: its kind and the meter's own
/// words (status code or text), kept with the reading in the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterFlag {
    /// What kind of doubt.
    pub kind: FlagKind,
    /// What the meter (or the settling, for `unsettled`) said.
    pub words: String,
}

impl fmt::Display for MeterFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.words.is_empty() {
            f.write_str(self.kind.name())
        } else {
            write!(f, "{} ({})", self.kind.name(), self.words)
        }
    }
}

/// One reading of the luminance response (a JIRA BN or TG18-LN patch centre).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseReading {
    /// Digital driving level of the patch.
    pub ddl: u16,
    /// Luminance as the meter read it, in cd/m².
    pub luminance_cd_m2: f64,
    /// Chromaticity, when the meter measures colour.
    pub chromaticity: Option<Chromaticity>,
    /// What the meter warned about this reading.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<MeterFlag>,
    /// Where the reading came from.
    #[serde(skip)]
    pub origin: Origin,
}

/// One uniformity reading (TG18-UN80 / UN10 at one position).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UniformityReading {
    /// Where on the screen.
    pub position: Position,
    /// DDL of the uniform field.
    pub ddl: u16,
    /// Luminance as the meter read it, in cd/m².
    pub luminance_cd_m2: f64,
    /// Chromaticity, when the meter measures colour.
    pub chromaticity: Option<Chromaticity>,
    /// What the meter warned about this reading.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<MeterFlag>,
}

/// An operator's judgement of one visual test item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    /// The item judged (for example "greyscale").
    pub item: String,
    /// The pattern it was judged on.
    pub pattern: String,
    /// What the operator was asked.
    pub question: String,
    /// Whether the criterion is met.
    pub passed: bool,
    /// What the operator noted.
    pub note: Option<String>,
}

/// Everything measured on one display in one session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasurementSet {
    /// The file it was read from.
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// How the meter looked at the display.
    pub setup: MeterSetup,
    /// Ambient light, when known.
    pub ambient: Option<Ambient>,
    /// Bits per DDL of the patterns (8 or 10).
    pub bit_depth: u8,
    /// The luminance response, sorted by DDL.
    pub response: Vec<ResponseReading>,
    /// Uniformity readings.
    pub uniformity: Vec<UniformityReading>,
    /// Visual judgements.
    pub judgements: Vec<Judgement>,
    /// What the meters warned about the Lamb or illuminance reading.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ambient_flags: Vec<MeterFlag>,
    /// A second luminance response on the background at 20 % of the
    /// maximum luminance (JIRA BN01–BN18 "L20"), when the procedure asks for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_on_background: Vec<ResponseReading>,
    /// The background DDL of that series, as the session computed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_ddl: Option<u16>,
    /// What the luminance meter's maker states of its accuracy, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub luminance_meter: Option<MeterPerformance>,
    /// The same for the meter that read the illuminance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub illuminance_meter: Option<MeterPerformance>,
    /// Bits per channel the patterns went out with, when the pattern window
    /// reported fewer than the session's bit depth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown_bits: Option<u8>,
}

impl MeasurementSet {
    /// A set with these readings and nothing else known (no ambient, no
    /// flags, no meter data): what a CSV gives.
    pub fn from_readings(
        setup: MeterSetup,
        ambient: Option<Ambient>,
        bit_depth: u8,
        response: Vec<ResponseReading>,
    ) -> Self {
        Self {
            source: None,
            setup,
            ambient,
            bit_depth,
            response,
            uniformity: Vec::new(),
            judgements: Vec::new(),
            ambient_flags: Vec::new(),
            response_on_background: Vec::new(),
            background_ddl: None,
            luminance_meter: None,
            illuminance_meter: None,
            shown_bits: None,
        }
    }

    /// Lamb in cd/m², 0 when unknown.
    pub fn lamb_cd_m2(&self) -> f64 {
        self.ambient.map_or(0.0, |a| a.lamb_cd_m2)
    }

    /// L' for a reading: the luminance including ambient light.
    pub fn total_luminance_cd_m2(&self, reading_cd_m2: f64) -> f64 {
        if self.setup.readings_include_ambient() {
            reading_cd_m2
        } else {
            reading_cd_m2 + self.lamb_cd_m2()
        }
    }

    /// The origin of the response reading at `ddl`, for messages.
    pub fn origin_of_ddl(&self, ddl: u16) -> Origin {
        self.response
            .iter()
            .find(|r| r.ddl == ddl)
            .map(|r| r.origin.clone())
            .unwrap_or(Origin { path: self.source.clone(), line: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambient_enters_l_prime_by_setup() {
        let reading = |ddl, l| ResponseReading {
            ddl,
            luminance_cd_m2: l,
            chromaticity: None,
            flags: Vec::new(),
            origin: Origin::default(),
        };
        let mut set = MeasurementSet::from_readings(
            MeterSetup::Contact,
            Some(Ambient { lamb_cd_m2: 0.2, source: LambSource::Stated, illuminance_lx: None }),
            8,
            vec![reading(0, 0.5), reading(255, 400.0)],
        );
        assert_eq!(set.total_luminance_cd_m2(0.5), 0.7);
        set.setup = MeterSetup::Telescopic;
        assert_eq!(set.total_luminance_cd_m2(0.5), 0.5);
        set.ambient = None;
        set.setup = MeterSetup::Contact;
        assert_eq!(set.total_luminance_cd_m2(0.5), 0.5, "unknown Lamb counts as 0");
    }
}

#[cfg(test)]
mod flag_tests {
    use super::*;

    #[test]
    fn a_flag_kind_this_build_does_not_know_reads_as_other() {
        let f: MeterFlag = serde_json::from_str(r#"{"kind":"lens-cap-on","words":"E42"}"#).unwrap();
        assert_eq!(f.kind, FlagKind::Other);
        assert_eq!(f.to_string(), "warning (E42)");
        let below: MeterFlag =
            serde_json::from_str(r#"{"kind":"below-range","words":"OK13"}"#).unwrap();
        assert!(below.kind.doubts_luminance());
        assert!(!FlagKind::LowLight.doubts_luminance(), "low light doubts the colour only");
    }
}
