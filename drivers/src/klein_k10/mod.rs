//! Klein K-10 / K-10-A colorimeter over its FTDI USB-serial port
//! (METERS.md §3.5). Replies carry binary numbers, so every reply is read
//! by its known length, never up to a terminator.
//!
//! In low light one `N5` is noisy; like Argyll, the driver averages more
//! readings the darker the field. Nothing is ever written to the meter's
//! flash (no black calibration commit, METERS.md §2.2.6).

pub mod codec;
pub mod twin;

use std::time::{Duration, Instant};

use crate::link::Link;
use crate::{
    Capabilities, Chromaticity, DeviceInfo, MeasureRequest, MeterError, Photometer, Progress,
    Quantity, Reading, Validity,
};

/// Time allowed per `N5`: Argyll allows 2 s (METERS.md §3.5 \[O\]).
pub const N5_TIMEOUT: Duration = Duration::from_secs(2);

/// `N5` retries while the meter reports `u`/`v` (auto-ranging): Argyll
/// retries up to 4 times (METERS.md §3.5 \[O\]).
pub const RANGING_RETRIES: usize = 4;

/// How many `N5` readings to average at luminance `y` (cd/m²). Argyll takes
/// 20 below 0.2 cd/m², 10 at 2, 4 at 20, 2 at 50 and 1 above, blending in
/// between (METERS.md §3.5 \[O\]); we use the step at or above each point,
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
    link: Link,
}

impl KleinK10 {
    /// Open the meter on `path`.
    pub fn open(path: &str) -> Result<Self, MeterError> {
        Ok(Self::new(Link::open(path, &codec::PORT)?))
    }

    /// Use an already open link.
    pub fn new(link: Link) -> Self {
        Self { link }
    }

    fn exchange(
        &mut self,
        command: &[u8; 2],
        len: usize,
        timeout: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Vec<u8>, MeterError> {
        self.link.discard_input();
        self.link.send(&codec::encode_command(command))?;
        self.link.read_exact_reporting(len, timeout, waiting)
    }

    /// One `N5`, retried while the meter is auto-ranging.
    fn n5(
        &mut self,
        deadline: Instant,
        waiting: &mut dyn FnMut(),
    ) -> Result<(codec::Measurement, Vec<u8>), MeterError> {
        let mut last = None;
        for _ in 0..=RANGING_RETRIES {
            let timeout = deadline.saturating_duration_since(Instant::now()).min(N5_TIMEOUT);
            let raw = self.exchange(codec::MEASURE, codec::MEASURE_REPLY_LEN, timeout, waiting)?;
            let m = codec::parse_measurement(&raw)?;
            match m.status {
                codec::Status::Ok => return Ok((m, raw)),
                codec::Status::Ranging(_) => last = m.status.error(),
                s => {
                    return Err(s
                        .error()
                        .unwrap_or_else(|| MeterError::Protocol("K-10 status".into())));
                }
            }
        }
        Err(last.unwrap_or_else(|| MeterError::Protocol("K-10 kept auto-ranging".into())))
    }
}

impl Photometer for KleinK10 {
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        let raw =
            self.exchange(codec::IDENTIFY, codec::IDENTIFY_REPLY_LEN, N5_TIMEOUT, &mut || {})?;
        let (model, serial) = codec::parse_identity(&raw)?;
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
            typical_reading_time: Duration::from_millis(125),
            worst_case_reading_time: N5_TIMEOUT * 20,
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
        let start = Instant::now();
        let deadline = start + request.budget;
        let mut waiting = || progress(Progress { elapsed: start.elapsed(), expected: None });
        let (first, mut raw) = self.n5(deadline, &mut waiting)?;
        let wanted = readings_to_average(first.xyz[1]);
        let mut sum = first.xyz;
        for _ in 1..wanted {
            let (m, r) = self.n5(deadline, &mut waiting)?;
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
            elapsed: start.elapsed(),
        })
    }
}
