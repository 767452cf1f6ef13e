//! Shared helpers for the pty tests: a scene the test controls and twins run
//! at a fraction of real time.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use monqc_drivers::twin::{Fault, TwinVariant};
use monqc_drivers::{
    Chromaticity, MeasureRequest, MeterError, MeterKind, Photometer, Reading, SceneCell,
    SimOptions, SimulatedMeter, Stimulus, spawn_simulated,
};

/// D65 white point, CIE 1931 x, y.
pub const D65: Chromaticity = Chromaticity { x: 0.3127, y: 0.3290 };

/// A scene at `luminance_cd_m2` with `illuminance_lx` on the diffuser.
pub fn scene(luminance_cd_m2: f64, illuminance_lx: f64) -> Arc<SceneCell> {
    Arc::new(SceneCell::new(Stimulus { luminance_cd_m2, chromaticity: D65, illuminance_lx }))
}

/// Both variants of every twin: as first written, and strict.
pub const VARIANTS: [TwinVariant; 2] = [TwinVariant::Notes, TwinVariant::Documented];

/// A twin of `kind` at a tenth of its real timing with `fault` injected.
pub fn twin(kind: MeterKind, scene: Arc<SceneCell>, fault: Fault) -> SimulatedMeter {
    twin_variant(kind, scene, fault, TwinVariant::Notes)
}

/// [`twin`], in the given variant.
pub fn twin_variant(
    kind: MeterKind,
    scene: Arc<SceneCell>,
    fault: Fault,
    variant: TwinVariant,
) -> SimulatedMeter {
    let options = SimOptions { fault, time_scale: 0.1, variant, ..SimOptions::default() };
    spawn_simulated(kind, scene, 7, options).expect("twin starts")
}

/// The strict twin of `kind` (what the public documents say).
pub fn strict(kind: MeterKind, scene: Arc<SceneCell>) -> SimulatedMeter {
    twin_variant(kind, scene, Fault::None, TwinVariant::Documented)
}

/// One luminance reading with `budget`.
pub fn luminance(meter: &mut dyn Photometer, budget: Duration) -> Result<Reading, MeterError> {
    meter.measure(&MeasureRequest::luminance(budget), &mut |_| {})
}

/// One illuminance reading with `budget`.
pub fn illuminance(meter: &mut dyn Photometer, budget: Duration) -> Result<Reading, MeterError> {
    meter.measure(&MeasureRequest::illuminance(budget), &mut |_| {})
}

/// |a - b| <= rel * b
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs()
}
