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

pub mod discovery;
pub mod gossen_mavo;
pub mod klein_k10;
pub mod konica_cl;
pub mod konica_ls;
pub mod link;
pub mod photo_research;
mod selector;
mod settle;
mod simulated;
pub mod spotread;
pub mod twin;

pub use error::{MeterError, MeterErrorKind};
pub use reading::{Capabilities, Chromaticity, DeviceInfo, Quantity, Reading, Validity};
pub use selector::{MeterKind, MeterSelector, SelectorError};
pub use settle::{SettleRule, Settled, settle};
pub use sim::{Scene, SceneCell, SimulatedPhotometer, Stimulus};
pub use simulated::{SIMULATED_KINDS, SimOptions, SimulatedMeter, open_simulated, spawn_simulated};

use std::time::Duration;

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
}

/// Open the meter a selector names. A `sim-KIND` selector gets a twin that
/// looks at a steady 120 cd/m² D65 field under 50 lx.
pub fn open(selector: &MeterSelector) -> Result<Box<dyn Photometer + Send>, MeterError> {
    match selector {
        MeterSelector::Serial { kind, port } => open_serial(*kind, port, 1.0),
        MeterSelector::Spotread { display_type } => {
            Ok(Box::new(spotread::Spotread::find(display_type.clone())?))
        }
        MeterSelector::Simulated(kind) => {
            let scene = std::sync::Arc::new(SceneCell::new(Stimulus {
                luminance_cd_m2: 120.0,
                chromaticity: Chromaticity { x: 0.3127, y: 0.3290 },
                illuminance_lx: 50.0,
            }));
            Ok(Box::new(spawn_simulated(*kind, scene, 1, SimOptions::default())?))
        }
    }
}

/// Open a serial meter of `kind` on `port`. `time_scale` shortens the
/// driver's own waits for a meter's update cycle, for twins run faster than
/// real time; it is 1.0 for real instruments.
pub(crate) fn open_serial(
    kind: MeterKind,
    port: &str,
    time_scale: f64,
) -> Result<Box<dyn Photometer + Send>, MeterError> {
    Ok(match kind {
        MeterKind::Ls100 | MeterKind::Ls110 | MeterKind::Cs100a => {
            Box::new(konica_ls::KonicaLs::open(port, simulated::ls_model(kind))?)
        }
        MeterKind::Cl200a => Box::new(
            konica_cl::KonicaCl::open(port, konica_cl::Model::Cl200a)?.with_time_scale(time_scale),
        ),
        MeterKind::T10a => Box::new(
            konica_cl::KonicaCl::open(port, konica_cl::Model::T10a)?.with_time_scale(time_scale),
        ),
        MeterKind::Mavo => {
            Box::new(gossen_mavo::GossenMavo::open(port)?.with_time_scale(time_scale))
        }
        MeterKind::Pr650 | MeterKind::Pr655 | MeterKind::Pr670 => Box::new(
            photo_research::PhotoResearch::open(port, simulated::pr_model(kind))?
                .with_time_scale(time_scale),
        ),
        MeterKind::K10 => Box::new(klein_k10::KleinK10::open(port)?),
        MeterKind::Spotread => {
            return Err(MeterError::Unsupported("spotread is not a serial meter".into()));
        }
    })
}
