//! A simulated MAVO-MONITOR USB speaking the lines of [`super::codec`]:
//! echo on until `ECHO OFF`, long and short command forms in any case, a
//! free-running 2 s sampling cycle, `ERROR = nnn` replies for unknown
//! commands, a refused illuminance unit (wrong sensor, 202) and over range
//! (019).

use std::time::Instant;

use super::SAMPLE_PERIOD;
use super::codec::{self, PhotoValue, Unit};
use crate::twin::{DeviceTwin, Optics, TwinAction, take_lines};

/// The identity the twin reports: the vendor document's example reply \[V\].
pub const IDENTITY: &str = "*IDN GOSSEN,M 502, 20387,01,V 1.00";

/// Highest value the display format allows, `1999E03` \[V\].
pub const MAX_VALUE: f64 = 1999e3;

/// The simulated meter.
pub struct MavoTwin {
    optics: Optics,
    input: Vec<u8>,
    echo: bool,
    unit: Unit,
    cycle_start: Instant,
    sample: Option<(u64, f64)>,
}

impl MavoTwin {
    /// A MAVO-MONITOR looking through `optics`.
    pub fn new(optics: Optics) -> Self {
        Self {
            optics,
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
            ("ECHO", "ON" | "OFF") => {
                self.echo = parameter == "ON";
                vec![Self::line(&command)]
            }
            ("RAN:AUTO" | "RANGE:AUTO", "ON" | "OFF") => vec![Self::line(&command)],
            ("UNI:PHOT" | "UNIT:PHOTO", token) => match Unit::from_token(token) {
                None => vec![Self::error(104)],
                // A MAVO-MONITOR has a luminance sensor only [A].
                Some(Unit::Lux | Unit::Footcandle) => vec![Self::error(202)],
                Some(unit) => {
                    self.unit = unit;
                    vec![Self::line(&command)]
                }
            },
            ("?" | "PHO?" | "PHOT?" | "MEAS:PHOT?" | "MEASURE:PHOTO?", "") => {
                let mut actions = Vec::new();
                let value = self.sample(&mut actions) / self.unit.to_si();
                if value > MAX_VALUE {
                    actions.push(Self::error(19));
                    return actions;
                }
                let text = codec::encode_value(&PhotoValue { value, unit: self.unit });
                let text = if self.echo { format!("{command} {text}") } else { text };
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
