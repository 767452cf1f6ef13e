use std::time::Duration;

/// The physical quantity a reading measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quantity {
    /// Luminance, in cd/m².
    Luminance,
    /// Illuminance, in lx.
    Illuminance,
}

impl Quantity {
    /// The SI unit every [`Reading::value`] of this quantity is given in.
    pub fn unit(self) -> &'static str {
        match self {
            Self::Luminance => "cd/m²",
            Self::Illuminance => "lx",
        }
    }
}

/// CIE 1931 chromaticity coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chromaticity {
    /// CIE 1931 x.
    pub x: f64,
    /// CIE 1931 y.
    pub y: f64,
}

/// What the meter said about the quality of a reading.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Validity {
    /// A normal reading.
    #[default]
    Ok,
    /// The value is given but the meter warned (low battery, low light for
    /// colour, and so on); the text is the meter's warning.
    Warning(String),
}

/// One measurement, with everything needed to audit it later.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// What was measured.
    pub quantity: Quantity,
    /// The value in the quantity's SI unit ([`Quantity::unit`]): cd/m² or lx.
    pub value: f64,
    /// Chromaticity, for meters that measure colour.
    pub chromaticity: Option<Chromaticity>,
    /// The meter's own verdict on the reading.
    pub validity: Validity,
    /// The exact reply bytes the value was parsed from, for the audit trail.
    pub raw: Vec<u8>,
    /// Wall time from request to reply.
    pub elapsed: Duration,
}

/// Identity of a connected meter.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DeviceInfo {
    /// Manufacturer.
    pub vendor: String,
    /// Model name.
    pub model: String,
    /// Serial number, when the meter reports it.
    pub serial: Option<String>,
    /// Firmware version, when the meter reports it.
    pub firmware: Option<String>,
    /// Calibration date, when the meter reports it (ISO 8601 date).
    pub calibration_date: Option<String>,
}

/// What a meter can measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Capabilities {
    /// Measures luminance (cd/m²).
    pub luminance: bool,
    /// Measures chromaticity (x, y).
    pub chromaticity: bool,
    /// Measures illuminance (lx).
    pub illuminance: bool,
    /// Typical time for one reading at display light levels.
    pub typical_reading_time: Duration,
    /// Longest time one reading may take (low light), for timeouts.
    pub worst_case_reading_time: Duration,
}
