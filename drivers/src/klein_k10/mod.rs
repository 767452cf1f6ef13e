//! Klein K-10 / K-10-A colorimeter over its FTDI USB-serial port
//! (PROTOCOLS.md, "Klein K-10 / K-10-A"). Replies carry binary numbers, so
//! every reply is read by its known length, never up to a terminator.
//!
//! At first contact the driver does what Klein's own library does: it
//! clears a data stream a previous program may have left running, turns
//! auto-range on (`J8`) and the aiming lights off (`L0`). Each reading
//! starts with one `N5` whose answer is thrown away ("clearing the
//! buffer", Klein's library): after the light changed, the first sample may
//! still be the old one. In low light one `N5` is noisy; like Argyll, the
//! driver averages more readings the darker the field. Nothing is ever
//! written to the meter's flash (no black calibration commit).

pub mod codec;
pub mod twin;

use std::time::Duration;

use crate::exchange::{Deadline, Exchange, Framing, Pacing, with_retries};
use crate::link::Link;
use crate::{
    Capabilities, Chromaticity, DeviceInfo, MeasureRequest, MeterError, Photometer, Progress,
    Quantity, Reading, Validity,
};

/// Time allowed per `N5`: Argyll allows 2 s; Klein's library 1.5 s
/// (PROTOCOLS.md \[O\]/\[V\]).
pub const N5_TIMEOUT: Duration = Duration::from_secs(2);

/// Time for the `J8` reply (Argyll: 1 s) \[O\].
pub const J8_TIMEOUT: Duration = Duration::from_secs(1);

/// Time to wait for a reply to `L0`, which may not come (Argyll: 0.5 s)
/// \[O\].
pub const L0_TIMEOUT: Duration = Duration::from_millis(500);

/// Longest to drain a data stream left running (Argyll stops it with `N5`
/// and drains) \[O\].
pub const STREAM_DRAIN: Duration = Duration::from_secs(1);

/// `N5` retries while the meter reports a range change (`u`, `v`, `w`):
/// Argyll retries `u`/`v` up to 4 times in all (PROTOCOLS.md \[O\]).
pub const RANGING_RETRIES: usize = 4;

/// How many `N5` readings to average at luminance `y` (cd/m²). Argyll takes
/// 20 below 0.2 cd/m², 10 at 2, 4 at 20, 2 at 50 and 1 above, blending in
/// between (PROTOCOLS.md \[O\]); we use the step at or above each point,
/// never fewer readings than Argyll.
pub fn readings_to_average(y: f64) -> usize {
    match y {
        y if y < 2.0 => 20,
        y if y < 20.0 => 10,
        y if y < 50.0 => 4,
        _ => 1,
    }
}

/// A K-10 / K-10-A on a serial port.
#[derive(Debug)]
pub struct KleinK10 {
    exchange: Exchange,
    identity: Option<(String, String)>,
}

impl KleinK10 {
    /// Open the meter on `path`.
    pub fn open(path: &str) -> Result<Self, MeterError> {
        Ok(Self::new(Link::open(path, &codec::PORT)?))
    }

    /// Use an already open link.
    pub fn new(link: Link) -> Self {
        Self { exchange: Exchange::new(link, Pacing::default()), identity: None }
    }

    /// Scale the driver's protocol waits (twins only).
    pub fn with_time_scale(mut self, scale: f64) -> Self {
        self.exchange.set_time_scale(scale);
        self
    }

    fn ask(
        &mut self,
        command: &[u8; 2],
        len: usize,
        timeout: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Vec<u8>, MeterError> {
        self.exchange.ask(&codec::encode_command(command), Framing::Length(len), timeout, waiting)
    }

    /// `P0`. A reply that is not framed is most likely a data stream a
    /// previous program left running: stop it with `N5`, drain, and ask
    /// once more (Klein's library and Argyll both recover this way;
    /// audit finding 5, PROTOCOLS.md).
    fn identify_clearing_a_stream(
        &mut self,
        deadline: &Deadline,
    ) -> Result<(String, String), MeterError> {
        with_retries(
            2,
            |e| matches!(e, MeterError::Protocol(_)) && deadline.left() > Duration::ZERO,
            |attempt| {
                if attempt > 0 {
                    self.exchange.link().discard_input();
                    self.exchange.send(&codec::encode_command(codec::MEASURE))?;
                    // Everything for up to a second, or until half a second
                    // of quiet: the reply to this N5 may come late,
                    // behind the stream's last bytes.
                    self.exchange.link().drain(STREAM_DRAIN / 2, deadline.cap(STREAM_DRAIN))?;
                }
                let raw = self.ask(
                    codec::IDENTIFY,
                    codec::IDENTIFY_REPLY_LEN,
                    deadline.cap(N5_TIMEOUT),
                    &mut || {},
                )?;
                codec::parse_identity(&raw)
            },
        )
    }

    /// First contact: identity (clearing a stream), auto-range, aiming
    /// lights off.
    fn connect(&mut self, deadline: &Deadline) -> Result<(), MeterError> {
        if self.identity.is_some() {
            return Ok(());
        }
        let identity = self.identify_clearing_a_stream(deadline)?;
        // `J8<e>`; the letter is not checked (Klein's library reads one byte
        // and moves on), but the reply must come or the meter is gone.
        match self.exchange.ask_quietly(
            &codec::encode_command(codec::AUTO_RANGE),
            Framing::Terminator(b">"),
            deadline.cap(J8_TIMEOUT),
        ) {
            Ok(_) | Err(MeterError::Timeout(_)) => {}
            Err(e) => return Err(e),
        }
        // `L0` may be answered or not; either is fine.
        match self.exchange.ask_quietly(
            &codec::encode_command(codec::LIGHTS_OFF),
            Framing::Terminator(b">"),
            deadline.cap(L0_TIMEOUT),
        ) {
            Ok(_) | Err(MeterError::Timeout(_)) => {}
            Err(e) => return Err(e),
        }
        self.identity = Some(identity);
        Ok(())
    }

    /// One `N5`, retried while the meter reports a range change.
    fn n5(
        &mut self,
        deadline: &Deadline,
        waiting: &mut dyn FnMut(),
    ) -> Result<(codec::Measurement, Vec<u8>), MeterError> {
        with_retries(
            RANGING_RETRIES + 1,
            |e| deadline.left() > Duration::ZERO && is_range_error(e),
            |_| {
                let raw = self.ask(
                    codec::MEASURE,
                    codec::MEASURE_REPLY_LEN,
                    deadline.cap(N5_TIMEOUT),
                    waiting,
                )?;
                let m = codec::parse_measurement(&raw)?;
                match m.status.error() {
                    None => Ok((m, raw)),
                    Some(e) => Err(e),
                }
            },
        )
    }
}

/// Errors that come from a range-change letter (`u`, `v`, `w`).
fn is_range_error(e: &MeterError) -> bool {
    match e {
        MeterError::UnstableSource(m) => m.starts_with("K-10 error"),
        MeterError::OverRange { said, .. } => said.starts_with("K-10 error w"),
        _ => false,
    }
}

impl Photometer for KleinK10 {
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        let deadline = Deadline::after(N5_TIMEOUT * 2 + STREAM_DRAIN + J8_TIMEOUT + L0_TIMEOUT);
        self.connect(&deadline)?;
        let (model, serial) = self.identity.clone().unwrap_or_default();
        Ok(DeviceInfo {
            vendor: "Klein Instruments".into(),
            model,
            serial: Some(serial),
            ..DeviceInfo::default()
        })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            luminance: true,
            chromaticity: true,
            illuminance: false,
            typical_reading_time: Duration::from_millis(250),
            worst_case_reading_time: N5_TIMEOUT * 21,
        }
    }

    fn measure(
        &mut self,
        request: &MeasureRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reading, MeterError> {
        if request.quantity != Quantity::Luminance {
            return Err(MeterError::Unsupported(
                "the K-10 driver measures luminance only (ambient matrices are not read)".into(),
            ));
        }
        let deadline = Deadline::after(request.budget);
        self.connect(&deadline)?;
        let mut waiting = || progress(deadline.progress(None));
        // Clearing the buffer, as Klein's library does before each reading:
        // the answer may be the sample from before the light changed.
        self.ask(codec::MEASURE, codec::MEASURE_REPLY_LEN, deadline.cap(N5_TIMEOUT), &mut waiting)?;
        let (first, mut raw) = self.n5(&deadline, &mut waiting)?;
        let wanted = readings_to_average(first.xyz[1]);
        let mut sum = first.xyz;
        for _ in 1..wanted {
            let (m, r) = self.n5(&deadline, &mut waiting)?;
            for (s, v) in sum.iter_mut().zip(m.xyz) {
                *s += v;
            }
            raw.extend_from_slice(&r);
            waiting();
        }
        let [x, y, z] = sum.map(|s| s / wanted as f64);
        let total = x + y + z;
        Ok(Reading {
            quantity: Quantity::Luminance,
            value: y,
            chromaticity: (total > 0.0).then(|| Chromaticity { x: x / total, y: y / total }),
            validity: Validity::Ok,
            raw,
            elapsed: deadline.elapsed(),
        })
    }
}
