//! Photo Research PR-650 (RS-232) and PR-655 / PR-670 (USB-CDC)
//! spectroradiometers (PROTOCOLS.md, "Photo Research PR-650 / PR-655 /
//! PR-670").
//!
//! The PR-655/670 are sent one character per write: `Q` and `PHOTO`, which
//! enter remote mode, 50 ms apart (a dropped character there is the known
//! first-contact failure), every later command without a pause; the
//! answer to `PHOTO` has no line end. The PR-650 must be addressed
//! within about 5 s of power-on or it stays in stand-alone mode, and first
//! contact through a USB adapter often needs a second try \[O\].

pub mod codec;
pub mod twin;

use std::time::Duration;

use codec::{Dialect, Quality};

use crate::exchange::{Deadline, Exchange, Framing, Pacing, with_retries};
use crate::link::Link;
use crate::{
    Capabilities, Chromaticity, DeviceInfo, ErrorProbe, MeasureRequest, MeterError, MeterErrorKind,
    Photometer, Progress, Quantity, Reading, Validity,
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
    /// Mcalibrator), 30 000 ms on the PR-670 (SweepMe) \[O\].
    pub fn max_exposure(self) -> Duration {
        match self {
            Self::Pr650 | Self::Pr655 => Duration::from_secs(6),
            Self::Pr670 => Duration::from_secs(30),
        }
    }
}

/// Time for a reply to a setting or info command \[A\].
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(3);

/// PR-650: time for the answer to the first set-up command of an attempt
/// \[A\], and attempts at first contact. Psychtoolbox retries its PR-650
/// initialisation up to 5 times and then asks for a power cycle
/// (PROTOCOLS.md \[O\]); we try 3 times.
pub const FIRST_CONTACT_TIMEOUT: Duration = Duration::from_secs(2);
/// See [`FIRST_CONTACT_TIMEOUT`].
pub const FIRST_CONTACT_ATTEMPTS: usize = 3;

/// `SU1`: metric (SI) photometric units (SweepMe, and the PR-655/670
/// manual as a MATLAB class quotes it: "0 = English, 1 = Metric") \[O\].
/// The reply's units field is another thing: it says which quantity was
/// measured ([`codec::check_luminance`]).
pub const METRIC_UNITS: &str = "SU1";

/// PR-650 set-up: default lens and integration, one average, units 1 = SI
/// (PsychoPy's `s01,,,,,,01,1`; the manual's 8 fields as quoted by
/// Mcalibrator2) \[O\].
pub const PR650_SETUP: &str = "S01,,,,,,01,1";

/// A Photo Research meter on a serial port.
#[derive(Debug)]
pub struct PhotoResearch {
    exchange: Exchange,
    model: Model,
    ready: bool,
}

impl PhotoResearch {
    /// Open the meter on `path`.
    pub fn open(path: &str, model: Model) -> Result<Self, MeterError> {
        Ok(Self::new(Link::open(path, &codec::PORT)?, model))
    }

    /// Use an already open link.
    pub fn new(link: Link, model: Model) -> Self {
        let pacing =
            Pacing { one_write_per_character: model.dialect() == Dialect::Pr6x5, time_scale: 1.0 };
        Self { exchange: Exchange::new(link, pacing), model, ready: false }
    }

    /// Shorten the protocol's pauses by `scale` (twins only).
    pub fn with_time_scale(mut self, scale: f64) -> Self {
        self.exchange.set_time_scale(scale);
        self
    }

    fn ask(
        &mut self,
        command: &str,
        timeout: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Vec<u8>, MeterError> {
        let bytes = self.model.dialect().encode(command);
        self.exchange.ask(&bytes, Framing::Terminator(codec::REPLY_TERMINATOR), timeout, waiting)
    }

    /// PR-655/670: `Q`, a pause, `PHOTO`, and its answer: read until the
    /// text `REMOTE MODE` or until the line goes quiet, since the answer
    /// most likely has no line end (audit finding 4, PROTOCOLS.md); then a
    /// short pause and whatever else came is dropped.
    fn enter_remote(&mut self, deadline: &Deadline) -> Result<(), MeterError> {
        self.exchange.link().discard_input();
        self.exchange.type_slowly(codec::LEAVE_REMOTE, codec::REMOTE_CHARACTER_GAP)?;
        deadline.sleep(self.exchange.scaled(codec::AFTER_LEAVE_REMOTE))?;
        self.exchange.link().discard_input();
        self.exchange.type_slowly(codec::ENTER_REMOTE, codec::REMOTE_CHARACTER_GAP)?;
        self.exchange.read(
            Framing::TextOrQuiet(codec::REMOTE_ANSWER, codec::REMOTE_QUIET),
            deadline.cap(codec::REMOTE_TIMEOUT),
            &mut || {},
        )?;
        deadline.sleep(self.exchange.scaled(codec::AFTER_REMOTE))?;
        self.exchange
            .link()
            .drain(Duration::from_millis(50), deadline.cap(Duration::from_secs(1)))?;
        Ok(())
    }

    /// PR-650: the set-up command, whose reply's last integer is the D201
    /// code; without one, `D201` is asked for (audit finding 9,
    /// PROTOCOLS.md).
    fn pr650_setup(&mut self, deadline: &Deadline) -> Result<(), MeterError> {
        let reply = self.ask(PR650_SETUP, deadline.cap(FIRST_CONTACT_TIMEOUT), &mut || {})?;
        let code = match codec::parse_setup_reply(&reply) {
            Some(code) => code,
            None => {
                let reply = self.ask("D201", deadline.cap(REPLY_TIMEOUT), &mut || {})?;
                codec::parse_setup_reply(&reply).ok_or_else(|| {
                    MeterError::Protocol(format!(
                        "PR-650 answered {:?} to D201",
                        String::from_utf8_lossy(&reply)
                    ))
                })?
            }
        };
        match code {
            0 => Ok(()),
            50 => Err(MeterError::Device(
                "PR-650 set-up code 50: no primary accessory (lens) is specified or fitted".into(),
            )),
            c => Err(MeterError::Device(format!(
                "PR-650 refused set-up parameter {c} ({PR650_SETUP:?})"
            ))),
        }
    }

    fn prepare(&mut self, deadline: &Deadline) -> Result<(), MeterError> {
        if self.ready {
            return Ok(());
        }
        match self.model.dialect() {
            Dialect::Pr6x5 => {
                self.enter_remote(deadline)?;
                let reply = self.ask(METRIC_UNITS, deadline.cap(REPLY_TIMEOUT), &mut || {})?;
                match codec::parse_setup_reply(&reply) {
                    Some(0) => {}
                    Some(code) => {
                        return Err(MeterError::Device(format!(
                            "{} refused {METRIC_UNITS}: code {code}",
                            self.model.name()
                        )));
                    }
                    None => {
                        return Err(MeterError::Protocol(format!(
                            "{} answered {:?} to {METRIC_UNITS}",
                            self.model.name(),
                            String::from_utf8_lossy(&reply)
                        )));
                    }
                }
            }
            // First contact is retried: the PR-650 often misses the first
            // command after the port opens (Psychtoolbox retries 5 times).
            Dialect::Pr650 => with_retries(
                FIRST_CONTACT_ATTEMPTS,
                |e| e.kind() == MeterErrorKind::Timeout && deadline.left() > Duration::ZERO,
                |_| self.pr650_setup(deadline),
            )
            .map_err(|e| match e {
                MeterError::Timeout(_) => MeterError::Timeout(deadline.budget()),
                other => other,
            })?,
        }
        self.ready = true;
        Ok(())
    }

    fn info(&mut self, command: &str) -> Result<String, MeterError> {
        let reply = self.ask(command, REPLY_TIMEOUT, &mut || {})?;
        codec::parse_info(&reply)
    }
}

impl Photometer for PhotoResearch {
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        let budget = codec::REMOTE_TIMEOUT + REPLY_TIMEOUT * 2;
        let budget = match self.model.dialect() {
            Dialect::Pr650 => budget.max(FIRST_CONTACT_TIMEOUT * FIRST_CONTACT_ATTEMPTS as u32),
            Dialect::Pr6x5 => budget,
        };
        self.prepare(&Deadline::after(budget))?;
        let mut info = DeviceInfo {
            vendor: "Photo Research".into(),
            model: self.model.name().into(),
            ..DeviceInfo::default()
        };
        // `D110` serial, `D111` model, `D114` firmware (PR-655/670 [O]).
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
            // Psychtoolbox allows 30 s for an XYZ reading [O].
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
        let deadline = Deadline::after(request.budget);
        self.prepare(&deadline)?;
        progress(deadline.progress(None));
        let dialect = self.model.dialect();
        let mut waiting = || progress(deadline.progress(None));
        let (m, raw, xyz) = match dialect {
            // `M1`: measure and return Y, x, y [O].
            Dialect::Pr6x5 => {
                let raw = self.ask("M1", deadline.left(), &mut waiting)?;
                (codec::parse_measurement(&raw)?, raw, false)
            }
            // `M0` measures and holds; `D2` then returns X, Y, Z [O].
            Dialect::Pr650 => {
                let status = self.ask("M0", deadline.left(), &mut waiting)?;
                let code = codec::parse_setup_reply(&status).ok_or_else(|| {
                    MeterError::Protocol(format!(
                        "PR-650 answered {:?} to M0",
                        String::from_utf8_lossy(&status)
                    ))
                })?;
                if let Some(e) = Quality::from_code(code, dialect).error(code) {
                    return Err(e);
                }
                let raw = self.ask("D2", deadline.left(), &mut || {})?;
                (codec::parse_measurement(&raw)?, raw, true)
            }
        };
        let quality = Quality::from_code(m.code, dialect);
        if let Some(e) = quality.error(m.code) {
            return Err(e);
        }
        // Never an illuminance or uncalibrated value as cd/m² (audit
        // finding 6, PROTOCOLS.md).
        codec::check_luminance(m.units)?;
        let (value, chromaticity) = if xyz {
            let [x, y, z] = m.values;
            let sum = x + y + z;
            (y, (sum > 0.0).then(|| Chromaticity { x: x / sum, y: y / sum }))
        } else {
            let [l, x, y] = m.values;
            (l, Some(Chromaticity { x, y }))
        };
        Ok(Reading {
            quantity: Quantity::Luminance,
            value,
            chromaticity,
            validity: Validity::from_flags(quality.flag(m.code).into_iter().collect()),
            raw,
            elapsed: deadline.elapsed(),
        })
    }

    /// PR-655/670: `D999`, a data code that does not exist; the manual's
    /// table gives −2000 "no such D code" \[O\]. Not sent to a PR-650,
    /// whose error replies are not documented in the public sources.
    fn error_probe(&mut self) -> Result<ErrorProbe, MeterError> {
        if self.model.dialect() == Dialect::Pr650 {
            return Ok(ErrorProbe::NotAvailable(
                "the PR-650's reply to a wrong command is not documented in the public sources"
                    .into(),
            ));
        }
        let deadline = Deadline::after(codec::REMOTE_TIMEOUT + REPLY_TIMEOUT * 2);
        self.prepare(&deadline)?;
        const PROBE: &str = "D999";
        let reply = self.ask(PROBE, REPLY_TIMEOUT, &mut || {})?;
        let code = String::from_utf8_lossy(&reply)
            .split(',')
            .next()
            .and_then(|c| c.trim().parse::<i32>().ok());
        Ok(ErrorProbe::Answered {
            sent: PROBE.into(),
            reply: String::from_utf8_lossy(&reply).trim().to_owned(),
            understood: code
                .is_some_and(|c| Quality::from_code(c, Dialect::Pr6x5) == Quality::Refused),
        })
    }
}
