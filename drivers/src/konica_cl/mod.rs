//! Konica Minolta CL-200A chroma meter and T-10A illuminance meter, over
//! their FTDI USB-serial port (PROTOCOLS.md, "Konica Minolta CL-200A /
//! T-10A"). Both measure illuminance (lx); the CL-200A also gives the x, y
//! of the light.
//!
//! The CL-200A is put on hold and in EXT mode, then each reading is a
//! trigger to all heads, the meter's measuring time, and a read. The T-10A
//! measures continuously; a read returns its latest value, so the driver
//! spaces reads by the update period to be sure each one is new.

pub mod codec;
pub mod twin;

use std::time::{Duration, Instant};

use codec::Frame;

use crate::exchange::{Deadline, Exchange, Framing, Pacing};
use crate::link::Link;
use crate::{
    Capabilities, Chromaticity, DeviceInfo, FlagKind, MeasureRequest, MeterError, MeterFlag,
    Photometer, Progress, Quantity, Reading, Validity,
};

/// Which meter of the family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// CL-200A: illuminance and chromaticity.
    Cl200a,
    /// T-10A: illuminance.
    T10a,
}

impl Model {
    /// The model name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cl200a => "CL-200A",
            Self::T10a => "T-10A",
        }
    }
}

/// Receptor head the driver talks to. A single meter's head is 00.
pub const HEAD: u8 = 0;

/// Time for a short reply. The meters answer within one update cycle
/// (about 500 ms, PROTOCOLS.md \[O\]); FTDI adds up to 16 ms.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(2);

/// Wait after hold (55) before the next command: at least 500 ms
/// (PROTOCOLS.md \[O\]).
pub const AFTER_HOLD: Duration = Duration::from_millis(500);

/// CL-200A measuring time after a trigger before the data are read: "about
/// 0.5 s" in both public drivers (PROTOCOLS.md \[O\]).
pub const CL200A_MEASURING_TIME: Duration = Duration::from_millis(500);

/// T-10A update period: new data about every 500 ms (PROTOCOLS.md \[O\]).
pub const T10A_UPDATE_PERIOD: Duration = Duration::from_millis(500);

/// CL-200A: a read answered with range `0` came before the measurement was
/// ready (a third public client \[O\]); it is read again after this pause,
/// up to [`EARLY_READ_ATTEMPTS`] times \[A\].
pub const EARLY_READ_PAUSE: Duration = Duration::from_millis(100);
/// See [`EARLY_READ_PAUSE`].
pub const EARLY_READ_ATTEMPTS: usize = 4;

/// A CL-200A or T-10A on a serial port.
#[derive(Debug)]
pub struct KonicaCl {
    exchange: Exchange,
    model: Model,
    connected: bool,
    last_read: Option<Instant>,
    light_changed: Option<Instant>,
}

impl KonicaCl {
    /// Open the meter on `path`.
    pub fn open(path: &str, model: Model) -> Result<Self, MeterError> {
        Ok(Self::new(Link::open(path, &codec::PORT)?, model))
    }

    /// Use an already open link.
    pub fn new(link: Link, model: Model) -> Self {
        Self {
            exchange: Exchange::new(link, Pacing::default()),
            model,
            connected: false,
            last_read: None,
            light_changed: None,
        }
    }

    /// Shorten the protocol's waits by `scale` (for twins run faster than
    /// real time only).
    pub fn with_time_scale(mut self, scale: f64) -> Self {
        self.exchange.set_time_scale(scale);
        self
    }

    /// Send a frame that gets no reply (broadcast to head 99).
    fn tell(&mut self, head: u8, command: (u8, [u8; 4])) -> Result<(), MeterError> {
        self.exchange.send(&codec::encode(&Frame::short(head, command)))
    }

    /// Send a command to our head and read its reply, checking the echo.
    fn exchange(
        &mut self,
        command: (u8, [u8; 4]),
        deadline: &Deadline,
    ) -> Result<(Frame, Vec<u8>), MeterError> {
        let raw = self.exchange.ask_quietly(
            &codec::encode(&Frame::short(HEAD, command)),
            Framing::Terminator(codec::TERMINATOR),
            deadline.cap(REPLY_TIMEOUT),
        )?;
        let frame = codec::decode(&raw)?;
        if frame.command != command.0 {
            return Err(MeterError::Protocol(format!(
                "{} answered command {} to command {}",
                self.model.name(),
                frame.command,
                command.0
            )));
        }
        Ok((frame, raw))
    }

    fn connect(&mut self, deadline: &Deadline) -> Result<(), MeterError> {
        if self.connected {
            return Ok(());
        }
        let (frame, _) = self.exchange(codec::PC_MODE, deadline)?;
        check_fault(self.model, frame.status())?;
        if self.model == Model::Cl200a {
            self.hold_and_ext(deadline)?;
        }
        self.connected = true;
        Ok(())
    }

    /// CL-200A: hold, then EXT mode; if EXT reports `4` (hold did not take),
    /// hold and EXT once more (PROTOCOLS.md sequence step 3).
    fn hold_and_ext(&mut self, deadline: &Deadline) -> Result<(), MeterError> {
        for _ in 0..2 {
            self.tell(codec::ALL_HEADS, codec::HOLD)?;
            deadline.sleep(self.exchange.scaled(AFTER_HOLD))?;
            let (frame, _) = self.exchange(codec::EXT_MODE, deadline)?;
            match frame.status().error {
                b'4' => continue,
                _ => return check_fault(self.model, frame.status()),
            }
        }
        Err(MeterError::Protocol("the CL-200A would not enter hold for EXT mode (error 4)".into()))
    }

    fn read_cl200a(&mut self, deadline: &Deadline) -> Result<(Frame, Vec<u8>), MeterError> {
        self.tell(codec::ALL_HEADS, codec::TRIGGER)?;
        deadline.sleep(self.exchange.scaled(CL200A_MEASURING_TIME))?;
        let mut last = None;
        for _ in 0..EARLY_READ_ATTEMPTS {
            let (frame, raw) = self.exchange(codec::READ_EV_XY, deadline)?;
            if frame.status().range != b'0' {
                return Ok((frame, raw));
            }
            last = Some(raw);
            deadline.sleep(self.exchange.scaled(EARLY_READ_PAUSE))?;
        }
        Err(MeterError::Protocol(format!(
            "the CL-200A kept answering range 0 (measurement not ready): {:?}",
            last.map(|r| String::from_utf8_lossy(&r).into_owned())
        )))
    }

    fn read_t10a(&mut self, deadline: &Deadline) -> Result<(Frame, Vec<u8>), MeterError> {
        // Space reads by the update period so each returns a new value, and
        // wait a whole period of the new light after a change: a wait from
        // the last read, not a fixed sleep.
        let period = self.exchange.scaled(T10A_UPDATE_PERIOD);
        let due = [self.last_read, self.light_changed.take()]
            .into_iter()
            .flatten()
            .map(|t| t + period)
            .max();
        if let Some(due) = due {
            deadline.sleep_until(due)?;
        }
        let reply = self.exchange(codec::T10_READ, deadline);
        self.last_read = Some(Instant::now());
        reply
    }
}

/// The error character (PROTOCOLS.md): `1`–`3` need a power cycle (on the
/// T-10A `1` is "receptor head power off"), `5` is over range.
fn check_fault(model: Model, status: codec::Status) -> Result<(), MeterError> {
    match (model, status.error) {
        (Model::T10a, b'1') => {
            Err(MeterError::Device("T-10A error 1: receptor head power off".into()))
        }
        (_, c @ b'1'..=b'3') => Err(MeterError::Device(format!(
            "{} error {}: switch the meter off and on",
            model.name(),
            c as char
        ))),
        (_, b'5') => Err(MeterError::over_range(format!("{} error 5: over range", model.name()))),
        _ => Ok(()),
    }
}

/// Flags the status carries alongside a value (PROTOCOLS.md \[O\]).
fn validity(model: Model, status: codec::Status) -> Validity {
    let mut flags = Vec::new();
    match (model, status.error) {
        (Model::Cl200a, b'6') => flags.push(MeterFlag::new(
            FlagKind::LowLight,
            "error 6: low luminance, chromaticity accuracy reduced",
        )),
        (Model::Cl200a, b'7') => flags.push(MeterFlag::new(
            FlagKind::ChromaticityOutOfRange,
            "error 7: Tcp or Δuv out of range",
        )),
        _ => {}
    }
    let low_battery = match model {
        Model::Cl200a => status.battery == b'1',
        Model::T10a => status.battery.is_ascii_digit() && (status.battery - b'0') % 2 == 1,
    };
    if low_battery {
        flags.push(MeterFlag::new(
            FlagKind::LowBattery,
            format!("battery byte {}: low battery", status.battery as char),
        ));
    }
    Validity::from_flags(flags)
}

impl Photometer for KonicaCl {
    /// PC connection mode (command 54) is the harmless first command of
    /// this protocol; its reply proves the meter is there.
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        let budget = REPLY_TIMEOUT * 3 + self.exchange.scaled(AFTER_HOLD) * 2;
        self.connect(&Deadline::after(budget))?;
        Ok(DeviceInfo {
            vendor: "Konica Minolta".into(),
            model: self.model.name().into(),
            ..DeviceInfo::default()
        })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            luminance: false,
            chromaticity: self.model == Model::Cl200a,
            illuminance: true,
            typical_reading_time: Duration::from_millis(500),
            worst_case_reading_time: Duration::from_secs(3),
        }
    }

    fn measure(
        &mut self,
        request: &MeasureRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reading, MeterError> {
        if request.quantity != Quantity::Illuminance {
            return Err(MeterError::Unsupported(format!(
                "the {} measures illuminance only",
                self.model.name()
            )));
        }
        let deadline = Deadline::after(request.budget);
        self.connect(&deadline)?;
        progress(deadline.progress(Some(Duration::from_millis(500))));
        let (frame, raw) = match self.model {
            Model::Cl200a => self.read_cl200a(&deadline)?,
            Model::T10a => self.read_t10a(&deadline)?,
        };
        let status = frame.status();
        check_fault(self.model, status)?;
        let blocks = frame
            .data
            .ok_or_else(|| MeterError::Protocol("a short frame where data were expected".into()))?;
        let [b1, b2, b3] = blocks.map(|b| codec::decode_block(&b));
        let value =
            b1?.ok_or_else(|| MeterError::Protocol("the meter sent no illuminance".into()))?;
        let chromaticity = match self.model {
            Model::Cl200a => match (b2?, b3?) {
                (Some(x), Some(y)) => Some(Chromaticity { x, y }),
                _ => None,
            },
            Model::T10a => None,
        };
        Ok(Reading {
            quantity: Quantity::Illuminance,
            value,
            chromaticity,
            validity: validity(self.model, status),
            raw,
            elapsed: deadline.elapsed(),
        })
    }

    fn light_changed(&mut self, at: Instant) {
        self.light_changed = Some(at);
    }
}
