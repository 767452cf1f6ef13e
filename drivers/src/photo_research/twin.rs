//! A simulated PR-650 or PR-655/670: remote mode entered by `PHOTO` (and
//! answered only once until `Q`), `SU`/`S` set-up, `D11x` identity, `M1`
//! (PR-655/670) or `M0` + `D2` (PR-650), an adaptive exposure that grows
//! in low light, too-dark and too-bright statuses, −2000 to an unknown data
//! code.
//!
//! The strict twin ([`TwinVariant::Documented`]) speaks what the public
//! sources say where the notes assumed (PROTOCOLS.md): the PR-655/670
//! answer `PHOTO` with ` REMOTE MODE` and no line end, write `M1` in the
//! manual's layout (`00000,0,2.041e+01,0.4089,0.4151`) and report too much
//! light as −2 (overload); the PR-650 misses the first command after the
//! port opens, and answers its set-up command with the D201 report (`201
//! 00`) rather than a bare status.

use std::time::Duration;

use super::Model;
use super::codec::{self, Dialect, Measurement};
use crate::twin::{DeviceTwin, Optics, TwinAction, TwinVariant};

/// Serial number the twin reports.
pub const SERIAL: &str = "65551234";

/// Exposure time, a model \[A\]: 0.5 s of overhead plus 2 cd·s/m² divided by
/// the luminance, capped at the model's longest exposure (6 s or 30 s,
/// PROTOCOLS.md). Not measured on an instrument.
pub fn measuring_time(model: Model, luminance_cd_m2: f64) -> Duration {
    let exposure = Duration::from_secs_f64((2.0 / luminance_cd_m2.max(1e-9)).min(1e6));
    Duration::from_millis(500) + exposure.min(model.max_exposure())
}

/// Measuring range in cd/m² \[A\]: below it the twin answers "too dark",
/// above it "too bright".
pub fn range_cd_m2(model: Model) -> (f64, f64) {
    match model {
        Model::Pr650 | Model::Pr655 => (0.05, 100_000.0),
        Model::Pr670 => (0.0005, 100_000.0),
    }
}

/// The simulated meter.
pub struct PrTwin {
    model: Model,
    optics: Optics,
    variant: TwinVariant,
    input: Vec<u8>,
    remote: bool,
    answered_photo: bool,
    heard_anything: bool,
    held: Option<Measurement>,
    /// The units field of every measurement reply: 0 (luminance) unless a
    /// test fits another receptor (1 illuminance, 2 uncalibrated; 111 or
    /// 112 on the PR-655/670).
    pub units_code: i32,
}

impl PrTwin {
    /// A twin of `model` looking through `optics`.
    pub fn new(model: Model, optics: Optics) -> Self {
        Self::with_variant(model, optics, TwinVariant::Notes)
    }

    /// A twin of `model` in the given variant.
    pub fn with_variant(model: Model, optics: Optics, variant: TwinVariant) -> Self {
        Self {
            model,
            optics,
            variant,
            input: Vec::new(),
            remote: false,
            answered_photo: false,
            heard_anything: false,
            held: None,
            units_code: 0,
        }
    }

    fn strict(&self) -> bool {
        self.variant == TwinVariant::Documented
    }

    fn line(text: &str) -> TwinAction {
        TwinAction::Send(format!("{text}\r\n").into_bytes())
    }

    /// Measure now: an integration, then the status and values.
    fn measure(&mut self) -> (TwinAction, Measurement) {
        let s = self.optics.stimulus();
        let l = s.luminance_cd_m2;
        let integrate = TwinAction::Integrate(self.optics.scaled(measuring_time(self.model, l)));
        let (min, max) = range_cd_m2(self.model);
        let code = if l < min {
            if self.model == Model::Pr670 { -8 } else { 10 }
        } else if l > max {
            // −2 "light overload" is the PR-655/670 manual's code; 19 is
            // what Mcalibrator handles as too bright.
            if self.strict() && self.model.dialect() == Dialect::Pr6x5 { -2 } else { 19 }
        } else {
            0
        };
        let y = l * self.optics.noise();
        let (cx, cy) = (s.chromaticity.x, s.chromaticity.y);
        let values = match self.model.dialect() {
            Dialect::Pr6x5 => [y, cx, cy],
            // X, Y, Z from Y, x, y.
            Dialect::Pr650 => [cx / cy * y, y, (1.0 - cx - cy) / cy * y],
        };
        (integrate, Measurement { code, units: self.units_code, values })
    }

    fn command(&mut self, command: &str) -> Vec<TwinAction> {
        let upper = command.to_ascii_uppercase();
        match (self.model.dialect(), upper.as_str()) {
            (Dialect::Pr6x5, c) if c.starts_with("SU") => vec![Self::line("0")],
            (Dialect::Pr6x5, "D110") => vec![Self::line(&format!("0,{SERIAL}"))],
            (Dialect::Pr6x5, "D111") => vec![Self::line(&format!("0,{}", self.model.name()))],
            (Dialect::Pr6x5, "D114") => vec![Self::line("0,1.00")],
            (Dialect::Pr6x5, "M1") => {
                let (integrate, m) = self.measure();
                let reply = if self.strict() {
                    codec::encode_m1_documented(&m)
                } else {
                    codec::encode_measurement(&m)
                };
                vec![integrate, TwinAction::Send(reply)]
            }
            // An unknown data code: −2000 "no such D code" [O].
            (Dialect::Pr6x5, c) if c.starts_with('D') => vec![Self::line("-2000")],
            (Dialect::Pr650, "D201") => vec![Self::line("00")],
            (Dialect::Pr650, c) if c.starts_with('S') => {
                vec![Self::line(if self.strict() { "201 00" } else { "000" })]
            }
            (Dialect::Pr650, "M0") => {
                let (integrate, m) = self.measure();
                self.held = Some(m);
                vec![integrate, Self::line(&format!("{:03}", m.code))]
            }
            (Dialect::Pr650, "D2") => match self.held {
                Some(m) => vec![TwinAction::Send(codec::encode_measurement(&m))],
                None => vec![Self::line("-1")],
            },
            // Unknown commands: no reply [A].
            _ => Vec::new(),
        }
    }

    fn on_pr6x5_bytes(&mut self) -> Vec<TwinAction> {
        let mut actions = Vec::new();
        loop {
            if !self.remote {
                // Out of remote mode the meter only listens for PHOTO.
                if self.input.first() == Some(&b'Q') {
                    self.input.remove(0);
                    self.answered_photo = false;
                    continue;
                }
                let Some(i) = find(&self.input, codec::ENTER_REMOTE) else {
                    let keep = self.input.len().saturating_sub(codec::ENTER_REMOTE.len());
                    self.input.drain(..keep);
                    return actions;
                };
                self.input.drain(..i + codec::ENTER_REMOTE.len());
                if !self.answered_photo {
                    // The first PHOTO after power-up or Q is answered [O]:
                    // with a line end in the notes twin, without one in the
                    // strict twin (12 bytes, as two drivers read it).
                    let answer: &[u8] =
                        if self.strict() { b" REMOTE MODE" } else { b" REMOTE MODE\r\n" };
                    actions.push(TwinAction::Send(answer.to_vec()));
                    self.answered_photo = true;
                }
                self.remote = true;
                continue;
            }
            if self.input.first() == Some(&b'Q') {
                self.input.remove(0);
                self.remote = false;
                self.answered_photo = false;
                continue;
            }
            let Some(i) = self.input.iter().position(|&b| b == b'\r') else { return actions };
            let line: Vec<u8> = self.input.drain(..=i).collect();
            let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
            actions.extend(self.command(text.trim()));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl DeviceTwin for PrTwin {
    fn on_input(&mut self, bytes: &[u8]) -> Vec<TwinAction> {
        self.input.extend_from_slice(bytes);
        match self.model.dialect() {
            Dialect::Pr6x5 => self.on_pr6x5_bytes(),
            Dialect::Pr650 => crate::twin::take_lines(&mut self.input, b'\n')
                .iter()
                .flat_map(|l| {
                    // The strict PR-650 misses the first command after the
                    // port opens (first contact through an adapter) [O].
                    let first = !self.heard_anything;
                    self.heard_anything = true;
                    if first && self.strict() {
                        return Vec::new();
                    }
                    let text = String::from_utf8_lossy(l).trim().to_owned();
                    self.command(&text)
                })
                .collect(),
        }
    }
}
