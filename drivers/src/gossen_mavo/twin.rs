//! A simulated MAVO-MONITOR USB speaking the lines of [`super::codec`]:
//! echo on until `ECHO OFF`, long and short command forms in any case, a
//! free-running 2 s sampling cycle, `ERROR = nnn` replies for unknown
//! commands, a refused illuminance unit (wrong sensor, 202) and over range
//! (019).
//!
//! The notes twin echoes every setting whole, whatever the echo state, and
//! writes values as the document's examples do (`1234E-01 CD_M2`). The
//! strict twin ([`TwinVariant::Documented`]) answers settings with the
//! parameter alone once echo is off (the document's "Response" rows), never
//! echoes `?` (the C# library expects none), and writes values in the
//! document's format line, with a blank before the exponent (` 1234 E-01
//! CD_M2`).

use std::time::Instant;

use super::SAMPLE_PERIOD;
use super::codec::{self, PhotoValue, Unit};
use crate::twin::{DeviceTwin, Optics, TwinAction, TwinVariant, take_lines};

/// The identity the twin reports: the vendor document's example reply \[V\].
pub const IDENTITY: &str = "*IDN GOSSEN,M 502, 20387,01,V 1.00";

/// Highest value the display format allows, `1999E03` \[V\].
pub const MAX_VALUE: f64 = 1999e3;

/// The simulated meter.
pub struct MavoTwin {
    optics: Optics,
    variant: TwinVariant,
    input: Vec<u8>,
    echo: bool,
    unit: Unit,
    cycle_start: Instant,
    sample: Option<(u64, f64)>,
}

impl MavoTwin {
    /// A MAVO-MONITOR looking through `optics`.
    pub fn new(optics: Optics) -> Self {
        Self::with_variant(optics, TwinVariant::Notes)
    }

    /// A MAVO-MONITOR in the given variant.
    pub fn with_variant(optics: Optics, variant: TwinVariant) -> Self {
        Self {
            optics,
            variant,
            input: Vec::new(),
            echo: true,
            unit: Unit::CandelaPerSquareMetre,
            cycle_start: Instant::now(),
            sample: None,
        }
    }

    fn line(text: &str) -> TwinAction {
        TwinAction::Send(format!("{text}\n").into_bytes())
    }

    fn error(code: u16) -> TwinAction {
        Self::line(&format!("ERROR = {code:03}"))
    }

    /// The answer to a setting: the whole command while echo is on (and
    /// always in the notes twin), the parameter alone otherwise.
    fn acknowledge(&self, command: &str, parameter: &str) -> TwinAction {
        if self.echo || self.variant == TwinVariant::Notes {
            Self::line(command)
        } else {
            Self::line(parameter)
        }
    }

    fn answer(&mut self, raw: &[u8]) -> Vec<TwinAction> {
        if raw.len() + 1 > codec::MAX_COMMAND_LEN {
            return vec![Self::error(4)];
        }
        if raw.iter().any(|&b| b >= 0x80) {
            return vec![Self::error(3)];
        }
        let command = String::from_utf8_lossy(raw).trim().to_ascii_uppercase();
        let (header, parameter) = match command.split_once(' ') {
            Some((h, p)) => (h, p.trim()),
            None => (command.as_str(), ""),
        };
        match (header, parameter) {
            ("*IDN?", "") => vec![Self::line(IDENTITY)],
            // The document's example answers `echo off` with `ECHO OFF`.
            ("ECHO", "ON" | "OFF") => {
                self.echo = parameter == "ON";
                vec![Self::line(&command)]
            }
            ("RAN:AUTO" | "RANGE:AUTO", "ON" | "OFF") => {
                vec![self.acknowledge(&command, parameter)]
            }
            ("UNI:PHOT" | "UNIT:PHOTO", token) => match Unit::from_token(token) {
                None => vec![Self::error(104)],
                // A MAVO-MONITOR has a luminance sensor only [A].
                Some(Unit::Lux | Unit::Footcandle) => vec![Self::error(202)],
                Some(unit) => {
                    self.unit = unit;
                    vec![self.acknowledge(&command, parameter)]
                }
            },
            ("?" | "PHO?" | "PHOT?" | "MEAS:PHOT?" | "MEASURE:PHOTO?", "") => {
                let mut actions = Vec::new();
                let value = self.sample(&mut actions) / self.unit.to_si();
                if value > MAX_VALUE {
                    actions.push(Self::error(19));
                    return actions;
                }
                let value = PhotoValue { value, unit: self.unit };
                let text = match self.variant {
                    TwinVariant::Notes => codec::encode_value(&value),
                    TwinVariant::Documented => codec::encode_value_spaced(&value),
                };
                // `?` has no echo in the strict twin: the C# library, run on
                // a real Mavolux with echo on, strips none from it.
                let echo = self.echo && (self.variant == TwinVariant::Notes || header != "?");
                let text = if echo { format!("{command} {text}") } else { text };
                actions.push(Self::line(&text));
                actions
            }
            _ => vec![Self::error(101)],
        }
    }

    /// The latest sample of the free-running cycle, in cd/m².
    fn sample(&mut self, actions: &mut Vec<TwinAction>) -> f64 {
        let period = self.optics.scaled(SAMPLE_PERIOD);
        let index = (self.cycle_start.elapsed().as_nanos() / period.as_nanos().max(1)) as u64;
        match self.sample {
            Some((i, v)) if i == index => v,
            _ => {
                let v = self.optics.stimulus().luminance_cd_m2 * self.optics.noise();
                self.sample = Some((index, v));
                actions.push(TwinAction::Sampled(period));
                v
            }
        }
    }
}

impl DeviceTwin for MavoTwin {
    fn on_input(&mut self, bytes: &[u8]) -> Vec<TwinAction> {
        self.input.extend_from_slice(bytes);
        take_lines(&mut self.input, b'\n').iter().flat_map(|l| self.answer(l)).collect()
    }
}
