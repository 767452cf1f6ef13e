//! A simulated CL-200A or T-10A speaking the frames of [`super::codec`]:
//! PC mode first or silence, hold before EXT or error `4`, a measuring time
//! per trigger (CL-200A), a free-running 500 ms update cycle (T-10A), over
//! range (error `5`), low light for colour (CL-200A error `6`), and no
//! answer to a frame with a bad BCC.
//!
//! No public document gives another form for anything this twin assumed,
//! so the strict twin ([`TwinVariant::Documented`]) differs in one rule
//! only, from a third public client \[O\]: a CL-200A read that comes
//! before the measuring time has passed is answered with range `0` and
//! the previous data.

use std::time::Instant;

use super::codec::{self, Frame};
use super::{CL200A_MEASURING_TIME, Model, T10A_UPDATE_PERIOD};
use crate::twin::{DeviceTwin, Optics, TwinAction, TwinVariant, take_lines};

/// Measuring range in lx \[A\]: from Konica Minolta's product pages as we
/// know them (CL-200A 0.1 to 99 990 lx; T-10A 0.01 to 299 900 lx).
pub fn range_lx(model: Model) -> (f64, f64) {
    match model {
        Model::Cl200a => (0.1, 99_990.0),
        Model::T10a => (0.01, 299_900.0),
    }
}

/// Below this illuminance the simulated CL-200A flags its chromaticity
/// (error `6`). The figure is ours \[A\].
pub const CL200A_CHROMA_BELOW_LX: f64 = 5.0;

/// The simulated meter.
pub struct ClTwin {
    model: Model,
    optics: Optics,
    variant: TwinVariant,
    input: Vec<u8>,
    pc_mode: bool,
    hold: bool,
    ext: bool,
    /// CL-200A: the last triggered measurement (Ev, x, y), if any, the one
    /// before it, and when the last one is ready.
    measured: Option<(f64, f64, f64)>,
    previous: Option<(f64, f64, f64)>,
    ready_at: Option<Instant>,
    /// T-10A: start of the free-running cycle, the index of the sample
    /// last reported, and its value.
    cycle_start: Instant,
    sample: Option<(u64, f64)>,
}

impl ClTwin {
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
            pc_mode: false,
            hold: false,
            ext: false,
            measured: None,
            previous: None,
            ready_at: None,
            cycle_start: Instant::now(),
            sample: None,
        }
    }

    fn reply(&self, command: u8, status: [u8; 4], data: Option<[Option<f64>; 3]>) -> TwinAction {
        let frame = Frame {
            head: super::HEAD,
            command,
            params: status,
            data: data.map(|d| d.map(codec::encode_block)),
        };
        TwinAction::Send(codec::encode(&frame))
    }

    fn answer(&mut self, wire: &[u8]) -> Vec<TwinAction> {
        // 7-bit line: nothing with bit 7 set can arrive.
        if wire.iter().any(|&b| b >= 0x80) {
            return Vec::new();
        }
        // A frame that does not decode (bad BCC and so on) gets no answer;
        // the host re-sends (the T-10 manual, as a public driver quotes it [O]).
        let Ok(frame) = codec::decode(wire) else { return Vec::new() };
        if (frame.command, frame.params) == codec::PC_MODE {
            self.pc_mode = true;
            return vec![self.reply(54, *b"    ", None)];
        }
        if !self.pc_mode {
            return Vec::new();
        }
        let broadcast = frame.head == codec::ALL_HEADS;
        match (self.model, frame.command, frame.params) {
            (_, 55, p) if p == codec::HOLD.1 => {
                self.hold = true;
                Vec::new()
            }
            (Model::Cl200a, 40, p) if p == codec::EXT_MODE.1 && !broadcast => {
                let error = if self.hold { b' ' } else { b'4' };
                self.ext = self.hold;
                vec![self.reply(40, [b'1', error, b' ', b'0'], None)]
            }
            (Model::Cl200a, 40, p) if p == codec::TRIGGER.1 && broadcast => {
                if !self.ext {
                    return Vec::new();
                }
                let s = self.optics.stimulus();
                let ev = s.illuminance_lx * self.optics.noise();
                self.previous = self.measured.take();
                self.measured = Some((ev, s.chromaticity.x, s.chromaticity.y));
                let time = self.optics.scaled(CL200A_MEASURING_TIME);
                self.ready_at = Some(Instant::now() + time);
                vec![TwinAction::Integrate(time)]
            }
            (Model::Cl200a, 2, _) if !broadcast => {
                let early = self.variant == TwinVariant::Documented
                    && self.ready_at.is_some_and(|t| Instant::now() < t);
                let (status, data) = match (early, self.measured, self.previous) {
                    (true, _, Some((ev, x, y))) => {
                        let (mut status, data) = self.cl_data(ev, x, y);
                        status[2] = b'0';
                        (status, data)
                    }
                    (true, _, None) | (false, None, _) => {
                        ([b'1', b' ', b'0', b'0'], [None, None, None])
                    }
                    (false, Some((ev, x, y)), _) => self.cl_data(ev, x, y),
                };
                vec![self.reply(2, status, Some(data))]
            }
            (Model::T10a, 10, _) if !broadcast => {
                let period = self.optics.scaled(T10A_UPDATE_PERIOD);
                let index =
                    (self.cycle_start.elapsed().as_nanos() / period.as_nanos().max(1)) as u64;
                let mut actions = Vec::new();
                let ev = match self.sample {
                    Some((i, ev)) if i == index => ev,
                    _ => {
                        let ev = self.optics.stimulus().illuminance_lx * self.optics.noise();
                        self.sample = Some((index, ev));
                        actions.push(TwinAction::Sampled(period));
                        ev
                    }
                };
                let (min, max) = range_lx(Model::T10a);
                let (error, value) =
                    if ev > max { (b'5', None) } else { (b' ', Some(ev.max(min))) };
                let range = decade_range(ev);
                actions.push(self.reply(10, [b'0', error, range, b'0'], Some([value, None, None])));
                actions
            }
            // Unknown commands: no reply [A]; the specification's answer
            // is not known.
            _ => Vec::new(),
        }
    }

    fn cl_data(&self, ev: f64, x: f64, y: f64) -> ([u8; 4], [Option<f64>; 3]) {
        let (min, max) = range_lx(Model::Cl200a);
        let range = decade_range(ev);
        if ev > max {
            return ([b'1', b'5', range, b'0'], [None, None, None]);
        }
        let error = if ev < CL200A_CHROMA_BELOW_LX { b'6' } else { b' ' };
        ([b'1', error, range, b'0'], [Some(ev.max(min)), Some(x), Some(y)])
    }
}

/// A range digit `1`–`5` by decade of illuminance \[A\]; the meters' actual
/// range boundaries are not known.
fn decade_range(ev: f64) -> u8 {
    let decade = ev.max(1.0).log10().floor() as u8;
    b'1' + decade.min(4)
}

impl DeviceTwin for ClTwin {
    fn on_input(&mut self, bytes: &[u8]) -> Vec<TwinAction> {
        self.input.extend_from_slice(bytes);
        let lines = take_lines(&mut self.input, b'\n');
        lines
            .into_iter()
            .flat_map(|mut l| {
                l.extend_from_slice(codec::TERMINATOR);
                self.answer(&l)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Chromaticity, SceneCell, Stimulus};

    fn twin(model: Model) -> ClTwin {
        let scene = Arc::new(SceneCell::new(Stimulus {
            luminance_cd_m2: 0.0,
            chromaticity: Chromaticity { x: 0.3127, y: 0.329 },
            illuminance_lx: 100.0,
        }));
        ClTwin::new(model, Optics::new(scene, 1))
    }

    fn send(t: &mut ClTwin, head: u8, command: (u8, [u8; 4])) -> Vec<Frame> {
        t.on_input(&codec::encode(&Frame::short(head, command)))
            .into_iter()
            .filter_map(|a| match a {
                TwinAction::Send(b) => Some(codec::decode(&b).unwrap()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn ext_before_hold_answers_error_4() {
        let mut t = twin(Model::Cl200a);
        assert_eq!(send(&mut t, 0, codec::PC_MODE).len(), 1);
        let reply = send(&mut t, 0, codec::EXT_MODE);
        assert_eq!(reply[0].status().error, b'4');
        assert!(send(&mut t, 99, codec::HOLD).is_empty());
        assert_eq!(send(&mut t, 0, codec::EXT_MODE)[0].status().error, b' ');
    }

    #[test]
    fn silent_before_pc_mode_and_to_bad_frames() {
        let mut t = twin(Model::T10a);
        assert!(send(&mut t, 0, codec::T10_READ).is_empty());
        let mut wire = codec::encode(&Frame::short(0, codec::PC_MODE));
        wire[11] ^= 1;
        assert!(t.on_input(&wire).is_empty());
        assert_eq!(send(&mut t, 0, codec::PC_MODE).len(), 1);
        assert_eq!(send(&mut t, 0, codec::T10_READ).len(), 1);
    }
}
