//! A simulated LS-100 / LS-110 / CS-100A that speaks the bytes of
//! [`super::codec`], including its error replies, its range limits, the
//! "sulk" after a dark first reading, and a low-light timing model.
//!
//! The strict variant ([`TwinVariant::Documented`]) differs where the notes
//! assumed (PROTOCOLS.md): it answers the first command after power-up
//! with `ER00` (the reason PsychoPy re-sends `MDS,04`), writes the
//! luminance sign first with blanks after it (`+  80.12`), and on a
//! chromaticity beyond range answers `OK11` with `+.0000` for x and y.

use std::time::Duration;

use super::Model;
use super::codec::{self, Measurement, Status};
use crate::twin::{DeviceTwin, Optics, TwinAction, TwinVariant, take_lines};

/// The simulated meter.
pub struct LsTwin {
    model: Model,
    optics: Optics,
    variant: TwinVariant,
    input: Vec<u8>,
    answered_once: bool,
    absolute_mode: bool,
    measured_once: bool,
    sulking: bool,
    /// Model the LS-100's "sulk" (PROTOCOLS.md quirks, PsychoPy \[O\]): if
    /// the first reading after connecting is very dark, the meter stops
    /// answering until it is restarted. Off by default so that demos start
    /// on any patch; tests switch it on.
    pub sulk_if_first_reading_dark: bool,
}

impl LsTwin {
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
            answered_once: false,
            absolute_mode: false,
            measured_once: false,
            sulking: false,
            sulk_if_first_reading_dark: false,
        }
    }

    fn answer(&mut self, line: &[u8]) -> Vec<TwinAction> {
        if self.sulking {
            return Vec::new();
        }
        // A 7-bit line carries nothing with bit 7 set.
        if line.iter().any(|&b| b >= 0x80) {
            return vec![TwinAction::Send(codec::encode_status(Status::CommandError))];
        }
        // First contact: the line settles after power-up and the first
        // command is garbled (why PsychoPy re-sends `MDS,04`) [O].
        let first = !self.answered_once;
        self.answered_once = true;
        if first && self.variant == TwinVariant::Documented {
            return vec![TwinAction::Send(codec::encode_status(Status::CommandError))];
        }
        match line {
            b"MES" => self.measure(),
            [b'M', b'D', b'S', b',', a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
                let mode = (a - b'0') * 10 + (b - b'0');
                // LS-100 modes 04, 08, 09; CS-100A modes 00, 01, 04–07
                // (PROTOCOLS.md [O]).
                let valid = match self.model {
                    Model::Cs100a => matches!(mode, 0 | 1 | 4..=7),
                    Model::Ls100 | Model::Ls110 => matches!(mode, 4 | 8 | 9),
                };
                if !valid {
                    return vec![TwinAction::Send(codec::encode_status(Status::SettingError))];
                }
                self.absolute_mode = mode == 4;
                vec![TwinAction::Send(codec::encode_status(Status::Normal))]
            }
            _ => vec![TwinAction::Send(codec::encode_status(Status::CommandError))],
        }
    }

    fn measure(&mut self) -> Vec<TwinAction> {
        if !self.absolute_mode {
            return vec![TwinAction::Send(codec::encode_status(Status::SettingError))];
        }
        let stimulus = self.optics.stimulus();
        let l = stimulus.luminance_cd_m2;
        let first = !self.measured_once;
        self.measured_once = true;
        let integrate = TwinAction::Integrate(self.optics.scaled(integration_time(self.model, l)));
        if first && self.sulk_if_first_reading_dark && l < SULK_BELOW_CD_M2 {
            self.sulking = true;
            return vec![integrate];
        }
        let (min, max) = self.model.range_cd_m2();
        let colour = self.model == Model::Cs100a;
        let reply = if l > max {
            codec::encode_status(Status::MeasuringRangeOver)
        } else {
            let (x, y) = (stimulus.chromaticity.x, stimulus.chromaticity.y);
            let chroma_in_range =
                CHROMATICITY_RANGE.contains(&x) && CHROMATICITY_RANGE.contains(&y);
            let status = if l < min {
                Status::BelowRange
            } else if colour && !chroma_in_range {
                Status::ChromaticityBeyondRange
            } else {
                Status::Normal
            };
            let xy = (colour && status != Status::ChromaticityBeyondRange).then_some((x, y));
            let value = (l * self.optics.noise()).max(0.0);
            let m = Measurement { status, luminance_cd_m2: value, xy };
            match self.variant {
                TwinVariant::Notes => codec::encode_measurement(&m, colour),
                TwinVariant::Documented => codec::encode_measurement_signed(&m, colour),
            }
        };
        vec![integrate, TwinAction::Send(reply)]
    }
}

/// x and y the simulated CS-100A reports; outside it answers `OK11`. The
/// meter's own limits are not in the public sources; these are ours \[A\].
pub const CHROMATICITY_RANGE: std::ops::RangeInclusive<f64> = 0.05..=0.8;

/// Below this a first reading makes the simulated LS-100 sulk. PsychoPy
/// says only "very dark"; the figure is ours \[A\].
const SULK_BELOW_CD_M2: f64 = 0.1;

/// Time for one `MES`, a model \[A\]: the CS-100A's slow response is about
/// 0.4 s (mode 07, PROTOCOLS.md \[O\]) and SweepMe reports 1–2 s per
/// reading overall; we take 0.4 s at or above 10 cd/m² and add 0.4 s per
/// decade below, up to 2 s. Not measured on an instrument.
pub fn integration_time(_model: Model, luminance_cd_m2: f64) -> Duration {
    let decades_below = (10.0f64.log10() - luminance_cd_m2.max(1e-6).log10()).max(0.0);
    Duration::from_secs_f64((0.4 + 0.4 * decades_below).min(2.0))
}

impl DeviceTwin for LsTwin {
    fn on_input(&mut self, bytes: &[u8]) -> Vec<TwinAction> {
        self.input.extend_from_slice(bytes);
        take_lines(&mut self.input, b'\n').iter().flat_map(|l| self.answer(l)).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Chromaticity, SceneCell, Stimulus};

    fn replies(t: &mut LsTwin, bytes: &[u8]) -> Vec<Vec<u8>> {
        t.on_input(bytes)
            .into_iter()
            .filter_map(|a| match a {
                TwinAction::Send(b) => Some(b),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn refuses_bad_modes_8_bit_bytes_and_measuring_before_setup() {
        let scene = Arc::new(SceneCell::new(Stimulus {
            luminance_cd_m2: 50.0,
            chromaticity: Chromaticity { x: 0.3127, y: 0.329 },
            illuminance_lx: 0.0,
        }));
        let mut t = LsTwin::new(Model::Ls100, Optics::new(scene, 1));
        assert_eq!(replies(&mut t, b"MES\r\n"), vec![b"ER01\r\n".to_vec()]);
        assert_eq!(replies(&mut t, b"MDS,05\r\n"), vec![b"ER01\r\n".to_vec()]);
        assert_eq!(replies(&mut t, b"MD\xD3,04\r\n"), vec![b"ER00\r\n".to_vec()]);
        // Split across writes, as a slow line delivers it.
        assert!(replies(&mut t, b"MDS,").is_empty());
        assert_eq!(replies(&mut t, b"04\r\n"), vec![b"OK00\r\n".to_vec()]);
        assert!(replies(&mut t, b"MES\r\n")[0].starts_with(b"OK00,"));
    }

    #[test]
    fn the_strict_twin_drops_its_first_command_and_pads_after_the_sign() {
        let scene = Arc::new(SceneCell::new(Stimulus {
            luminance_cd_m2: 80.12,
            chromaticity: Chromaticity { x: 0.3127, y: 0.329 },
            illuminance_lx: 0.0,
        }));
        let mut t =
            LsTwin::with_variant(Model::Ls100, Optics::new(scene, 1), TwinVariant::Documented);
        assert_eq!(replies(&mut t, b"MDS,04\r\n"), vec![b"ER00\r\n".to_vec()]);
        assert_eq!(replies(&mut t, b"MDS,04\r\n"), vec![b"OK00\r\n".to_vec()]);
        let reply = &replies(&mut t, b"MES\r\n")[0];
        assert!(reply.starts_with(b"OK00,+  "), "{:?}", String::from_utf8_lossy(reply));
    }
}
