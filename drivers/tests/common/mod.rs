//! Shared helpers for the pty tests: a scene the test controls and twins run
//! at a fraction of real time.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use monqc_drivers::twin::Fault;
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

/// A twin of `kind` at a tenth of its real timing with `fault` injected.
pub fn twin(kind: MeterKind, scene: Arc<SceneCell>, fault: Fault) -> SimulatedMeter {
    let options = SimOptions { fault, time_scale: 0.1, ..SimOptions::default() };
    spawn_simulated(kind, scene, 7, options).expect("twin starts")
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
