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

pub use error::{MeterError, MeterErrorKind};
pub use reading::{Capabilities, Chromaticity, DeviceInfo, Quantity, Reading, Validity};
pub use sim::{Scene, SimulatedPhotometer, Stimulus};

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
