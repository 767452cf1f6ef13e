//! Photometer drivers for medical display QC.
//!
//! One trait, [`Photometer`], for every luminance, colour and illuminance
//! meter; each instrument family owns its framing and parsing as pure
//! functions over bytes, plus a transport. A [`SimulatedPhotometer`] reads a
//! [`Scene`] (what the meter's aperture currently sees) so that tests and
//! demos run with no hardware.
//!
//! Units are fixed by the field or variant name: luminance in cd/m²,
//! illuminance in lx, chromaticity as CIE 1931 x, y.

mod error;
mod reading;
mod sim;

pub mod check;
pub mod discovery;
pub mod duplex;
pub mod exchange;
pub mod gossen_mavo;
pub mod klein_k10;
pub mod konica_cl;
pub mod konica_ls;
pub mod link;
pub mod performance;
pub mod photo_research;
mod selector;
mod settle;
mod simulated;
pub mod spotread;
pub mod transcript;
pub mod twin;

pub use error::{MeterError, MeterErrorKind};
pub use reading::{
    Capabilities, Chromaticity, DeviceInfo, FlagKind, Flags, MeterFlag, Quantity, Reading, Validity,
};
pub use selector::{MeterKind, MeterSelector, SelectorError};
pub use settle::{SettleBasis, SettleRule, Settled, Settler, settle};
pub use sim::{Scene, SceneCell, SimulatedPhotometer, Stimulus};
pub use simulated::{
    SIMULATED_KINDS, SimOptions, SimTransport, SimulatedMeter, open_simulated, spawn_simulated,
    spawn_simulated_recorded,
};

use std::time::{Duration, Instant};

use transcript::{Recorder, Replay, ReplayProgress, Transcript};

/// A request for one measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeasureRequest {
    /// What to measure.
    pub quantity: Quantity,
    /// The longest the caller will wait for this reading, including the
    /// meter's own integration time. Low light can take seconds, so callers
    /// size this from [`Capabilities::worst_case_reading_time`].
    pub budget: Duration,
}

impl MeasureRequest {
    /// A luminance reading with the given time budget.
    pub fn luminance(budget: Duration) -> Self {
        Self { quantity: Quantity::Luminance, budget }
    }

    /// An illuminance reading with the given time budget.
    pub fn illuminance(budget: Duration) -> Self {
        Self { quantity: Quantity::Illuminance, budget }
    }
}

/// Progress of a measurement in flight, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Time spent so far on this reading.
    pub elapsed: Duration,
    /// The meter's own estimate of the total, when it gives one.
    pub expected: Option<Duration>,
}

/// A luminance, colour or illuminance meter.
///
/// Implementations own their transport. Every method may block on I/O for at
/// most the time the request allows.
pub trait Photometer {
    /// What the meter says it is (model, serial, firmware, calibration date
    /// where the instrument reports them).
    fn identify(&mut self) -> Result<DeviceInfo, MeterError>;

    /// What the meter can measure.
    fn capabilities(&self) -> Capabilities;

    /// Take one reading. `progress` is called while the meter integrates.
    fn measure(
        &mut self,
        request: &MeasureRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reading, MeterError>;

    /// The light in front of the meter changed at `at` (a new pattern was
    /// shown). The next reading must use only light from after that
    /// moment: a meter that samples on its own clock (MAVO, T-10A) waits
    /// for a sample that started after it. Meters that start integrating
    /// on command need nothing, which is the default.
    fn light_changed(&mut self, _at: Instant) {}

    /// Send a deliberately wrong but harmless command and say whether the
    /// meter's error reply was understood: a first-contact check that the
    /// driver reads this meter's errors, not only its values.
    fn error_probe(&mut self) -> Result<ErrorProbe, MeterError> {
        Ok(ErrorProbe::NotAvailable(
            "no harmless wrong command is documented for this meter".into(),
        ))
    }
}

/// What [`Photometer::error_probe`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorProbe {
    /// The meter answered the wrong command.
    Answered {
        /// What was sent, as text.
        sent: String,
        /// The meter's reply, as text.
        reply: String,
        /// Whether the reply is the error the protocol documents for it.
        understood: bool,
    },
    /// The family has no safe wrong command to send; the text says why.
    NotAvailable(String),
}

/// How to open a meter.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Record every byte exchanged with the meter into this transcript.
    pub transcript: Option<Recorder>,
}

/// Open the meter a selector names. A `sim-KIND` selector gets a twin that
/// looks at a steady 120 cd/m² D65 field under 50 lx.
pub fn open(selector: &MeterSelector) -> Result<Box<dyn Photometer + Send>, MeterError> {
    open_with(selector, &OpenOptions::default())
}

/// [`open`], with options (a transcript of every byte).
pub fn open_with(
    selector: &MeterSelector,
    options: &OpenOptions,
) -> Result<Box<dyn Photometer + Send>, MeterError> {
    let recorder = options.transcript.clone();
    match selector {
        MeterSelector::Serial { kind, port } => {
            let link = link::Link::open_recorded(port, &port_settings(*kind)?, recorder)?;
            open_on_link(*kind, link, 1.0)
        }
        MeterSelector::Spotread { display_type } => {
            let mut bridge = spotread::Spotread::find(display_type.clone())?;
            if let Some(r) = recorder {
                bridge = bridge.with_recorder(r);
            }
            Ok(Box::new(bridge))
        }
        MeterSelector::Simulated(kind) => {
            let scene = std::sync::Arc::new(SceneCell::new(Stimulus {
                luminance_cd_m2: 120.0,
                chromaticity: Chromaticity { x: 0.3127, y: 0.3290 },
                illuminance_lx: 50.0,
            }));
            Ok(Box::new(spawn_simulated_recorded(
                *kind,
                scene,
                1,
                SimOptions::default(),
                recorder,
            )?))
        }
    }
}

/// The line settings of a serial meter kind.
pub fn port_settings(kind: MeterKind) -> Result<link::PortSettings, MeterError> {
    Ok(match kind {
        MeterKind::Ls100 | MeterKind::Ls110 | MeterKind::Cs100a => konica_ls::codec::PORT,
        MeterKind::Cl200a | MeterKind::T10a => konica_cl::codec::PORT,
        MeterKind::Mavo => gossen_mavo::codec::PORT,
        MeterKind::Pr650 | MeterKind::Pr655 | MeterKind::Pr670 => photo_research::codec::PORT,
        MeterKind::K10 => klein_k10::codec::PORT,
        MeterKind::Spotread => {
            return Err(MeterError::Unsupported("spotread is not a serial meter".into()));
        }
    })
}

/// The driver of a serial meter of `kind`, talking over `link`.
/// `time_scale` shortens the driver's own protocol waits, for twins run
/// faster than real time and for replays; it is 1.0 for real instruments.
pub fn open_on_link(
    kind: MeterKind,
    link: link::Link,
    time_scale: f64,
) -> Result<Box<dyn Photometer + Send>, MeterError> {
    Ok(match kind {
        MeterKind::Ls100 | MeterKind::Ls110 | MeterKind::Cs100a => {
            Box::new(konica_ls::KonicaLs::new(link, simulated::ls_model(kind)))
        }
        MeterKind::Cl200a => Box::new(
            konica_cl::KonicaCl::new(link, konica_cl::Model::Cl200a).with_time_scale(time_scale),
        ),
        MeterKind::T10a => Box::new(
            konica_cl::KonicaCl::new(link, konica_cl::Model::T10a).with_time_scale(time_scale),
        ),
        MeterKind::Mavo => Box::new(gossen_mavo::GossenMavo::new(link).with_time_scale(time_scale)),
        MeterKind::Pr650 | MeterKind::Pr655 | MeterKind::Pr670 => Box::new(
            photo_research::PhotoResearch::new(link, simulated::pr_model(kind))
                .with_time_scale(time_scale),
        ),
        MeterKind::K10 => Box::new(klein_k10::KleinK10::new(link).with_time_scale(time_scale)),
        MeterKind::Spotread => {
            return Err(MeterError::Unsupported("spotread is not a serial meter".into()));
        }
    })
}

/// A driver of `kind` fed by a recorded transcript instead of a meter: it
/// must send exactly the recorded bytes and gets the recorded replies. The
/// returned progress says whether the whole transcript was played.
/// `time_scale` scales the driver's own protocol waits (0.0 skips them).
pub fn open_replay(
    kind: MeterKind,
    transcript: &Transcript,
    time_scale: f64,
) -> Result<(Box<dyn Photometer + Send>, ReplayProgress), MeterError> {
    let replay = Replay::new(transcript);
    let progress = replay.progress();
    let name = transcript.header("meter").unwrap_or("replay").to_owned();
    let link = link::Link::over(Box::new(replay), &name, &port_settings(kind)?, None);
    Ok((open_on_link(kind, link, time_scale)?, progress))
}
