//! Konica Minolta LS-100 / LS-110 spot luminance meters and the CS-100A
//! chroma meter, over RS-232C (PROTOCOLS.md, "Konica Minolta LS-100 /
//! LS-110 / CS-100A").
//!
//! The operator must switch the meter on while holding F to enter remote
//! mode; without that the meter never answers and [`KonicaLs`] returns
//! [`MeterError::Timeout`]. Make the first reading on a bright field: an
//! LS-100 that first sees a very dark field may stop answering until it is
//! restarted (PsychoPy's docstring \[O\]).

pub mod codec;
pub mod twin;

use std::time::Duration;

use crate::exchange::{Deadline, Exchange, Framing, Pacing, with_retries};
use crate::link::Link;
use crate::{
    Capabilities, Chromaticity, DeviceInfo, ErrorProbe, MeasureRequest, MeterError, MeterErrorKind,
    Photometer, Progress, Quantity, Reading, Validity,
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
    /// know them \[A\]; not confirmed on an instrument.
    pub fn range_cd_m2(self) -> (f64, f64) {
        match self {
            Self::Ls100 => (0.001, 299_900.0),
            Self::Ls110 => (0.01, 999_900.0),
            Self::Cs100a => (0.01, 299_000.0),
        }
    }
}

/// Time allowed for each attempt at a setting command's `OK00`. Replies
/// to settings are short; the public drivers allow 3 to 10 s for a whole
/// exchange including `MES` (PROTOCOLS.md \[O\]).
pub const SETTING_TIMEOUT: Duration = Duration::from_millis(1500);

/// Attempts at `MDS,04`, the first command after opening: PsychoPy sends it
/// up to 10 times while the reply is an error code (PROTOCOLS.md \[O\]); we
/// stop at 4 (on `ER00` or no reply), within the caller's budget.
pub const MODE_ATTEMPTS: usize = 4;

/// Longest `MES` we expect: SweepMe reports 1–2 s per reading and the
/// drivers allow up to 10 s (PROTOCOLS.md \[O\]).
pub const WORST_CASE_READING: Duration = Duration::from_secs(10);

/// An LS-100 / LS-110 / CS-100A on a serial port.
#[derive(Debug)]
pub struct KonicaLs {
    exchange: Exchange,
    model: Model,
    absolute_mode: bool,
}

impl KonicaLs {
    /// Open the meter on `path` (e.g. `/dev/ttyUSB0`, `COM3`).
    pub fn open(path: &str, model: Model) -> Result<Self, MeterError> {
        Ok(Self::new(Link::open(path, &codec::PORT)?, model))
    }

    /// Use an already open link.
    pub fn new(link: Link, model: Model) -> Self {
        Self { exchange: Exchange::new(link, Pacing::default()), model, absolute_mode: false }
    }

    fn command(&mut self, command: &str, timeout: Duration) -> Result<Vec<u8>, MeterError> {
        self.exchange.ask_quietly(
            &codec::encode_command(command),
            Framing::Terminator(codec::TERMINATOR),
            timeout,
        )
    }

    /// `MDS,04`, retried on `ER00` or silence: the first command after
    /// opening is the one a real meter most often drops (audit finding 8,
    /// PROTOCOLS.md).
    fn ensure_absolute_mode(&mut self, deadline: &Deadline) -> Result<(), MeterError> {
        if self.absolute_mode {
            return Ok(());
        }
        let retry = |e: &MeterError| {
            deadline.left() > Duration::ZERO
                && (e.kind() == MeterErrorKind::Timeout
                    || matches!(e, MeterError::Protocol(m) if m.starts_with("ER00")))
        };
        with_retries(MODE_ATTEMPTS, retry, |_| {
            let reply = self.command(codec::SET_ABSOLUTE_MODE, deadline.cap(SETTING_TIMEOUT))?;
            match codec::parse_status(&reply)?.error() {
                Some(e) => Err(e),
                None => Ok(()),
            }
        })
        .map_err(|e| match e {
            MeterError::Timeout(_) => MeterError::Timeout(deadline.budget()),
            other => other,
        })?;
        self.absolute_mode = true;
        Ok(())
    }
}

impl Photometer for KonicaLs {
    /// The family has no identify command; the harmless `MDS,04` (which the
    /// driver needs anyway) proves that a meter of this protocol answers.
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        self.ensure_absolute_mode(&Deadline::after(SETTING_TIMEOUT * MODE_ATTEMPTS as u32))?;
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
        let deadline = Deadline::after(request.budget);
        self.ensure_absolute_mode(&deadline)?;
        let expected = Some(Duration::from_millis(400));
        progress(deadline.progress(expected));
        let raw = self.exchange.ask(
            &codec::encode_command(codec::MEASURE),
            Framing::Terminator(codec::TERMINATOR),
            deadline.left(),
            &mut || progress(deadline.progress(expected)),
        )?;
        let m = codec::parse_measurement(&raw)?;
        Ok(Reading {
            quantity: Quantity::Luminance,
            value: m.luminance_cd_m2,
            chromaticity: m.xy.map(|(x, y)| Chromaticity { x, y }),
            validity: Validity::from_flags(m.status.flag().into_iter().collect()),
            raw,
            elapsed: deadline.elapsed(),
        })
    }

    /// An unknown command: the family answers `ER00`, "command or
    /// parameter error" (PROTOCOLS.md status table \[O\]). `MDS,04` is sent
    /// again afterwards so the meter is known to be in absolute mode.
    fn error_probe(&mut self) -> Result<ErrorProbe, MeterError> {
        const PROBE: &str = "XXX";
        let deadline = Deadline::after(SETTING_TIMEOUT * 2);
        let reply = self.command(PROBE, deadline.cap(SETTING_TIMEOUT))?;
        let status = codec::parse_status(&reply)?;
        self.absolute_mode = false;
        Ok(ErrorProbe::Answered {
            sent: PROBE.into(),
            reply: String::from_utf8_lossy(&reply).trim().to_owned(),
            understood: status == codec::Status::CommandError,
        })
    }
}
