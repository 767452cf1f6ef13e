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

/// One reading of the luminance response (a JIRA BN or TG18-LN patch centre).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseReading {
    /// Digital driving level of the patch.
    pub ddl: u16,
    /// Luminance as the meter read it, in cd/m².
    pub luminance_cd_m2: f64,
    /// Chromaticity, when the meter measures colour.
    pub chromaticity: Option<Chromaticity>,
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
}

impl MeasurementSet {
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
            origin: Origin::default(),
        };
        let mut set = MeasurementSet {
            source: None,
            setup: MeterSetup::Contact,
            ambient: Some(Ambient {
                lamb_cd_m2: 0.2,
                source: LambSource::Stated,
                illuminance_lx: None,
            }),
            bit_depth: 8,
            response: vec![reading(0, 0.5), reading(255, 400.0)],
            uniformity: Vec::new(),
            judgements: Vec::new(),
        };
        assert_eq!(set.total_luminance_cd_m2(0.5), 0.7);
        set.setup = MeterSetup::Telescopic;
        assert_eq!(set.total_luminance_cd_m2(0.5), 0.5);
        set.ambient = None;
        set.setup = MeterSetup::Contact;
        assert_eq!(set.total_luminance_cd_m2(0.5), 0.5, "unknown Lamb counts as 0");
    }
}
