//! Konica Minolta LS-100 / LS-110 spot luminance meters and the CS-100A
//! chroma meter, over RS-232C (METERS.md §3.1).
//!
//! The operator must switch the meter on while holding F to enter remote
//! mode; without that the meter never answers and [`KonicaLs`] returns
//! [`MeterError::Timeout`]. Make the first reading on a bright field: an
//! LS-100 that first sees a very dark field may stop answering until it is
//! restarted (PsychoPy's docstring \[O\]).

pub mod codec;
pub mod twin;

use std::time::{Duration, Instant};

use crate::link::Link;
use crate::{
    Capabilities, Chromaticity, DeviceInfo, MeasureRequest, MeterError, Photometer, Progress,
    Quantity, Reading, Validity,
};

/// Which meter of the family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// LS-100 luminance meter.
    Ls100,
    /// LS-110 luminance meter (same commands as the LS-100 \[A\]).
    Ls110,
    /// CS-100A chroma meter: luminance and x, y.
    Cs100a,
}

impl Model {
    /// The model name as printed on the meter.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ls100 => "LS-100",
            Self::Ls110 => "LS-110",
            Self::Cs100a => "CS-100A",
        }
    }

    /// Measuring range in cd/m², from Konica Minolta's product pages as we
    /// know them \[A\]; not in METERS.md and not confirmed on an instrument.
    pub fn range_cd_m2(self) -> (f64, f64) {
        match self {
            Self::Ls100 => (0.001, 299_900.0),
            Self::Ls110 => (0.01, 999_900.0),
            Self::Cs100a => (0.01, 299_000.0),
        }
    }
}

/// Time allowed for a setting command's `OK00`. The public drivers use 3 to
/// 10 s (METERS.md §3.1 timing \[O2\]).
pub const SETTING_TIMEOUT: Duration = Duration::from_secs(3);

/// Longest `MES` we expect: SweepMe reports 1–2 s per reading and the
/// drivers allow up to 10 s (METERS.md §3.1 \[O2\]).
pub const WORST_CASE_READING: Duration = Duration::from_secs(10);

/// An LS-100 / LS-110 / CS-100A on a serial port.
#[derive(Debug)]
pub struct KonicaLs {
    link: Link,
    model: Model,
    absolute_mode: bool,
}

impl KonicaLs {
    /// Open the meter on `path` (e.g. `/dev/ttyUSB0`).
    pub fn open(path: &str, model: Model) -> Result<Self, MeterError> {
        Ok(Self::new(Link::open(path, &codec::PORT)?, model))
    }

    /// Use an already open link.
    pub fn new(link: Link, model: Model) -> Self {
        Self { link, model, absolute_mode: false }
    }

    fn command(&mut self, command: &str, timeout: Duration) -> Result<Vec<u8>, MeterError> {
        self.link.discard_input();
        self.link.send(&codec::encode_command(command))?;
        self.link.read_until(codec::TERMINATOR, timeout)
    }

    fn ensure_absolute_mode(&mut self, timeout: Duration) -> Result<(), MeterError> {
        if !self.absolute_mode {
            let reply = self.command(codec::SET_ABSOLUTE_MODE, timeout.min(SETTING_TIMEOUT))?;
            let status = codec::parse_status(&reply)?;
            if let Some(e) = status.error() {
                return Err(e);
            }
            self.absolute_mode = true;
        }
        Ok(())
    }
}

impl Photometer for KonicaLs {
    /// The family has no identify command; the harmless `MDS,04` (which the
    /// driver needs anyway) proves that a meter of this protocol answers.
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        self.ensure_absolute_mode(SETTING_TIMEOUT)?;
        Ok(DeviceInfo {
            vendor: "Konica Minolta".into(),
            model: self.model.name().into(),
            ..DeviceInfo::default()
        })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            luminance: true,
            chromaticity: self.model == Model::Cs100a,
            illuminance: false,
            typical_reading_time: Duration::from_millis(400),
            worst_case_reading_time: WORST_CASE_READING,
        }
    }

    fn measure(
        &mut self,
        request: &MeasureRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reading, MeterError> {
        if request.quantity != Quantity::Luminance {
            return Err(MeterError::Unsupported(format!(
                "the {} measures luminance only",
                self.model.name()
            )));
        }
        let start = Instant::now();
        self.ensure_absolute_mode(request.budget)?;
        let expected = Some(Duration::from_millis(400));
        progress(Progress { elapsed: start.elapsed(), expected });
        let budget = request.budget.saturating_sub(start.elapsed());
        self.link.discard_input();
        self.link.send(&codec::encode_command(codec::MEASURE))?;
        let raw = self.link.read_until_reporting(codec::TERMINATOR, budget, &mut || {
            progress(Progress { elapsed: start.elapsed(), expected })
        })?;
        let m = codec::parse_measurement(&raw)?;
        let validity = match m.status {
            codec::Status::BelowRange => {
                Validity::Warning("luminance below the meter's range (OK13)".into())
            }
            codec::Status::ChromaticityBeyondRange => {
                Validity::Warning("chromaticity beyond range (OK11)".into())
            }
            _ => Validity::Ok,
        };
        Ok(Reading {
            quantity: Quantity::Luminance,
            value: m.luminance_cd_m2,
            chromaticity: m.xy.map(|(x, y)| Chromaticity { x, y }),
            validity,
            raw,
            elapsed: start.elapsed(),
        })
    }
}
