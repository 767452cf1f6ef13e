//! Gossen MAVO-MONITOR USB and MAVO-SPOT 2 USB (luminance) and MAVOLUX 5032
//! USB (illuminance), over their FTDI USB-serial port (METERS.md §3.2).
//!
//! The meters sample continuously, 0.5 readings per second by default
//! (vendor document \[V\]); whether `?` returns a fresh value or the last one
//! is unconfirmed \[?\], so the driver spaces reads by the 2 s sampling
//! period and leaves agreement between readings to the settling helper.

pub mod codec;
pub mod twin;

use std::time::{Duration, Instant};

use codec::{Reply, Unit};

use crate::link::Link;
use crate::{
    Capabilities, DeviceInfo, MeasureRequest, MeterError, Photometer, Progress, Quantity, Reading,
    Validity,
};

/// Sampling period after `*RST`: 0.5 readings per second (vendor document
/// \[V\], METERS.md §3.2 timing).
pub const SAMPLE_PERIOD: Duration = Duration::from_secs(2);

/// Time for a reply line. The public drivers do not state one; 2 s covers
/// the FTDI latency many times over \[A\].
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(2);

/// Attempts at one command when the meter answers a UART error (001–008)
/// or a line that is not a value; the C# library re-sends on 001 and the
/// MATLAB script loops until a number parses (METERS.md §3.2 \[O\]).
pub const ATTEMPTS: usize = 3;

/// A MAVO-USB meter on a serial port.
#[derive(Debug)]
pub struct GossenMavo {
    link: Link,
    echo_off: bool,
    unit: Option<Unit>,
    time_scale: f64,
    last_read: Option<Instant>,
}

impl GossenMavo {
    /// Open the meter on `path`.
    pub fn open(path: &str) -> Result<Self, MeterError> {
        Ok(Self::new(Link::open(path, &codec::PORT)?))
    }

    /// Use an already open link.
    pub fn new(link: Link) -> Self {
        Self { link, echo_off: false, unit: None, time_scale: 1.0, last_read: None }
    }

    /// Shorten the sampling-period wait by `scale` (twins only).
    pub fn with_time_scale(mut self, scale: f64) -> Self {
        self.time_scale = scale;
        self
    }

    /// Send one command and read its reply line, re-sending on a UART
    /// error reply.
    fn exchange(
        &mut self,
        command: &str,
        deadline: Instant,
    ) -> Result<(Reply, Vec<u8>), MeterError> {
        let bytes = codec::encode_command(command)?;
        let mut last = None;
        for _ in 0..ATTEMPTS {
            self.link.discard_input();
            self.link.send(&bytes)?;
            let timeout = deadline.saturating_duration_since(Instant::now()).min(REPLY_TIMEOUT);
            let raw = self.link.read_until(codec::TERMINATOR, timeout)?;
            match codec::parse_reply(&raw) {
                Ok(Reply::Error(code @ 1..=8)) => last = Some(codec::error_meaning(code)),
                Ok(Reply::Error(code)) => return Err(codec::error_meaning(code)),
                Ok(reply) => return Ok((reply, raw)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| MeterError::Protocol("no reply".into())))
    }

    fn setting(&mut self, command: &str, deadline: Instant) -> Result<(), MeterError> {
        match self.exchange(command, deadline)? {
            (Reply::Text(t), _) if t.eq_ignore_ascii_case(command) => Ok(()),
            (other, _) => {
                Err(MeterError::Protocol(format!("MAVO answered {other:?} to {command:?}")))
            }
        }
    }

    fn prepare(&mut self, unit: Unit, deadline: Instant) -> Result<(), MeterError> {
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
        let deadline = Instant::now() + REPLY_TIMEOUT * 2;
        let (_, raw) = self.exchange(codec::IDENTIFY, deadline)?;
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
        let start = Instant::now();
        let deadline = start + request.budget;
        let unit = match request.quantity {
            Quantity::Luminance => Unit::CandelaPerSquareMetre,
            Quantity::Illuminance => Unit::Lux,
        };
        self.prepare(unit, deadline)?;
        let period = SAMPLE_PERIOD.mul_f64(self.time_scale);
        progress(Progress { elapsed: start.elapsed(), expected: Some(period) });
        if let Some(last) = self.last_read {
            // Wait for the next sample from the last read: not a fixed sleep.
            let due = last + period;
            if due > deadline {
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                return Err(MeterError::Timeout(request.budget));
            }
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
        let reply = self.exchange(codec::MEASURE, deadline);
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
            elapsed: start.elapsed(),
        })
    }
}
