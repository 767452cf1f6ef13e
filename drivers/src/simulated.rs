//! Real drivers connected to simulated twins: the demo's meters and the
//! tests' devices. On Unix a twin sits behind a pseudo-terminal, so the real
//! `serialport` path runs; on every platform it can also run over an
//! in-memory duplex (the only choice on Windows), with the same twin code
//! and the same driver.

use std::sync::Arc;
use std::time::Instant;

use crate::link::Link;
use crate::transcript::Recorder;
use crate::twin::{self, DeviceTwin, Fault, Optics, TwinHandle, TwinVariant};
use crate::{
    Capabilities, DeviceInfo, ErrorProbe, MeasureRequest, MeterError, MeterKind, MeterSelector,
    Photometer, Progress, Reading, Scene,
};

/// What joins a twin to its driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimTransport {
    /// A pseudo-terminal, opened by path through `serialport` (Unix only).
    Pty,
    /// An in-memory duplex (every platform).
    Memory,
}

impl Default for SimTransport {
    /// A pty where there are ptys, memory elsewhere.
    fn default() -> Self {
        if cfg!(unix) { Self::Pty } else { Self::Memory }
    }
}

/// How to run a twin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimOptions {
    /// A fault to inject between twin and driver.
    pub fault: Fault,
    /// Multiplies every simulated duration (1.0 = the instrument's timing
    /// model; tests use less).
    pub time_scale: f64,
    /// Relative standard deviation of one reading.
    pub noise_relative: f64,
    /// Make an LS-100/110 twin sulk after a dark first reading.
    pub ls_sulk: bool,
    /// The twin as first written, or the strict twin that speaks what the
    /// public documents say.
    pub variant: TwinVariant,
    /// Pty or in-memory.
    pub transport: SimTransport,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            fault: Fault::None,
            time_scale: 1.0,
            noise_relative: 0.002,
            ls_sulk: false,
            variant: TwinVariant::Notes,
            transport: SimTransport::default(),
        }
    }
}

/// A real driver talking to its twin. Dropping it stops the twin.
pub struct SimulatedMeter {
    // Field order matters: the driver closes its port before the twin stops.
    meter: Box<dyn Photometer + Send>,
    twin: TwinHandle,
}

impl SimulatedMeter {
    /// The twin's timing counters.
    pub fn twin(&self) -> &TwinHandle {
        &self.twin
    }
}

impl Photometer for SimulatedMeter {
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        self.meter.identify()
    }

    fn capabilities(&self) -> Capabilities {
        self.meter.capabilities()
    }

    fn measure(
        &mut self,
        request: &MeasureRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reading, MeterError> {
        self.meter.measure(request, progress)
    }

    fn light_changed(&mut self, at: Instant) {
        self.meter.light_changed(at);
    }

    fn error_probe(&mut self) -> Result<ErrorProbe, MeterError> {
        self.meter.error_probe()
    }
}

/// Every kind that has a twin.
pub const SIMULATED_KINDS: [MeterKind; 10] = [
    MeterKind::Ls100,
    MeterKind::Ls110,
    MeterKind::Cs100a,
    MeterKind::Cl200a,
    MeterKind::T10a,
    MeterKind::Mavo,
    MeterKind::Pr650,
    MeterKind::Pr655,
    MeterKind::Pr670,
    MeterKind::K10,
];

/// Start the twin of `kind` looking at `scene` and connect the real driver
/// to it (over a pty or in memory, as `options.transport` says).
pub fn spawn_simulated(
    kind: MeterKind,
    scene: Arc<dyn Scene + Send + Sync>,
    seed: u64,
    options: SimOptions,
) -> Result<SimulatedMeter, MeterError> {
    spawn_simulated_recorded(kind, scene, seed, options, None)
}

/// [`spawn_simulated`], recording every byte between driver and twin.
pub fn spawn_simulated_recorded(
    kind: MeterKind,
    scene: Arc<dyn Scene + Send + Sync>,
    seed: u64,
    options: SimOptions,
    recorder: Option<Recorder>,
) -> Result<SimulatedMeter, MeterError> {
    let device = device_twin(kind, scene, seed, &options)?;
    let settings = crate::port_settings(kind)?;
    let (twin, link) = match options.transport {
        #[cfg(unix)]
        SimTransport::Pty => {
            let twin = twin::spawn(device, options.fault)?;
            let link = Link::open_recorded(twin.path(), &settings, recorder)?;
            (twin, link)
        }
        #[cfg(not(unix))]
        SimTransport::Pty => {
            return Err(MeterError::Unsupported(
                "pseudo-terminals exist on Unix only; use SimTransport::Memory".into(),
            ));
        }
        SimTransport::Memory => {
            let (twin, end) = twin::spawn_in_memory(device, options.fault)?;
            let link = Link::over(Box::new(end), twin.path(), &settings, recorder);
            (twin, link)
        }
    };
    let meter = crate::open_on_link(kind, link, options.time_scale)?;
    Ok(SimulatedMeter { meter, twin })
}

/// The twin of `kind`, in the variant `options` asks for.
pub fn device_twin(
    kind: MeterKind,
    scene: Arc<dyn Scene + Send + Sync>,
    seed: u64,
    options: &SimOptions,
) -> Result<Box<dyn DeviceTwin>, MeterError> {
    let mut optics = Optics::new(scene, seed);
    optics.time_scale = options.time_scale;
    optics.noise_relative = options.noise_relative;
    let v = options.variant;
    Ok(match kind {
        MeterKind::Ls100 | MeterKind::Ls110 | MeterKind::Cs100a => {
            let mut t = crate::konica_ls::twin::LsTwin::with_variant(ls_model(kind), optics, v);
            t.sulk_if_first_reading_dark = options.ls_sulk;
            Box::new(t)
        }
        MeterKind::Cl200a | MeterKind::T10a => {
            let model = if kind == MeterKind::Cl200a {
                crate::konica_cl::Model::Cl200a
            } else {
                crate::konica_cl::Model::T10a
            };
            Box::new(crate::konica_cl::twin::ClTwin::with_variant(model, optics, v))
        }
        MeterKind::Mavo => Box::new(crate::gossen_mavo::twin::MavoTwin::with_variant(optics, v)),
        MeterKind::Pr650 | MeterKind::Pr655 | MeterKind::Pr670 => {
            Box::new(crate::photo_research::twin::PrTwin::with_variant(pr_model(kind), optics, v))
        }
        MeterKind::K10 => Box::new(crate::klein_k10::twin::K10Twin::with_variant(optics, v)),
        MeterKind::Spotread => {
            return Err(MeterError::Unsupported(
                "spotread has no twin; test it with a fake spotread program".into(),
            ));
        }
    })
}

pub(crate) fn ls_model(kind: MeterKind) -> crate::konica_ls::Model {
    match kind {
        MeterKind::Ls110 => crate::konica_ls::Model::Ls110,
        MeterKind::Cs100a => crate::konica_ls::Model::Cs100a,
        _ => crate::konica_ls::Model::Ls100,
    }
}

pub(crate) fn pr_model(kind: MeterKind) -> crate::photo_research::Model {
    match kind {
        MeterKind::Pr650 => crate::photo_research::Model::Pr650,
        MeterKind::Pr670 => crate::photo_research::Model::Pr670,
        _ => crate::photo_research::Model::Pr655,
    }
}

/// The demo's entry point: `name` is `sim-ls100`, `sim-ls110`,
/// `sim-cs100a`, `sim-cl200a`, `sim-t10a`, `sim-mavo`, `sim-pr650`,
/// `sim-pr655`, `sim-pr670` or `sim-k10`. The twin runs in a background
/// thread (behind a pty on Unix, in memory elsewhere) with the
/// instrument's real timing model; the returned driver is the real one,
/// connected to the other end.
pub fn open_simulated(
    name: &str,
    scene: Arc<dyn Scene + Send + Sync>,
    seed: u64,
) -> Result<Box<dyn Photometer + Send>, MeterError> {
    match name.parse::<MeterSelector>() {
        Ok(MeterSelector::Simulated(kind)) => {
            Ok(Box::new(spawn_simulated(kind, scene, seed, SimOptions::default())?))
        }
        _ => Err(MeterError::NotFound(format!(
            "{name:?} is not a simulated meter (try sim-ls100, sim-cl200a, ...)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_serial_kind_has_a_twin() {
        for kind in MeterKind::ALL {
            assert_eq!(SIMULATED_KINDS.contains(&kind), kind != MeterKind::Spotread, "{kind}");
        }
    }

    #[test]
    fn open_simulated_accepts_only_sim_names() {
        let scene = Arc::new(crate::SceneCell::new(crate::Stimulus {
            luminance_cd_m2: 100.0,
            chromaticity: crate::Chromaticity { x: 0.3127, y: 0.329 },
            illuminance_lx: 10.0,
        }));
        assert!(open_simulated("sim-ls100", scene.clone(), 1).is_ok());
        let err = open_simulated("ls100:/dev/ttyUSB0", scene, 1).err().unwrap();
        assert_eq!(err.kind(), crate::MeterErrorKind::NotFound);
    }

    /// The same twin and driver run in memory, as on Windows.
    #[test]
    fn every_twin_also_runs_in_memory() {
        let scene = Arc::new(crate::SceneCell::new(crate::Stimulus {
            luminance_cd_m2: 100.0,
            chromaticity: crate::Chromaticity { x: 0.3127, y: 0.329 },
            illuminance_lx: 100.0,
        }));
        for kind in SIMULATED_KINDS {
            for variant in [TwinVariant::Notes, TwinVariant::Documented] {
                let options = SimOptions {
                    time_scale: 0.05,
                    transport: SimTransport::Memory,
                    variant,
                    ..SimOptions::default()
                };
                let mut m = spawn_simulated(kind, scene.clone(), 3, options).unwrap();
                assert!(m.twin().path().starts_with("memory:"));
                let caps = m.capabilities();
                let q = if caps.luminance {
                    crate::Quantity::Luminance
                } else {
                    crate::Quantity::Illuminance
                };
                let r = m
                    .measure(
                        &MeasureRequest { quantity: q, budget: std::time::Duration::from_secs(10) },
                        &mut |_| {},
                    )
                    .unwrap_or_else(|e| panic!("{kind} {variant:?}: {e}"));
                assert!((r.value - 100.0).abs() < 2.0, "{kind} {variant:?}: {}", r.value);
            }
        }
    }
}
