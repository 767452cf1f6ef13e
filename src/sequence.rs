//! The measurement sequence of a JESRA X-0093 acceptance test, driven
//! through the `Photometer` interface and written reading by reading to a
//! session file.
//!
//! Order (JESRA X-0093 measured tests, as taught in the seed lecture):
//! 1. ambient: illuminance at the display face (照度, recorded for reference)
//!    and, with a telescopic meter, the luminance with the display off (Lamb);
//! 2. contrast response, L'max, luminance ratio: the centre of JIRA
//!    BN01…BN18 (DDL 0, 15, …, 255 in 8 bits; black background);
//! 3. luminance uniformity and chromaticity: TG18-UN80 (80 % DDL) at the
//!    centre and the four corners.

use std::time::Duration;

use monqc_drivers::{MeasureRequest, MeterError, Photometer, Reading};

use crate::bench::{Shown, SimulatedDisplay};
use crate::measurement::{Chromaticity, MeterSetup, Position};
use crate::session::{SessionEntry, SessionWriteError, SessionWriter};

/// What the sequence needs from the display side: show a level at the
/// measured spot, switch off, and have the meter placed.
pub trait Bench {
    /// Show `pattern`, whose area under the meter has `ddl`.
    fn show(&self, pattern: &str, ddl: u16);
    /// Switch the display off (or show black with the backlight off).
    fn switch_off(&self);
    /// Have the meter put at `position`.
    fn place_meter(&self, position: Position);
}

impl Bench for SimulatedDisplay {
    fn show(&self, _pattern: &str, ddl: u16) {
        SimulatedDisplay::show(self, Shown::Ddl(ddl));
    }
    fn switch_off(&self) {
        SimulatedDisplay::show(self, Shown::Off);
    }
    fn place_meter(&self, position: Position) {
        self.move_meter(position);
    }
}

/// The JIRA BN01…BN18 DDLs for `bit_depth` bits: 18 levels evenly from 0 to
/// full scale (8 bits: 0, 15, …, 255; JIRA: 「0階調から15階調ごとに等間隔で
/// 255階調まで割り振った18種類」).
pub fn bn_levels(bit_depth: u8) -> Vec<u16> {
    let full = f64::from((1u32 << bit_depth) - 1);
    (0..18).map(|i| (f64::from(i) * full / 17.0).round() as u16).collect()
}

/// The TG18-UN80 DDL: 80 % of full scale (8 bits: 204, as EIZO RadiCS uses).
pub fn un80_level(bit_depth: u8) -> u16 {
    (0.8 * f64::from((1u32 << bit_depth) - 1)).round() as u16
}

/// Why the sequence stopped.
#[derive(Debug, thiserror::Error)]
pub enum SequenceError {
    /// The meter failed.
    #[error("{step}: {source}")]
    Meter {
        /// The step (pattern and position).
        step: String,
        /// The meter's error.
        source: MeterError,
    },
    /// The session file could not be written.
    #[error(transparent)]
    Write(#[from] SessionWriteError),
}

/// One step done, for a progress display.
#[derive(Clone, Debug, PartialEq)]
pub struct StepDone {
    /// 1-based step number.
    pub index: usize,
    /// Number of steps.
    pub total: usize,
    /// What was measured.
    pub what: String,
    /// The value and its unit.
    pub value: String,
}

/// Time budget for one reading: generous, since a real meter may integrate
/// for seconds at black; the meter's own capability sets the floor.
fn budget(meter: &dyn Photometer) -> Duration {
    meter.capabilities().worst_case_reading_time.max(Duration::from_secs(10))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn xy(r: &Reading) -> Option<Chromaticity> {
    r.chromaticity.map(|c| Chromaticity { x: c.x, y: c.y })
}

/// Run the acceptance measurements. Each reading is appended to `session`
/// (and synced) before the next is taken; `progress` hears of each step.
pub fn run_acceptance(
    bench: &dyn Bench,
    meter: &mut dyn Photometer,
    setup: MeterSetup,
    bit_depth: u8,
    session: &mut SessionWriter,
    progress: &mut dyn FnMut(StepDone),
) -> Result<(), SequenceError> {
    let levels = bn_levels(bit_depth);
    let un80 = un80_level(bit_depth);
    let total =
        1 + usize::from(setup.readings_include_ambient()) + levels.len() + Position::FIVE.len();
    let mut index = 0;
    let mut done = |what: String, value: String| {
        index += 1;
        progress(StepDone { index, total, what, value });
    };
    let read = |meter: &mut dyn Photometer, request: MeasureRequest, step: &str| {
        meter
            .measure(&request, &mut |_| {})
            .map_err(|source| SequenceError::Meter { step: step.to_string(), source })
    };

    let limit = budget(meter);
    bench.switch_off();
    bench.place_meter(Position::Centre);
    let step = "ambient illuminance (display off)";
    let r = read(meter, MeasureRequest::illuminance(limit), step)?;
    session.append(&SessionEntry::Illuminance {
        illuminance_lx: r.value,
        raw: String::from_utf8_lossy(&r.raw).into_owned(),
        at: now(),
    })?;
    done(step.into(), format!("{:.1} lx", r.value));
    if setup.readings_include_ambient() {
        let step = "ambient luminance Lamb (display off)";
        let r = read(meter, MeasureRequest::luminance(limit), step)?;
        session.append(&SessionEntry::AmbientLuminance {
            luminance_cd_m2: r.value,
            raw: String::from_utf8_lossy(&r.raw).into_owned(),
            at: now(),
        })?;
        done(step.into(), format!("{:.4} cd/m²", r.value));
    }

    for (i, &ddl) in levels.iter().enumerate() {
        let pattern = format!("JIRA-BN{:02}", i + 1);
        bench.show(&pattern, ddl);
        let step = format!("{pattern} (DDL {ddl}) centre");
        let r = read(meter, MeasureRequest::luminance(limit), &step)?;
        session.append(&SessionEntry::Response {
            pattern,
            ddl,
            luminance_cd_m2: r.value,
            chromaticity: xy(&r),
            raw: String::from_utf8_lossy(&r.raw).into_owned(),
            at: now(),
        })?;
        done(step, format!("{:.4} cd/m²", r.value));
    }

    bench.show("TG18-UN80", un80);
    for position in Position::FIVE {
        bench.place_meter(position);
        let step = format!("TG18-UN80 (DDL {un80}) {position}");
        let r = read(meter, MeasureRequest::luminance(limit), &step)?;
        session.append(&SessionEntry::Uniformity {
            pattern: "TG18-UN80".into(),
            position,
            ddl: un80,
            luminance_cd_m2: r.value,
            chromaticity: xy(&r),
            raw: String::from_utf8_lossy(&r.raw).into_owned(),
            at: now(),
        })?;
        done(step, format!("{:.2} cd/m²", r.value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bn_levels_are_jira_levels() {
        assert_eq!(bn_levels(8), (0..18).map(|i| i * 15).collect::<Vec<u16>>());
        let ten = bn_levels(10);
        assert_eq!((ten[0], ten[17], ten.len()), (0, 1023, 18));
        assert_eq!(un80_level(8), 204);
    }
}
