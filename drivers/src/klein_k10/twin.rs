//! A simulated K-10-A: `P0` identity, `N5` with binary X, Y, Z, a
//! transient `v`/`u` while it auto-ranges after a large change of level,
//! and `w` above its high range.
//!
//! The notes twin answers every other command with its echo and the error
//! letter `X` \[A\]. The strict twin ([`TwinVariant::Documented`]) starts
//! the way a meter left by another program may be (PROTOCOLS.md): a
//! flicker data stream still running (until `N5` stops it), a fixed range
//! (until `J8`, answered `J8<0>`), the aiming lights on (until `L0`,
//! answered with nothing, as Klein's library expects); and after half a
//! second without an `N5` its first answer is the previous sample, at once.

use std::time::{Duration, Instant};

use super::codec::{self, Measurement, Status};
use crate::twin::{DeviceTwin, Optics, TwinAction, TwinVariant};

/// Model and serial the twin reports, padded to 7 and 9 characters.
pub const IDENTITY: &[u8; 16] = b"K-10-A 12345678 ";

/// Time for one `N5`, a model \[A\]: 125 ms, the period of the 8
/// measurements per second Klein's library names `N5` for \[V\].
pub const N5_TIME: Duration = Duration::from_millis(125);

/// Highest luminance before `w`, in cd/m² \[A\].
pub const MAX_CD_M2: f64 = 5_000.0;

/// Above this the strict twin switches to its top range (`w`) \[A\].
pub const HIGH_RANGE_CD_M2: f64 = 1_000.0;

/// The strict twin's fixed range before `J8`: it reads only within a
/// decade of this luminance (cd/m²) \[A\].
pub const FIXED_RANGE_CD_M2: f64 = 1.0;

/// After this long without an `N5`, the strict twin's next answer is the
/// stale buffered sample \[A\].
pub const IDLE_BEFORE_STALE: Duration = Duration::from_millis(500);

/// The simulated meter.
pub struct K10Twin {
    optics: Optics,
    variant: TwinVariant,
    input: Vec<u8>,
    last_level: Option<f64>,
    streaming: bool,
    auto_range: bool,
    lights_on: bool,
    last_n5: Option<Instant>,
    last_reply: Option<Vec<u8>>,
    /// Strict twin: further `N5`s still answered `w` after a jump into the
    /// top range.
    switching_high: u8,
}

impl K10Twin {
    /// A twin looking through `optics`.
    pub fn new(optics: Optics) -> Self {
        Self::with_variant(optics, TwinVariant::Notes)
    }

    /// A twin in the given variant.
    pub fn with_variant(optics: Optics, variant: TwinVariant) -> Self {
        let strict = variant == TwinVariant::Documented;
        Self {
            optics,
            variant,
            input: Vec::new(),
            last_level: None,
            streaming: strict,
            auto_range: !strict,
            lights_on: strict,
            last_n5: None,
            last_reply: None,
            switching_high: 0,
        }
    }

    fn measure(&mut self) -> Vec<TwinAction> {
        let now = Instant::now();
        let idle = self.last_n5.is_none_or(|t| now - t >= IDLE_BEFORE_STALE);
        self.last_n5 = Some(now);
        if self.variant == TwinVariant::Documented
            && idle
            && let Some(stale) = self.last_reply.clone()
        {
            return vec![TwinAction::Wait(Duration::from_millis(5)), TwinAction::Send(stale)];
        }
        let s = self.optics.stimulus();
        let l = s.luminance_cd_m2;
        let integrate = TwinAction::Integrate(self.optics.scaled(N5_TIME));
        // A change of more than a decade makes the auto-range step once,
        // reported as a transient `v` (up) or `u` (down) [V]/[O].
        let strict = self.variant == TwinVariant::Documented;
        let mut ranging = self.last_level.and_then(|last| {
            let ratio = l.max(1e-6) / last.max(1e-6);
            (ratio > 10.0).then_some(b'v').or((ratio < 0.1).then_some(b'u'))
        });
        self.last_level = Some(l);
        // The strict twin reports a jump into its top range as `w`, the
        // letter Klein's library calls a range switch [V], for two `N5`s.
        if strict && ranging == Some(b'v') && l > HIGH_RANGE_CD_M2 && l <= MAX_CD_M2 {
            self.switching_high = 2;
        }
        if self.switching_high > 0 {
            self.switching_high -= 1;
            ranging = Some(b'w');
        }
        // In a fixed range the meter reads only near that range.
        let fixed = (!self.auto_range).then(|| {
            let ratio = l.max(1e-6) / FIXED_RANGE_CD_M2;
            (ratio > 10.0).then_some(b'v').or((ratio < 0.1).then_some(b'u'))
        });
        let status = match (fixed.flatten(), ranging) {
            _ if self.lights_on => Status::AimingLights,
            (Some(c), _) => Status::Ranging(c),
            (None, Some(b'w')) if self.auto_range => Status::OverHighRange,
            (None, Some(c)) if self.auto_range => Status::Ranging(c),
            _ if l > MAX_CD_M2 => Status::OverHighRange,
            _ => Status::Ok,
        };
        let y = if status == Status::Ok { l * self.optics.noise() } else { 0.0 };
        let (cx, cy) = (s.chromaticity.x, s.chromaticity.y);
        let xyz = [cx / cy * y, y, (1.0 - cx - cy) / cy * y];
        let reply = codec::encode_measurement(&Measurement { xyz, range: 0, status });
        self.last_reply = Some(reply.clone());
        vec![integrate, TwinAction::Send(reply)]
    }
}

impl DeviceTwin for K10Twin {
    fn on_input(&mut self, bytes: &[u8]) -> Vec<TwinAction> {
        self.input.extend_from_slice(bytes);
        let mut actions = Vec::new();
        while let Some(i) = self.input.iter().position(|&b| b == b'\r') {
            let command: Vec<u8> = self.input.drain(..=i).collect();
            let command = &command[..command.len() - 1];
            if self.streaming {
                // A running stream ignores everything but `N5`, which stops it.
                if command == b"N5" {
                    self.streaming = false;
                    actions.extend(self.measure());
                }
                continue;
            }
            match command {
                b"P0" => {
                    let mut reply = b"P0".to_vec();
                    reply.extend_from_slice(IDENTITY);
                    reply.extend_from_slice(b"<0>");
                    actions.push(TwinAction::Send(reply));
                }
                b"N5" => actions.extend(self.measure()),
                b"J8" if self.variant == TwinVariant::Documented => {
                    self.auto_range = true;
                    actions.push(TwinAction::Send(b"J8<0>".to_vec()));
                }
                b"L0" if self.variant == TwinVariant::Documented => self.lights_on = false,
                // Anything else: echo with a firmware error letter [A].
                [a, b] => actions.push(TwinAction::Send(vec![*a, *b, b'<', b'X', b'>'])),
                _ => {}
            }
        }
        actions
    }

    fn on_idle(&mut self) -> Vec<TwinAction> {
        if self.streaming {
            // Flicker samples, which Klein's library recognises by `//////`.
            vec![TwinAction::Send(vec![b'/'; 24])]
        } else {
            Vec::new()
        }
    }
}
