//! Photo Research PR-650 (RS-232) and PR-655 / PR-670 (USB-CDC)
//! spectroradiometers (METERS.md §3.4).
//!
//! The PR-655/670 drop characters sent back to back, so every command is
//! typed one character at a time; remote mode is entered with `Q`, a pause,
//! then `PHOTO`. The PR-650 must be addressed within about 5 s of power-on
//! or it stays in stand-alone mode (METERS.md §3.4 \[O2\]).

pub mod codec;
pub mod twin;

use std::time::{Duration, Instant};

use codec::{Dialect, Quality};

use crate::link::Link;
use crate::{
    Capabilities, Chromaticity, DeviceInfo, MeasureRequest, MeterError, Photometer, Progress,
    Quantity, Reading, Validity,
};

/// Which instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// PR-650.
    Pr650,
    /// PR-655.
    Pr655,
    /// PR-670.
    Pr670,
}

impl Model {
    /// The model name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pr650 => "PR-650",
            Self::Pr655 => "PR-655",
            Self::Pr670 => "PR-670",
        }
    }

    /// The protocol generation.
    pub fn dialect(self) -> Dialect {
        match self {
            Self::Pr650 => Dialect::Pr650,
            Self::Pr655 | Self::Pr670 => Dialect::Pr6x5,
        }
    }

    /// Longest exposure: 6000 ms on the PR-650 (and PR-655 per
    /// Mcalibrator), 30 000 ms on the PR-670 (SweepMe) \[O2\].
    pub fn max_exposure(self) -> Duration {
        match self {
            Self::Pr650 | Self::Pr655 => Duration::from_secs(6),
            Self::Pr670 => Duration::from_secs(30),
        }
    }
}

/// Time for a reply to a setting or info command \[A\].
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(3);

/// `SU1`: metric units per SweepMe and Mcalibrator; Psychtoolbox instead
/// checks that the reply's units field is 0 for cd/m² \[?\] (METERS.md §3.4).
pub const METRIC_UNITS: &str = "SU1";

/// A Photo Research meter on a serial port.
#[derive(Debug)]
pub struct PhotoResearch {
    link: Link,
    model: Model,
    ready: bool,
    time_scale: f64,
}

impl PhotoResearch {
    /// Open the meter on `path`.
    pub fn open(path: &str, model: Model) -> Result<Self, MeterError> {
        Ok(Self::new(Link::open(path, &codec::PORT)?, model))
    }

    /// Use an already open link.
    pub fn new(link: Link, model: Model) -> Self {
        Self { link, model, ready: false, time_scale: 1.0 }
    }

    /// Shorten the protocol's pauses by `scale` (twins only).
    pub fn with_time_scale(mut self, scale: f64) -> Self {
        self.time_scale = scale;
        self
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), MeterError> {
        match self.model.dialect() {
            Dialect::Pr650 => self.link.send(bytes),
            Dialect::Pr6x5 => {
                self.link.send_paced(bytes, codec::CHARACTER_GAP.mul_f64(self.time_scale))
            }
        }
    }

    fn exchange(&mut self, command: &str, timeout: Duration) -> Result<Vec<u8>, MeterError> {
        self.exchange_reporting(command, timeout, &mut || {})
    }

    fn exchange_reporting(
        &mut self,
        command: &str,
        timeout: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Vec<u8>, MeterError> {
        self.link.discard_input();
        let bytes = self.model.dialect().encode(command);
        self.send(&bytes)?;
        self.link.read_until_reporting(codec::REPLY_TERMINATOR, timeout, waiting)
    }

    fn prepare(&mut self, deadline: Instant) -> Result<(), MeterError> {
        if self.ready {
            return Ok(());
        }
        let left = || deadline.saturating_duration_since(Instant::now());
        let setup = match self.model.dialect() {
            Dialect::Pr6x5 => {
                self.link.discard_input();
                self.send(codec::LEAVE_REMOTE)?;
                let pause = codec::AFTER_LEAVE_REMOTE.mul_f64(self.time_scale);
                if pause > left() {
                    std::thread::sleep(left());
                    return Err(MeterError::Timeout(pause));
                }
                std::thread::sleep(pause);
                self.link.discard_input();
                self.send(codec::ENTER_REMOTE)?;
                // Any text means remote mode is on [O2].
                self.link.read_until(codec::REPLY_TERMINATOR, left().min(codec::REMOTE_TIMEOUT))?;
                METRIC_UNITS
            }
            // PsychoPy's set-up: default lens and integration, one average,
            // units 1 = SI [O].
            Dialect::Pr650 => "S01,,,,,,01,1",
        };
        let reply = self.exchange(setup, left().min(REPLY_TIMEOUT))?;
        match codec::parse_code(&reply)? {
            0 => {}
            c => {
                return Err(MeterError::Device(format!(
                    "{} refused {setup:?}: code {c}",
                    self.model.name()
                )));
            }
        }
        self.ready = true;
        Ok(())
    }

    fn info(&mut self, command: &str) -> Result<String, MeterError> {
        let reply = self.exchange(command, REPLY_TIMEOUT)?;
        codec::parse_info(&reply)
    }
}

impl Photometer for PhotoResearch {
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        self.prepare(Instant::now() + codec::REMOTE_TIMEOUT + REPLY_TIMEOUT * 2)?;
        let mut info = DeviceInfo {
            vendor: "Photo Research".into(),
            model: self.model.name().into(),
            ..DeviceInfo::default()
        };
        // `D110` serial, `D111` model, `D114` firmware (PR-655/670 [O2]).
        if self.model.dialect() == Dialect::Pr6x5 {
            info.model = self.info("D111")?;
            info.serial = Some(self.info("D110")?);
            info.firmware = self.info("D114").ok();
        }
        Ok(info)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            luminance: true,
            chromaticity: true,
            illuminance: false,
            typical_reading_time: Duration::from_secs(1),
            // Psychtoolbox allows 30 s for an XYZ reading [O2].
            worst_case_reading_time: self.model.max_exposure().max(Duration::from_secs(30)),
        }
    }

    fn measure(
        &mut self,
        request: &MeasureRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reading, MeterError> {
        if request.quantity != Quantity::Luminance {
            return Err(MeterError::Unsupported(format!(
                "the {} driver measures luminance only (no diffuser support)",
                self.model.name()
            )));
        }
        let start = Instant::now();
        let deadline = start + request.budget;
        self.prepare(deadline)?;
        progress(Progress { elapsed: start.elapsed(), expected: None });
        let left = || deadline.saturating_duration_since(Instant::now());
        let mut waiting = || progress(Progress { elapsed: start.elapsed(), expected: None });
        let (m, raw, xyz) = match self.model.dialect() {
            // `M1`: measure and return Y, x, y [O2].
            Dialect::Pr6x5 => {
                let raw = self.exchange_reporting("M1", left(), &mut waiting)?;
                (codec::parse_measurement(&raw)?, raw, false)
            }
            // `M0` measures and holds; `D2` then returns X, Y, Z [O2].
            Dialect::Pr650 => {
                let status = self.exchange_reporting("M0", left(), &mut waiting)?;
                let code = codec::parse_code(&status)?;
                if let Some(e) = Quality::from_code(code).error(code) {
                    return Err(e);
                }
                let raw = self.exchange("D2", left())?;
                (codec::parse_measurement(&raw)?, raw, true)
            }
        };
        let quality = Quality::from_code(m.code);
        if let Some(e) = quality.error(m.code) {
            return Err(e);
        }
        let (value, chromaticity) = if xyz {
            let [x, y, z] = m.values;
            let sum = x + y + z;
            (y, (sum > 0.0).then(|| Chromaticity { x: x / sum, y: y / sum }))
        } else {
            let [l, x, y] = m.values;
            (l, Some(Chromaticity { x, y }))
        };
        let validity = match quality {
            Quality::LightLow => Validity::Warning(format!("light low (status {})", m.code)),
            _ => Validity::Ok,
        };
        Ok(Reading {
            quantity: Quantity::Luminance,
            value,
            chromaticity,
            validity,
            raw,
            elapsed: start.elapsed(),
        })
    }
}
