//! Settling: read a patch until consecutive readings agree, instead of
//! sleeping a fixed time after each pattern change.
//!
//! A display takes time to reach a new level (LCD response, backlight
//! regulation) and a continuously sampling meter may report a value that
//! straddles the change. Repeating until two consecutive readings agree
//! within a tolerance costs one extra reading on a settled patch and waits
//! exactly as long as needed on a slow one. METERS.md §3.2 recommends the
//! same for the MAVO ("accept a value only once two consecutive readings
//! agree" \[A\]).

use std::time::{Duration, Instant};

use crate::{Capabilities, MeasureRequest, MeterError, Photometer, Progress, Reading};

/// When two consecutive readings count as agreeing, and how long to try.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SettleRule {
    /// Relative agreement: |a − b| ≤ `relative` × |b| …
    pub relative: f64,
    /// … or |a − b| ≤ `absolute`, in the quantity's unit (cd/m² or lx),
    /// whichever is larger, so that noise near black does not prevent
    /// settling.
    pub absolute: f64,
    /// Stop starting new readings after this long.
    pub time_limit: Duration,
    /// Stop after this many readings.
    pub max_readings: usize,
}

impl Default for SettleRule {
    /// 1 % or 0.005 units, 60 s, 12 readings. The 1 % is ours \[A\]: well
    /// inside the 10 % luminance-response tolerance of IEC 62563-1 and
    /// above a good meter's repeatability.
    fn default() -> Self {
        Self {
            relative: 0.01,
            absolute: 0.005,
            time_limit: Duration::from_secs(60),
            max_readings: 12,
        }
    }
}

impl SettleRule {
    /// Whether `a` and `b` agree under this rule.
    pub fn agree(&self, a: f64, b: f64) -> bool {
        (a - b).abs() <= (self.relative * b.abs()).max(self.absolute)
    }
}

/// The outcome of settling one patch.
#[derive(Clone, Debug, PartialEq)]
pub struct Settled {
    /// The reading to use: the last one taken.
    pub reading: Reading,
    /// Every reading taken for this patch, in order (the last is `reading`).
    pub readings: Vec<Reading>,
    /// Wall time from the first request to the last reply.
    pub settle_time: Duration,
    /// Whether the last two readings agreed. False when the time limit or
    /// the reading limit ended the attempt first: the caller decides
    /// whether such a reading may be used.
    pub converged: bool,
}

/// Read until two consecutive readings agree under `rule`, within its time
/// limit. Each reading gets `request.budget` (or what is left of the time
/// limit, if less). A meter error is returned as is; a timeout after at
/// least one reading ends the attempt unconverged instead.
pub fn settle(
    meter: &mut dyn Photometer,
    request: &MeasureRequest,
    rule: &SettleRule,
    progress: &mut dyn FnMut(Progress),
) -> Result<Settled, MeterError> {
    let start = Instant::now();
    let mut readings: Vec<Reading> = Vec::new();
    let mut converged = false;
    while readings.len() < rule.max_readings.max(2) {
        let left = rule.time_limit.saturating_sub(start.elapsed());
        if left.is_zero() && !readings.is_empty() {
            break;
        }
        let budget = if readings.is_empty() { request.budget } else { request.budget.min(left) };
        let reading = match meter.measure(&MeasureRequest { budget, ..*request }, progress) {
            Ok(r) => r,
            Err(MeterError::Timeout(_)) if !readings.is_empty() => break,
            Err(e) => return Err(e),
        };
        let agrees = readings.last().is_some_and(|prev| rule.agree(reading.value, prev.value));
        readings.push(reading);
        if agrees {
            converged = true;
            break;
        }
    }
    let reading = readings.last().cloned().expect("the loop takes at least one reading or returns");
    Ok(Settled { reading, readings, settle_time: start.elapsed(), converged })
}

impl Capabilities {
    /// A time budget for one reading sized from the meter's worst case (low
    /// light), with half again as margin for transport and scheduling.
    pub fn reading_budget(&self) -> Duration {
        self.worst_case_reading_time.mul_f64(1.5) + Duration::from_millis(500)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chromaticity, Scene, SimulatedPhotometer, Stimulus};

    /// A display warming up: luminance rises to 100 cd/m² with a time
    /// constant of `tau`.
    struct Warming {
        since: Instant,
        tau: Duration,
    }

    impl Scene for Warming {
        fn stimulus(&self) -> Stimulus {
            let t = self.since.elapsed().as_secs_f64() / self.tau.as_secs_f64();
            Stimulus {
                luminance_cd_m2: 100.0 * (1.0 - 0.5 * (-t).exp()),
                chromaticity: Chromaticity { x: 0.3127, y: 0.329 },
                illuminance_lx: 0.0,
            }
        }
    }

    /// Reading time of the simulated meter in these tests.
    const READING: Duration = Duration::from_millis(40);

    fn meter(tau: Duration) -> SimulatedPhotometer<Warming> {
        let mut m = SimulatedPhotometer::new(Warming { since: Instant::now(), tau }, 3);
        m.reading_time = READING;
        m
    }

    #[test]
    fn waits_for_a_drifting_display_then_stops() {
        let tau = Duration::from_millis(100);
        let mut m = meter(tau);
        let rule = SettleRule {
            time_limit: Duration::from_secs(5),
            max_readings: 100,
            ..SettleRule::default()
        };
        let s =
            settle(&mut m, &MeasureRequest::luminance(Duration::from_secs(1)), &rule, &mut |_| {})
                .unwrap();
        assert!(s.converged);
        assert!(s.readings.len() >= 3, "settled too early: {:?}", s.readings.len());
        // A step-to-step rule stops once the drift per reading is below the
        // tolerance, which leaves about tolerance × τ / reading time of the
        // remaining rise (2.5 % here; less if readings come slower), plus
        // noise.
        let residual = 100.0 * rule.relative * tau.as_secs_f64() / READING.as_secs_f64();
        assert!((s.reading.value - 100.0).abs() < residual + 1.0, "{}", s.reading.value);
        // The first reading caught the display still rising.
        assert!(s.readings[0].value < s.reading.value - 5.0, "{:?}", s.readings[0].value);
        assert!(s.settle_time >= READING * s.readings.len() as u32);
    }

    #[test]
    fn a_steady_patch_takes_two_readings() {
        let mut m = meter(Duration::from_nanos(1));
        let s = settle(
            &mut m,
            &MeasureRequest::luminance(Duration::from_secs(1)),
            &SettleRule::default(),
            &mut |_| {},
        )
        .unwrap();
        assert!(s.converged);
        assert_eq!(s.readings.len(), 2);
    }

    #[test]
    fn the_time_limit_ends_an_unsettled_patch() {
        let mut m = meter(Duration::from_secs(3600));
        m.noise_relative = 0.2;
        let rule = SettleRule {
            time_limit: Duration::from_millis(150),
            max_readings: 1000,
            ..SettleRule::default()
        };
        let start = Instant::now();
        let s =
            settle(&mut m, &MeasureRequest::luminance(Duration::from_secs(1)), &rule, &mut |_| {})
                .unwrap();
        // 40 ms readings in a 150 ms limit: at most 5, and never past the
        // limit by more than one reading (with room for a loaded machine).
        assert!(s.readings.len() <= 5, "{}", s.readings.len());
        assert!(start.elapsed() < Duration::from_millis(800), "{:?}", start.elapsed());
    }

    #[test]
    fn agreement_is_relative_or_absolute() {
        let rule = SettleRule::default();
        assert!(rule.agree(100.5, 100.0));
        assert!(!rule.agree(102.0, 100.0));
        assert!(rule.agree(0.004, 0.0));
    }
}
