//! Gossen MAVO-MONITOR USB and MAVO-SPOT 2 USB (luminance) and MAVOLUX 5032
//! USB (illuminance), over their FTDI USB-serial port (PROTOCOLS.md,
//! "Gossen MAVO-USB").
//!
//! The meters sample continuously: 0.5 readings per second after `*RST`
//! per the interface description \[V\] (the Mavolux manual says 2 per
//! second, \[?\]); whether `?` returns a fresh value or the last one is
//! unconfirmed \[?\], so the driver spaces reads by the 2 s sampling period,
//! and after a change of light waits a whole period from the change.

pub mod codec;
pub mod twin;

use std::time::{Duration, Instant};

use codec::{Reply, Unit};

use crate::exchange::{Deadline, Exchange, Framing, Pacing, with_retries};
use crate::link::Link;
use crate::{
    Capabilities, DeviceInfo, ErrorProbe, MeasureRequest, MeterError, Photometer, Progress,
    Quantity, Reading, Validity,
};

/// Sampling period after `*RST`: 0.5 readings per second (interface
/// description p. 8 \[V\]).
pub const SAMPLE_PERIOD: Duration = Duration::from_secs(2);

/// Time for a reply line. The public drivers do not state one; 2 s covers
/// the FTDI latency many times over \[A\].
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(2);

/// Attempts at one command when the meter answers a UART error (001–008)
/// or a line that is not a value; the C# library re-sends on 001 and the
/// MATLAB script loops until a number parses (PROTOCOLS.md \[O\]).
pub const ATTEMPTS: usize = 3;

/// A MAVO-USB meter on a serial port.
#[derive(Debug)]
pub struct GossenMavo {
    exchange: Exchange,
    echo_off: bool,
    unit: Option<Unit>,
    last_read: Option<Instant>,
    light_changed: Option<Instant>,
}

impl GossenMavo {
    /// Open the meter on `path`.
    pub fn open(path: &str) -> Result<Self, MeterError> {
        Ok(Self::new(Link::open(path, &codec::PORT)?))
    }

    /// Use an already open link.
    pub fn new(link: Link) -> Self {
        Self {
            exchange: Exchange::new(link, Pacing::default()),
            echo_off: false,
            unit: None,
            last_read: None,
            light_changed: None,
        }
    }

    /// Shorten the sampling-period wait by `scale` (twins only).
    pub fn with_time_scale(mut self, scale: f64) -> Self {
        self.exchange.set_time_scale(scale);
        self
    }

    /// Send one command and read its reply line, re-sending on a UART
    /// error reply or a line that does not parse.
    fn exchange(
        &mut self,
        command: &str,
        deadline: &Deadline,
    ) -> Result<(Reply, Vec<u8>), MeterError> {
        let bytes = codec::encode_command(command)?;
        // UART errors (001–008) and lines that do not parse are worth a
        // second try; SCPI errors (1xx) say the command itself is wrong.
        let retry = |e: &MeterError| {
            deadline.left() > Duration::ZERO
                && matches!(e, MeterError::Protocol(m) if !m.starts_with("MAVO error 1"))
        };
        with_retries(ATTEMPTS, retry, |_| {
            let raw = self.exchange.ask_quietly(
                &bytes,
                Framing::Terminator(codec::TERMINATOR),
                deadline.cap(REPLY_TIMEOUT),
            )?;
            match codec::parse_reply(&raw)? {
                Reply::Error(code) => Err(codec::error_meaning(code)),
                reply => Ok((reply, raw)),
            }
        })
    }

    fn setting(&mut self, command: &str, deadline: &Deadline) -> Result<(), MeterError> {
        match self.exchange(command, deadline)? {
            (Reply::Text(t), _) if codec::acknowledges(command, &t) => Ok(()),
            (other, _) => {
                Err(MeterError::Protocol(format!("MAVO answered {other:?} to {command:?}")))
            }
        }
    }

    fn prepare(&mut self, unit: Unit, deadline: &Deadline) -> Result<(), MeterError> {
        if !self.echo_off {
            self.setting(codec::ECHO_OFF, deadline)?;
            self.setting(codec::AUTO_RANGE, deadline)?;
            self.echo_off = true;
        }
        if self.unit != Some(unit) {
            self.setting(&unit.command(), deadline)?;
            self.unit = Some(unit);
            // A new unit may switch sensors; the next value is a new sample.
            self.last_read = None;
        }
        Ok(())
    }
}

impl Photometer for GossenMavo {
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        let deadline = Deadline::after(REPLY_TIMEOUT * 2);
        let (_, raw) = self.exchange(codec::IDENTIFY, &deadline)?;
        let [vendor, model, serial, _hardware, firmware] = codec::parse_identity(&raw)?;
        Ok(DeviceInfo {
            vendor,
            model,
            serial: Some(serial),
            firmware: Some(firmware),
            calibration_date: None,
        })
    }

    /// A MAVO-MONITOR or MAVO-SPOT measures luminance and a MAVOLUX
    /// illuminance; which one is attached shows only when a unit is refused
    /// (error 202), so both are offered.
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            luminance: true,
            chromaticity: false,
            illuminance: true,
            typical_reading_time: SAMPLE_PERIOD,
            worst_case_reading_time: SAMPLE_PERIOD * 2,
        }
    }

    fn measure(
        &mut self,
        request: &MeasureRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reading, MeterError> {
        let deadline = Deadline::after(request.budget);
        let unit = match request.quantity {
            Quantity::Luminance => Unit::CandelaPerSquareMetre,
            Quantity::Illuminance => Unit::Lux,
        };
        self.prepare(unit, &deadline)?;
        let period = self.exchange.scaled(SAMPLE_PERIOD);
        progress(deadline.progress(Some(period)));
        // Wait for the next sample from the last read, and a whole period
        // of the new light after a change: not a fixed sleep.
        let due = [self.last_read, self.light_changed.take()]
            .into_iter()
            .flatten()
            .map(|t| t + period)
            .max();
        if let Some(due) = due {
            deadline.sleep_until(due)?;
        }
        let reply = self.exchange(codec::MEASURE, &deadline);
        // An error reply (over range) also consumed the current sample.
        self.last_read = Some(Instant::now());
        let (reply, raw) = reply?;
        let Reply::Value(v) = reply else {
            return Err(MeterError::Protocol(format!("MAVO answered {reply:?} to a measurement")));
        };
        if v.unit != unit {
            return Err(MeterError::Protocol(format!(
                "MAVO answered in {:?}, not {unit:?}",
                v.unit
            )));
        }
        Ok(Reading {
            quantity: request.quantity,
            value: v.value * v.unit.to_si(),
            chromaticity: None,
            validity: Validity::Ok,
            raw,
            elapsed: deadline.elapsed(),
        })
    }

    fn light_changed(&mut self, at: Instant) {
        self.light_changed = Some(at);
    }

    /// `RANGE ?` (a blank before the `?`): the vendor document says this
    /// form "is responded to with an error message" (p. 7 \[V\]).
    fn error_probe(&mut self) -> Result<ErrorProbe, MeterError> {
        const PROBE: &str = "RANGE ?";
        let raw = self.exchange.ask_quietly(
            &codec::encode_command(PROBE)?,
            Framing::Terminator(codec::TERMINATOR),
            REPLY_TIMEOUT,
        )?;
        let understood = matches!(codec::parse_reply(&raw), Ok(Reply::Error(101..=108)));
        Ok(ErrorProbe::Answered {
            sent: PROBE.into(),
            reply: String::from_utf8_lossy(&raw).trim().to_owned(),
            understood,
        })
    }
}
