use std::fmt;
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

/// What kind of doubt a meter raised about a reading it still reported.
///
/// Every family maps its own warning codes to these (PROTOCOLS.md lists the
/// mapping per family), so that the application can journal each flag with
/// the reading and refuse a plain pass on a value that rests on one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlagKind {
    /// The light was below the meter's specified range; the value is given
    /// but outside what the meter's accuracy covers.
    BelowRange,
    /// Enough light for the value, too little for the stated accuracy of
    /// part of the result (typically the chromaticity).
    LowLight,
    /// The light was above the meter's display or measuring range.
    OverRange,
    /// The chromaticity (or a quantity derived from it) is outside the
    /// meter's range and must not be used.
    ChromaticityOutOfRange,
    /// The reading did not settle: consecutive readings disagreed, or the
    /// meter saw the source change while it measured.
    Unsettled,
    /// The meter's battery is low; its readings may be unreliable.
    LowBattery,
    /// The meter reported the value without its calibration applied.
    Uncalibrated,
    /// Any other warning the meter gave.
    Other,
}

impl FlagKind {
    /// A short English name, for logs and journals.
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
}

/// One warning the meter gave with a reading: its kind and the meter's own
/// words (the status code or text it sent), kept for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeterFlag {
    /// What kind of doubt this is.
    pub kind: FlagKind,
    /// What the meter (or the driver, for settling) said, e.g. `OK13` or
    /// `error 6: low luminance, chromaticity accuracy reduced`.
    pub words: String,
}

impl MeterFlag {
    /// A flag of `kind` with the meter's `words`.
    pub fn new(kind: FlagKind, words: impl Into<String>) -> Self {
        Self { kind, words: words.into() }
    }
}

impl fmt::Display for MeterFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.kind.name(), self.words)
    }
}

/// The flags of one reading, never empty when held by
/// [`Validity::Warning`]. Displays as the flags joined by `; `.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Flags(Vec<MeterFlag>);

impl Flags {
    /// The flags, in the order the meter gave them.
    pub fn as_slice(&self) -> &[MeterFlag] {
        &self.0
    }

    /// Whether a flag of `kind` is present.
    pub fn contains(&self, kind: FlagKind) -> bool {
        self.0.iter().any(|f| f.kind == kind)
    }
}

impl std::ops::Deref for Flags {
    type Target = [MeterFlag];
    fn deref(&self) -> &[MeterFlag] {
        &self.0
    }
}

impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, flag) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{flag}")?;
        }
        Ok(())
    }
}

/// What the meter said about the quality of a reading.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Validity {
    /// A normal reading.
    #[default]
    Ok,
    /// The value is given but the meter warned; each flag is typed and
    /// keeps the meter's own words.
    Warning(Flags),
}

impl Validity {
    /// The validity of a reading with these flags: `Ok` when there are none.
    pub fn from_flags(flags: Vec<MeterFlag>) -> Self {
        if flags.is_empty() { Self::Ok } else { Self::Warning(Flags(flags)) }
    }

    /// The flags (empty for `Ok`).
    pub fn flags(&self) -> &[MeterFlag] {
        match self {
            Self::Ok => &[],
            Self::Warning(f) => f.as_slice(),
        }
    }

    /// Whether any flag was raised.
    pub fn is_flagged(&self) -> bool {
        !self.flags().is_empty()
    }

    /// Whether a flag of `kind` was raised.
    pub fn has(&self, kind: FlagKind) -> bool {
        self.flags().iter().any(|f| f.kind == kind)
    }

    /// Add a flag.
    pub fn push(&mut self, flag: MeterFlag) {
        match self {
            Self::Ok => *self = Self::Warning(Flags(vec![flag])),
            Self::Warning(f) => f.0.push(flag),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_display_with_the_meters_words() {
        let mut v = Validity::Ok;
        assert!(!v.is_flagged());
        v.push(MeterFlag::new(FlagKind::BelowRange, "OK13"));
        v.push(MeterFlag::new(FlagKind::LowBattery, "battery byte 1"));
        assert!(v.has(FlagKind::BelowRange) && v.has(FlagKind::LowBattery));
        assert!(!v.has(FlagKind::OverRange));
        let Validity::Warning(w) = &v else { panic!() };
        assert_eq!(w.to_string(), "below range (OK13); low battery (battery byte 1)");
        assert_eq!(Validity::from_flags(Vec::new()), Validity::Ok);
    }
}
