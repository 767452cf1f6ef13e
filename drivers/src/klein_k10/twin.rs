//! A simulated K-10-A: `P0` identity, `N5` with binary X, Y, Z, a
//! transient `v`/`u` while it auto-ranges after a large change of level,
//! and `w` above its high range.

use std::time::Duration;

use super::codec::{self, Measurement, Status};
use crate::twin::{DeviceTwin, Optics, TwinAction};

/// Model and serial the twin reports, padded to 7 and 9 characters.
pub const IDENTITY: &[u8; 16] = b"K-10-A 12345678 ";

/// Time for one `N5`, a model \[A\]: 125 ms. Argyll's 2 s allowance is a
/// timeout, not a measured time.
pub const N5_TIME: Duration = Duration::from_millis(125);

/// Highest luminance before `w`, in cd/m² \[A\]; not in METERS.md.
pub const MAX_CD_M2: f64 = 5_000.0;

/// The simulated meter.
pub struct K10Twin {
    optics: Optics,
    input: Vec<u8>,
    last_level: Option<f64>,
}

impl K10Twin {
    /// A twin looking through `optics`.
    pub fn new(optics: Optics) -> Self {
        Self { optics, input: Vec::new(), last_level: None }
    }

    fn measure(&mut self) -> Vec<TwinAction> {
        let s = self.optics.stimulus();
        let l = s.luminance_cd_m2;
        let integrate = TwinAction::Integrate(self.optics.scaled(N5_TIME));
        // A change of more than a decade makes the auto-range step once,
        // reported as a transient `v` (up) or `u` (down) [O].
        let ranging = self.last_level.and_then(|last| {
            let ratio = l.max(1e-6) / last.max(1e-6);
            (ratio > 10.0).then_some(b'v').or((ratio < 0.1).then_some(b'u'))
        });
        self.last_level = Some(l);
        let status = match ranging {
            Some(c) => Status::Ranging(c),
            None if l > MAX_CD_M2 => Status::OverHighRange,
            None => Status::Ok,
        };
        let y = if status == Status::Ok { l * self.optics.noise() } else { 0.0 };
        let (cx, cy) = (s.chromaticity.x, s.chromaticity.y);
        let xyz = [cx / cy * y, y, (1.0 - cx - cy) / cy * y];
        let reply = codec::encode_measurement(&Measurement { xyz, range: 0, status });
        vec![integrate, TwinAction::Send(reply)]
    }
}

impl DeviceTwin for K10Twin {
    fn on_input(&mut self, bytes: &[u8]) -> Vec<TwinAction> {
        self.input.extend_from_slice(bytes);
        let mut actions = Vec::new();
        while let Some(i) = self.input.iter().position(|&b| b == b'\r') {
            let command: Vec<u8> = self.input.drain(..=i).collect();
            match &command[..command.len() - 1] {
                b"P0" => {
                    let mut reply = b"P0".to_vec();
                    reply.extend_from_slice(IDENTITY);
                    reply.extend_from_slice(b"<0>");
                    actions.push(TwinAction::Send(reply));
                }
                b"N5" => actions.extend(self.measure()),
                // Anything else: echo with a firmware error letter [A].
                [a, b] => actions.push(TwinAction::Send(vec![*a, *b, b'<', b'X', b'>'])),
                _ => {}
            }
        }
        actions
    }
}
