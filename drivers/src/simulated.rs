//! Real drivers connected to simulated twins over a pseudo-terminal: the
//! demo's meters and the tests' devices.

use std::sync::Arc;

use crate::twin::{self, DeviceTwin, Fault, Optics, TwinHandle};
use crate::{
    Capabilities, DeviceInfo, MeasureRequest, MeterError, MeterKind, MeterSelector, Photometer,
    Progress, Reading, Scene,
};

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
}

impl Default for SimOptions {
    fn default() -> Self {
        Self { fault: Fault::None, time_scale: 1.0, noise_relative: 0.002, ls_sulk: false }
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

/// Start the twin of `kind` looking at `scene` on a new pseudo-terminal and
/// connect the real driver to it.
pub fn spawn_simulated(
    kind: MeterKind,
    scene: Arc<dyn Scene + Send + Sync>,
    seed: u64,
    options: SimOptions,
) -> Result<SimulatedMeter, MeterError> {
    let mut optics = Optics::new(scene, seed);
    optics.time_scale = options.time_scale;
    optics.noise_relative = options.noise_relative;
    let scale = options.time_scale;
    let device: Box<dyn DeviceTwin> = match kind {
        MeterKind::Ls100 | MeterKind::Ls110 | MeterKind::Cs100a => {
            let mut t = crate::konica_ls::twin::LsTwin::new(ls_model(kind), optics);
            t.sulk_if_first_reading_dark = options.ls_sulk;
            Box::new(t)
        }
        MeterKind::Cl200a => {
            Box::new(crate::konica_cl::twin::ClTwin::new(crate::konica_cl::Model::Cl200a, optics))
        }
        MeterKind::T10a => {
            Box::new(crate::konica_cl::twin::ClTwin::new(crate::konica_cl::Model::T10a, optics))
        }
        MeterKind::Mavo => Box::new(crate::gossen_mavo::twin::MavoTwin::new(optics)),
        MeterKind::Pr650 | MeterKind::Pr655 | MeterKind::Pr670 => {
            Box::new(crate::photo_research::twin::PrTwin::new(pr_model(kind), optics))
        }
        MeterKind::K10 => Box::new(crate::klein_k10::twin::K10Twin::new(optics)),
        MeterKind::Spotread => {
            return Err(MeterError::Unsupported(
                "spotread has no twin; test it with a fake spotread program".into(),
            ));
        }
    };
    let twin = twin::spawn(device, options.fault)?;
    let meter = crate::open_serial(kind, twin.path(), scale)?;
    Ok(SimulatedMeter { meter, twin })
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
/// `sim-pr655`, `sim-pr670` or `sim-k10`. The twin runs on a pty in a
/// background thread with the instrument's real timing model; the returned
/// driver is the real one, connected to the other end.
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
}
