//! The simulated bench: a display model and what a meter in front of it sees.
//!
//! [`SimulatedDisplay`] implements the drivers' [`Scene`], so the same
//! `Photometer` interface that talks to a real meter reads it. The session
//! code tells the display what it shows (a DDL at the measured spot, or
//! nothing: switched off) and where the meter is.

use std::sync::Mutex;

use monqc_drivers::{Scene, Stimulus};
use serde::{Deserialize, Serialize};

use crate::numbers::colour::Chromaticity;
use crate::numbers::gsdf;
use crate::numbers::measurement::{MeterSetup, Position};

/// The panel's transfer function from DDL to luminance.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Panel {
    /// Calibrated to the DICOM GSDF for the ambient light it was calibrated
    /// under: L' follows the GSDF evenly in JND from L'min to L'max.
    #[default]
    Gsdf,
    /// An uncalibrated gamma 2.2 panel: L = Lmin + (Lmax − Lmin)·(d/dmax)^2.2.
    Gamma22,
}

/// Everything that defines a simulated display and its room. In a site
/// file any field left out takes its default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisplayModel {
    /// Transfer function.
    pub panel: Panel,
    /// The panel's own maximum luminance (no ambient), cd/m².
    pub lmax_cd_m2: f64,
    /// The panel's own minimum luminance (no ambient), cd/m².
    pub lmin_cd_m2: f64,
    /// Bits per DDL.
    pub bit_depth: u8,
    /// Room illuminance at the display face, lx.
    pub illuminance_lx: f64,
    /// Diffuse reflection coefficient Rd of the display face, cd·m⁻²·lx⁻¹;
    /// Lamb = Rd · E.
    pub rd_cd_m2_per_lx: f64,
    /// Relative luminance fall-off at the corners (0.08 = corners 8 % darker).
    pub corner_falloff: f64,
    /// Relative temporal noise of the panel's light output (standard deviation).
    pub noise_relative: f64,
    /// Chromaticity of the white point at the centre.
    pub white: Chromaticity,
    /// Shift of x and y at the corners (colour non-uniformity).
    pub corner_chromaticity_shift: f64,
    /// Seed for the panel's noise.
    pub seed: u64,
}

impl Default for DisplayModel {
    /// A diagnostic LCD in a dim reading room, chosen to pass grade 1A with
    /// margin: 400 cd/m², black 0.55 cd/m², 50 lx on the face and
    /// Rd = 0.005 cd·m⁻²·lx⁻¹ (Lamb = 0.25 cd/m²), GSDF-calibrated, corners
    /// 6 % darker, D65 white. These are simulation choices, not values from
    /// a standard or a maker's data sheet.
    fn default() -> Self {
        Self {
            panel: Panel::Gsdf,
            lmax_cd_m2: 400.0,
            lmin_cd_m2: 0.55,
            bit_depth: 8,
            illuminance_lx: 50.0,
            rd_cd_m2_per_lx: 0.005,
            corner_falloff: 0.06,
            noise_relative: 0.001,
            white: Chromaticity { x: 0.3127, y: 0.3290 },
            corner_chromaticity_shift: 0.002,
            seed: 1,
        }
    }
}

impl DisplayModel {
    /// Lamb = Rd · E, in cd/m².
    pub fn lamb_cd_m2(&self) -> f64 {
        self.rd_cd_m2_per_lx * self.illuminance_lx
    }

    /// The display as a session header names it (panel, luminances, room).
    pub fn description(&self) -> String {
        format!(
            "simulated {} panel, {} cd/m² / {} cd/m², {} lx, Rd {}",
            match self.panel {
                Panel::Gsdf => "GSDF-calibrated",
                Panel::Gamma22 => "gamma 2.2",
            },
            self.lmax_cd_m2,
            self.lmin_cd_m2,
            self.illuminance_lx,
            self.rd_cd_m2_per_lx
        )
    }

    /// The highest DDL.
    pub fn full_scale(&self) -> u16 {
        ((1u32 << self.bit_depth) - 1) as u16
    }

    /// The panel's own luminance (no ambient) at `ddl`, at the centre, in cd/m².
    pub fn panel_luminance_cd_m2(&self, ddl: u16) -> f64 {
        let t = f64::from(ddl.min(self.full_scale())) / f64::from(self.full_scale());
        match self.panel {
            Panel::Gamma22 => self.lmin_cd_m2 + (self.lmax_cd_m2 - self.lmin_cd_m2) * t.powf(2.2),
            Panel::Gsdf => {
                // Calibrated so that L' = L + Lamb follows the GSDF.
                let lamb = self.lamb_cd_m2();
                let (j0, j1) = (
                    gsdf::jnd_index(self.lmin_cd_m2 + lamb).unwrap_or(gsdf::JND_INDEX_MIN),
                    gsdf::jnd_index(self.lmax_cd_m2 + lamb).unwrap_or(gsdf::JND_INDEX_MAX),
                );
                let j = (j0 + t * (j1 - j0)).clamp(gsdf::JND_INDEX_MIN, gsdf::JND_INDEX_MAX);
                gsdf::luminance_cd_m2(j).expect("clamped") - lamb
            }
        }
    }

    fn position_factor(&self, position: Position) -> f64 {
        match position {
            Position::Centre => 1.0,
            // Corners differ a little from each other, as real panels do.
            Position::TopLeft => 1.0 - self.corner_falloff,
            Position::TopRight => 1.0 - 0.8 * self.corner_falloff,
            Position::BottomLeft => 1.0 - 0.9 * self.corner_falloff,
            Position::BottomRight => 1.0 - 0.7 * self.corner_falloff,
        }
    }

    fn chromaticity_at(&self, position: Position) -> Chromaticity {
        let s = self.corner_chromaticity_shift;
        let (dx, dy) = match position {
            Position::Centre => (0.0, 0.0),
            Position::TopLeft => (s, s),
            Position::TopRight => (-s, 0.5 * s),
            Position::BottomLeft => (0.5 * s, -s),
            Position::BottomRight => (-0.5 * s, -0.5 * s),
        };
        Chromaticity { x: self.white.x + dx, y: self.white.y + dy }
    }
}

/// What the display shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// The display is switched off (for the ambient reading).
    Off,
    /// A pattern whose area under the meter has this DDL.
    Ddl(u16),
}

struct State {
    shown: Shown,
    position: Position,
    rng: fastrand::Rng,
}

/// A display model plus its current state, readable by simulated meters.
pub struct SimulatedDisplay {
    model: DisplayModel,
    setup: MeterSetup,
    state: Mutex<State>,
}

impl SimulatedDisplay {
    /// A display from `model`, looked at by a meter in `setup`.
    pub fn new(model: DisplayModel, setup: MeterSetup) -> Self {
        let rng = fastrand::Rng::with_seed(model.seed);
        Self {
            model,
            setup,
            state: Mutex::new(State { shown: Shown::Off, position: Position::Centre, rng }),
        }
    }

    /// The model.
    pub fn model(&self) -> &DisplayModel {
        &self.model
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another thread panicked mid-update of
        // plain values; the state is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Show `what`.
    pub fn show(&self, what: Shown) {
        self.state().shown = what;
    }

    /// Put the meter at `position`.
    pub fn move_meter(&self, position: Position) {
        self.state().position = position;
    }
}

impl Scene for SimulatedDisplay {
    fn stimulus(&self) -> Stimulus {
        let m = &self.model;
        let mut state = self.state();
        // Box–Muller for the panel's temporal noise.
        let (u1, u2) = (1.0 - state.rng.f64(), state.rng.f64());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let panel = match state.shown {
            Shown::Off => 0.0,
            Shown::Ddl(d) => {
                m.panel_luminance_cd_m2(d)
                    * m.position_factor(state.position)
                    * (1.0 + m.noise_relative * z)
            }
        };
        let ambient = if self.setup.readings_include_ambient() { m.lamb_cd_m2() } else { 0.0 };
        Stimulus {
            luminance_cd_m2: panel + ambient,
            chromaticity: {
                let c = m.chromaticity_at(state.position);
                monqc_drivers::Chromaticity { x: c.x, y: c.y }
            },
            illuminance_lx: m.illuminance_lx,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsdf_panel_hits_its_end_points() {
        let m = DisplayModel::default();
        assert!((m.panel_luminance_cd_m2(0) - m.lmin_cd_m2).abs() < 1e-6);
        assert!((m.panel_luminance_cd_m2(255) - m.lmax_cd_m2).abs() < 1e-6);
        let g = DisplayModel { panel: Panel::Gamma22, ..m };
        assert!((g.panel_luminance_cd_m2(255) - g.lmax_cd_m2).abs() < 1e-9);
        // Against the GSDF, gamma 2.2 crushes the darkest steps and is too
        // bright in the lower middle: the shape Kδ must catch.
        let gsdf = DisplayModel::default();
        assert!(g.panel_luminance_cd_m2(15) < 0.9 * gsdf.panel_luminance_cd_m2(15));
        assert!(g.panel_luminance_cd_m2(64) > 1.5 * gsdf.panel_luminance_cd_m2(64));
    }

    #[test]
    fn telescopic_meter_sees_ambient_contact_meter_does_not() {
        let model = DisplayModel { noise_relative: 0.0, ..DisplayModel::default() };
        let tele = SimulatedDisplay::new(model.clone(), MeterSetup::Telescopic);
        let contact = SimulatedDisplay::new(model.clone(), MeterSetup::Contact);
        tele.show(Shown::Off);
        contact.show(Shown::Off);
        assert!((tele.stimulus().luminance_cd_m2 - model.lamb_cd_m2()).abs() < 1e-12);
        assert_eq!(contact.stimulus().luminance_cd_m2, 0.0);
        tele.show(Shown::Ddl(255));
        assert!((tele.stimulus().luminance_cd_m2 - 400.25).abs() < 1e-9);
    }
}
