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
use crate::records::values::{self, ValueError};

/// The largest corner fall-off a simulated panel may have (0.5: corners at
/// half the centre's luminance; real panels are within a few tens of %).
pub const MAX_CORNER_FALLOFF: f64 = 0.5;
/// The largest relative noise of a simulated panel (0.1 = 10 %): with more,
/// a reading of a patch could fall below zero.
pub const MAX_NOISE_RELATIVE: f64 = 0.1;
/// The largest shift of x and y at the corners of a simulated panel.
pub const MAX_CORNER_CHROMATICITY_SHIFT: f64 = 0.05;

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
        values::full_scale(self.bit_depth)
    }

    /// Check that the model is a display that can exist and be measured:
    /// every number finite, 0 ≤ Lmin < Lmax, 8 or 10 bits, a room with a
    /// non-negative illuminance and an Rd in (0, 1/π], corners darker by
    /// less than [`MAX_CORNER_FALLOFF`], noise at most [`MAX_NOISE_RELATIVE`]
    /// and chromaticities inside the spectrum locus (REDTEAM X1, D7: a
    /// 0-bit panel divided by zero, a NaN noise was journalled as `null`).
    /// `name` gives each field's name in messages (the flag `--noise` for
    /// `noise_relative`, or `display d1: simulation.noise_relative`).
    pub fn check(&self, name: &dyn Fn(&str) -> String) -> Result<(), ValueError> {
        let field = |f: &str| name(f);
        values::luminance(&field("lmax_cd_m2"), self.lmax_cd_m2)?;
        values::luminance(&field("lmin_cd_m2"), self.lmin_cd_m2)?;
        if self.lmin_cd_m2 >= self.lmax_cd_m2 {
            return Err(ValueError {
                what: field("lmin_cd_m2"),
                value: values::number(self.lmin_cd_m2),
                problem: format!(
                    "the minimum luminance must be below the maximum, {} cd/m²",
                    values::number(self.lmax_cd_m2)
                ),
            });
        }
        values::bit_depth(&field("bit_depth"), self.bit_depth)?;
        values::illuminance(&field("illuminance_lx"), self.illuminance_lx)?;
        values::rd(&field("rd_cd_m2_per_lx"), self.rd_cd_m2_per_lx)?;
        let fraction = |name: &str, v: f64, max: f64, meaning: &str| {
            if v.is_finite() && (0.0..=max).contains(&v) {
                Ok(())
            } else {
                Err(ValueError {
                    what: field(name),
                    value: values::number(v),
                    problem: format!("give a fraction from 0 to {max} ({meaning})"),
                })
            }
        };
        fraction(
            "corner_falloff",
            self.corner_falloff,
            MAX_CORNER_FALLOFF,
            "0.06 = corners 6 % darker",
        )?;
        fraction(
            "noise_relative",
            self.noise_relative,
            MAX_NOISE_RELATIVE,
            "0.001 = 0.1 % standard deviation",
        )?;
        fraction(
            "corner_chromaticity_shift",
            self.corner_chromaticity_shift.abs(),
            MAX_CORNER_CHROMATICITY_SHIFT,
            "the shift of x and y at the corners",
        )?;
        values::chromaticity(&field("white"), self.white)?;
        for p in Position::FIVE {
            values::chromaticity(
                &field(&format!("chromaticity at the {p}")),
                self.chromaticity_at(p),
            )?;
        }
        Ok(())
    }

    /// The panel's own luminance (no ambient) at `ddl`, at the centre, in cd/m².
    pub fn panel_luminance_cd_m2(&self, ddl: u16) -> f64 {
        // A 0-bit model (refused by `check`) has one level: never 0/0.
        let t = match self.full_scale() {
            0 => 0.0,
            full => f64::from(ddl.min(full)) / f64::from(full),
        };
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
                // NaN only from non-finite model values, which `check`
                // refuses; the journal refuses a NaN reading too.
                gsdf::luminance_cd_m2(j).unwrap_or(f64::NAN) - lamb
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

    /// REDTEAM X1 and D7: a 0-bit panel panicked mid-session; NaN noise
    /// was journalled as `null`; negative noise and a fall-off of 2 gave
    /// negative luminance.
    #[test]
    fn a_model_that_cannot_exist_is_refused_with_the_field_named() {
        let ok = DisplayModel::default();
        let name = |f: &str| format!("model: {f}");
        ok.check(&name).unwrap();
        let cases: Vec<(DisplayModel, &str)> = vec![
            (DisplayModel { bit_depth: 0, ..ok.clone() }, "model: bit_depth 0: use 8 or 10"),
            (DisplayModel { bit_depth: 32, ..ok.clone() }, "model: bit_depth 32"),
            (DisplayModel { noise_relative: f64::NAN, ..ok.clone() }, "noise_relative NaN"),
            (DisplayModel { noise_relative: -1.0, ..ok.clone() }, "noise_relative -1"),
            (DisplayModel { noise_relative: 10.0, ..ok.clone() }, "noise_relative 10"),
            (DisplayModel { corner_falloff: 2.0, ..ok.clone() }, "corner_falloff 2"),
            (DisplayModel { corner_falloff: f64::NAN, ..ok.clone() }, "corner_falloff NaN"),
            (
                DisplayModel { lmin_cd_m2: 500.0, ..ok.clone() },
                "must be below the maximum, 400 cd/m²",
            ),
            (DisplayModel { lmax_cd_m2: f64::INFINITY, ..ok.clone() }, "lmax_cd_m2 inf"),
            (DisplayModel { illuminance_lx: -50.0, ..ok.clone() }, "illuminance_lx -50"),
            (DisplayModel { rd_cd_m2_per_lx: -1.0, ..ok.clone() }, "rd_cd_m2_per_lx -1"),
            (DisplayModel { white: Chromaticity { x: 1.5, y: 0.0 }, ..ok.clone() }, "white x 1.5"),
            (DisplayModel { corner_chromaticity_shift: 0.3, ..ok.clone() }, "shift 0.3"),
        ];
        for (model, want) in cases {
            let err = model.check(&name).unwrap_err().to_string();
            assert!(err.contains(want), "want {want:?}: {err}");
        }
        // Used unchecked, a 0-bit model no longer panics (0/0 before).
        let unchecked = DisplayModel { bit_depth: 0, ..ok };
        assert!((unchecked.panel_luminance_cd_m2(0) - unchecked.lmin_cd_m2).abs() < 1e-6);
        let unchecked = DisplayModel { rd_cd_m2_per_lx: f64::NAN, ..unchecked };
        assert!(unchecked.panel_luminance_cd_m2(0).is_nan(), "NaN, for the journal to refuse");
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
