//! Walking a planned procedure: show each pattern, ask the operator what
//! only a person can do, read the meter, and append every reading and
//! judgement to the session journal (synced) before the next step.
//!
//! Steps already in the journal are skipped, so a resumed session never
//! asks again for what is already measured. No step sleeps: a reading takes
//! as long as the meter integrates.

use std::collections::BTreeSet;
use std::time::Duration;

use monqc_drivers::{
    FlagKind as DriverFlagKind, MeasureRequest, MeterError, Photometer, Reading, SettleRule,
};

use crate::measuring::simulated_display::{Shown, SimulatedDisplay};
use crate::numbers::colour::Chromaticity;
use crate::numbers::luminance;
use crate::numbers::measurement::{FlagKind, MeterFlag, Position};
use crate::records::session::{SessionEntry, SessionWriteError, SessionWriter, Settle};
use crate::standards::procedure::{BACKGROUND_FRACTION_OF_LMAX, PlannedStep, StepAction, step_id};

/// The surface a pattern window put a frame on, when it is not what the
/// session asked for (a 10-bit session on an 8-bit surface).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownSurface {
    /// Bits per channel the frame went out with.
    pub output_bits: u8,
    /// The surface format as the graphics driver names it.
    pub format: String,
}

/// What the sequence needs from the display side.
pub trait Bench {
    /// Show `pattern`; `ddl` is the level under the meter when it matters.
    fn show(&self, pattern: &str, ddl: Option<u16>) -> Result<(), SequenceError>;
    /// Switch the display off (for the ambient readings).
    fn switch_off(&self) -> Result<(), SequenceError>;
    /// The meter is now at `position` (a simulated bench moves its meter;
    /// on a real bench the operator has been asked to).
    fn place_meter(&self, position: Position);
    /// Show the patterns that take a background (JIRA BN "L20") on `ddl`
    /// from now on. Benches that draw no background ignore it.
    fn set_background(&self, _ddl: u16) {}
    /// The surface the last frame went out on, when it had fewer bits than
    /// the session's patterns; `None` when it matched (or nothing was drawn).
    fn reduced_surface(&self) -> Option<ShownSurface> {
        None
    }
}

impl Bench for SimulatedDisplay {
    fn show(&self, _pattern: &str, ddl: Option<u16>) -> Result<(), SequenceError> {
        // Visual patterns are not measured; a uniform mid-grey stands in.
        SimulatedDisplay::show(self, Shown::Ddl(ddl.unwrap_or(self.model().full_scale() / 2)));
        Ok(())
    }
    fn switch_off(&self) -> Result<(), SequenceError> {
        SimulatedDisplay::show(self, Shown::Off);
        Ok(())
    }
    fn place_meter(&self, position: Position) {
        self.move_meter(position);
    }
}

/// A bench borrowed.
impl<B: Bench + ?Sized> Bench for &B {
    fn show(&self, pattern: &str, ddl: Option<u16>) -> Result<(), SequenceError> {
        (**self).show(pattern, ddl)
    }
    fn switch_off(&self) -> Result<(), SequenceError> {
        (**self).switch_off()
    }
    fn place_meter(&self, position: Position) {
        (**self).place_meter(position)
    }
    fn set_background(&self, ddl: u16) {
        (**self).set_background(ddl)
    }
    fn reduced_surface(&self) -> Option<ShownSurface> {
        (**self).reduced_surface()
    }
}

/// Two benches driven together (a simulated display shown in a real window).
impl<A: Bench, B: Bench> Bench for (A, B) {
    fn show(&self, pattern: &str, ddl: Option<u16>) -> Result<(), SequenceError> {
        self.0.show(pattern, ddl)?;
        self.1.show(pattern, ddl)
    }
    fn switch_off(&self) -> Result<(), SequenceError> {
        self.0.switch_off()?;
        self.1.switch_off()
    }
    fn place_meter(&self, position: Position) {
        self.0.place_meter(position);
        self.1.place_meter(position);
    }
    fn set_background(&self, ddl: u16) {
        self.0.set_background(ddl);
        self.1.set_background(ddl);
    }
    fn reduced_surface(&self) -> Option<ShownSurface> {
        self.0.reduced_surface().or_else(|| self.1.reduced_surface())
    }
}

/// The person at the display: follows instructions and judges visual items.
pub trait Operator {
    /// Ask the operator to do something physical and wait until done.
    fn instruct(&mut self, text: &str) -> Result<(), SequenceError>;
    /// Ask a visual question; returns (criterion met, note).
    fn judge(
        &mut self,
        item: &str,
        pattern: &str,
        question: &str,
    ) -> Result<(bool, Option<String>), SequenceError>;
}

/// Why the sequence stopped.
#[derive(Debug, thiserror::Error)]
pub enum SequenceError {
    /// The meter failed.
    #[error("{step}: {source}")]
    Meter {
        /// The step.
        step: String,
        /// The meter's error.
        source: MeterError,
    },
    /// The session file could not be written.
    #[error(transparent)]
    Write(#[from] SessionWriteError),
    /// The operator stopped the session.
    #[error("stopped by the operator at {step}; the session can be resumed")]
    Stopped {
        /// Where.
        step: String,
    },
    /// The operator's input could not be read.
    #[error("cannot read the operator's answer: {0}")]
    Input(String),
    /// The pattern could not be shown.
    #[error("cannot show {pattern}: {reason}")]
    Display {
        /// The pattern.
        pattern: String,
        /// Why.
        reason: String,
    },
    /// No meter can read illuminance.
    #[error(
        "the luminance meter cannot read illuminance; give an illuminance meter \
         (--illuminance-meter SEL)"
    )]
    NoIlluminanceMeter,
    /// The background at 20 % of the maximum luminance cannot be found.
    #[error(
        "{step}: the background at 20 % of the maximum luminance is found from the black \
         series measured before it, but {why}; measure that series first (its steps come \
         earlier in the procedure)"
    )]
    Background {
        /// The step.
        step: String,
        /// What is missing.
        why: String,
    },
}

/// One step done, for a progress display.
#[derive(Clone, Debug, PartialEq)]
pub struct StepDone {
    /// 1-based number of the step among those run now.
    pub index: usize,
    /// Number of steps run now.
    pub total: usize,
    /// The step's id.
    pub id: String,
    /// The value and its unit, or the judgement.
    pub value: String,
}

/// The meters of a session.
pub struct Meters<'a> {
    /// The luminance meter.
    pub luminance: &'a mut dyn Photometer,
    /// A separate illuminance meter, when the luminance meter has no
    /// illuminance mode.
    pub illuminance: Option<&'a mut dyn Photometer>,
}

/// Time budget for one reading: the meter's worst case (low light can take
/// seconds), never less than 10 s.
fn budget(meter: &dyn Photometer) -> Duration {
    meter.capabilities().worst_case_reading_time.max(Duration::from_secs(10))
}

fn xy(r: &Reading) -> Option<Chromaticity> {
    r.chromaticity.map(|c| Chromaticity { x: c.x, y: c.y })
}

/// The meter's reply bytes for the journal: as text when they are text (most
/// protocols are ASCII), else as `hex:` so binary replies (Klein K-10) are
/// kept exactly.
pub fn raw_reply_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(t) if t.chars().all(|c| !c.is_control() || matches!(c, '\r' | '\n' | '\t')) => t.into(),
        _ => format!("hex:{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()),
    }
}

fn raw(r: &Reading) -> String {
    raw_reply_text(&r.raw)
}

/// The meter's flags on a reading, for the journal: each with the kind the
/// driver typed it as (the families' codes are mapped in the drivers
/// crate's protocol page) and the meter's own words.
pub fn flags_of(r: &Reading) -> Vec<MeterFlag> {
    r.validity
        .flags()
        .iter()
        .map(|f| MeterFlag { kind: flag_kind(f.kind), words: f.words.clone() })
        .collect()
}

/// The journal's name for a driver's flag kind.
fn flag_kind(kind: DriverFlagKind) -> FlagKind {
    match kind {
        DriverFlagKind::BelowRange => FlagKind::BelowRange,
        DriverFlagKind::LowLight => FlagKind::LowLight,
        DriverFlagKind::OverRange => FlagKind::OverRange,
        DriverFlagKind::ChromaticityOutOfRange => FlagKind::ChromaticityOutOfRange,
        DriverFlagKind::Unsettled => FlagKind::Unsettled,
        DriverFlagKind::LowBattery => FlagKind::LowBattery,
        DriverFlagKind::Uncalibrated => FlagKind::Uncalibrated,
        // A kind a newer driver adds reads as a warning in its own words.
        _ => FlagKind::Other,
    }
}

fn read(
    meter: &mut dyn Photometer,
    request: MeasureRequest,
    step: &str,
) -> Result<Reading, SequenceError> {
    meter
        .measure(&request, &mut |_| {})
        .map_err(|source| SequenceError::Meter { step: step.to_string(), source })
}

/// Run the steps of `plan` not in `done`, in order.
pub fn run(
    plan: &[PlannedStep],
    done: &BTreeSet<String>,
    bench: &dyn Bench,
    meters: Meters<'_>,
    operator: &mut dyn Operator,
    session: &mut SessionWriter,
    progress: &mut dyn FnMut(StepDone),
) -> Result<(), SequenceError> {
    let todo: Vec<&PlannedStep> = plan.iter().filter(|s| !done.contains(&s.id)).collect();
    let total = todo.len();
    let mut walk = Walk {
        bench,
        meters,
        operator,
        session,
        display_off: false,
        meter_at: None,
        surface_noted: false,
    };
    for (i, step) in todo.into_iter().enumerate() {
        let value = match &step.action {
            StepAction::Judge { item, question } => walk.judge(step, item, question)?,
            StepAction::ReadIlluminance | StepAction::ReadAmbientLuminance => {
                walk.read_ambient(step)?
            }
            StepAction::ReadResponse { ddl }
            | StepAction::ReadUniformity { ddl, .. }
            | StepAction::ReadResponseOnBackground { ddl } => walk.read_patch(step, *ddl)?,
            StepAction::FindBackground { series } => walk.find_background(step, series)?,
        };
        progress(StepDone { index: i + 1, total, id: step.id.clone(), value });
    }
    Ok(())
}

/// The bench, meters and operator of one walk, and where things stand: is
/// the display switched off, where is the meter.
struct Walk<'a, 'm> {
    bench: &'a dyn Bench,
    meters: Meters<'m>,
    operator: &'a mut dyn Operator,
    session: &'a mut SessionWriter,
    display_off: bool,
    meter_at: Option<Position>,
    /// A reduced surface has been journalled in this walk.
    surface_noted: bool,
}

impl Walk<'_, '_> {
    fn switch_on(&mut self) -> Result<(), SequenceError> {
        if self.display_off {
            self.operator.instruct("Switch the display back on.")?;
            self.display_off = false;
        }
        Ok(())
    }

    /// A visual item: show the pattern, ask, journal the judgement.
    fn judge(
        &mut self,
        step: &PlannedStep,
        item: &str,
        question: &str,
    ) -> Result<String, SequenceError> {
        let pattern = step.pattern.as_deref().unwrap_or("");
        self.switch_on()?;
        self.bench.show(pattern, None)?;
        let (passed, note) = self.operator.judge(item, pattern, question)?;
        self.session.append(&SessionEntry::Judgement {
            item: item.into(),
            pattern: pattern.into(),
            question: question.into(),
            passed,
            note,
            at: self.session.timestamp(),
        })?;
        Ok(if passed { "pass".to_string() } else { "FAIL".to_string() })
    }

    /// Illuminance or Lamb, with the display off and the meters at the centre.
    fn read_ambient(&mut self, step: &PlannedStep) -> Result<String, SequenceError> {
        if !self.display_off {
            self.operator.instruct(
                "Switch the display off (room light as in use); place the meters at the \
                 centre of the screen face.",
            )?;
            self.bench.switch_off()?;
            self.bench.place_meter(Position::Centre);
            self.meter_at = Some(Position::Centre);
            self.display_off = true;
        }
        let Meters { luminance, illuminance } = &mut self.meters;
        if step.action == StepAction::ReadIlluminance {
            let meter: &mut dyn Photometer = match illuminance.as_deref_mut() {
                Some(m) => m,
                None if luminance.capabilities().illuminance => &mut **luminance,
                None => return Err(SequenceError::NoIlluminanceMeter),
            };
            let limit = budget(meter);
            let r = read(meter, MeasureRequest::illuminance(limit), &step.id)?;
            self.session.append(&SessionEntry::Illuminance {
                illuminance_lx: r.value,
                raw: raw(&r),
                flags: flags_of(&r),
                at: self.session.timestamp(),
            })?;
            Ok(format!("{:.1} lx", r.value))
        } else {
            let limit = budget(*luminance);
            let r = read(*luminance, MeasureRequest::luminance(limit), &step.id)?;
            self.session.append(&SessionEntry::AmbientLuminance {
                luminance_cd_m2: r.value,
                raw: raw(&r),
                flags: flags_of(&r),
                at: self.session.timestamp(),
            })?;
            Ok(format!("{:.4} cd/m²", r.value))
        }
    }

    /// A response patch or a uniformity point: show the pattern, move the
    /// meter if it must, read until the reading settles, journal it.
    fn read_patch(&mut self, step: &PlannedStep, ddl: u16) -> Result<String, SequenceError> {
        let pattern = step.pattern.clone().unwrap_or_default();
        let position = match step.action {
            StepAction::ReadUniformity { position, .. } => position,
            _ => Position::Centre,
        };
        self.switch_on()?;
        if matches!(step.action, StepAction::ReadResponseOnBackground { .. }) {
            let background = self.journalled_background(step)?;
            self.bench.set_background(background);
        }
        self.bench.show(&pattern, Some(ddl))?;
        self.note_surface()?;
        if self.meter_at != Some(position) {
            self.operator.instruct(&format!(
                "Place the meter at the {position} measurement square of {pattern}."
            ))?;
            self.bench.place_meter(position);
            self.meter_at = Some(position);
        }
        // A new pattern: read until the display and meter have settled.
        let luminance = &mut *self.meters.luminance;
        let limit = budget(luminance);
        let settled = monqc_drivers::settle(
            luminance,
            &MeasureRequest::luminance(limit),
            &SettleRule::default(),
            &mut |_| {},
        )
        .map_err(|source| SequenceError::Meter { step: step.id.clone(), source })?;
        let settle = Some(Settle {
            seconds: settled.settle_time.as_secs_f64(),
            readings: settled.readings.len(),
            converged: settled.converged,
        });
        let r = settled.reading;
        let mut flags = flags_of(&r);
        // Settling flags an unconverged reading itself; say how long it tried.
        if !settled.converged && !flags.iter().any(|f| f.kind == FlagKind::Unsettled) {
            flags.push(MeterFlag {
                kind: FlagKind::Unsettled,
                words: format!(
                    "{} readings in {:.2} s did not agree",
                    settled.readings.len(),
                    settled.settle_time.as_secs_f64()
                ),
            });
        }
        let flagged = if flags.is_empty() {
            String::new()
        } else {
            format!(
                " [meter: {}]",
                flags.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; ")
            )
        };
        let entry = match step.action {
            StepAction::ReadUniformity { position, .. } => SessionEntry::Uniformity {
                pattern,
                position,
                ddl,
                luminance_cd_m2: r.value,
                chromaticity: xy(&r),
                raw: raw(&r),
                settle,
                flags,
                at: self.session.timestamp(),
            },
            _ => SessionEntry::Response {
                pattern,
                ddl,
                luminance_cd_m2: r.value,
                chromaticity: xy(&r),
                raw: raw(&r),
                settle,
                flags,
                at: self.session.timestamp(),
            },
        };
        self.session.append(&entry)?;
        Ok(format!(
            "{:.4} cd/m²  [{} reading(s), {:.2} s]{flagged}",
            r.value,
            settled.readings.len(),
            settled.settle_time.as_secs_f64()
        ))
    }

    /// Journal, once per walk, that the window's surface has fewer bits
    /// than the session's patterns.
    fn note_surface(&mut self) -> Result<(), SequenceError> {
        if self.surface_noted {
            return Ok(());
        }
        if let Some(s) = self.bench.reduced_surface() {
            self.surface_noted = true;
            self.session.append(&SessionEntry::Surface {
                output_bits: s.output_bits,
                note: format!(
                    "the patterns went out with {} bits per channel ({}): each DDL was shown \
                     as its nearest {}-bit level",
                    s.output_bits, s.format, s.output_bits
                ),
                format: s.format,
                at: self.session.timestamp(),
            })?;
        }
        Ok(())
    }

    /// The background DDL journalled for the series `step` belongs to.
    fn journalled_background(&self, step: &PlannedStep) -> Result<u16, SequenceError> {
        self.session
            .entries()
            .iter()
            .rev()
            .find_map(|e| match e {
                SessionEntry::Background { ddl, .. } => Some(*ddl),
                _ => None,
            })
            .ok_or_else(|| SequenceError::Background {
                step: step.id.clone(),
                why: "no background level is in the journal".into(),
            })
    }

    /// The background at 20 % of the maximum luminance: found from the
    /// display's own black-background response in the journal (its luminance
    /// without ambient: a telescopic reading less the Lamb measured with the
    /// display off), journalled, and shown with every patch of the series.
    fn find_background(
        &mut self,
        step: &PlannedStep,
        series: &str,
    ) -> Result<String, SequenceError> {
        let entries = self.session.entries();
        let lamb = entries.iter().rev().find_map(|e| match e {
            SessionEntry::AmbientLuminance { luminance_cd_m2, .. } => Some(*luminance_cd_m2),
            _ => None,
        });
        let mut response: Vec<(u16, f64)> = Vec::new();
        for e in entries {
            if let SessionEntry::Response { pattern, ddl, luminance_cd_m2, .. } = e
                && !step_id::on_background(pattern)
            {
                response.retain(|(d, _)| d != ddl);
                response.push((*ddl, (luminance_cd_m2 - lamb.unwrap_or(0.0)).max(0.0)));
            }
        }
        response.sort_by_key(|(d, _)| *d);
        let fail = |why: &str| SequenceError::Background { step: step.id.clone(), why: why.into() };
        let (_, lmax) =
            *response.last().ok_or_else(|| fail("no black series is in the journal"))?;
        let ddl = luminance::level_for_fraction_of_max(&response, BACKGROUND_FRACTION_OF_LMAX)
            .ok_or_else(|| fail("the black series does not reach 20 % of its maximum"))?;
        let target = BACKGROUND_FRACTION_OF_LMAX * lmax;
        self.session.append(&SessionEntry::Background {
            series: series.into(),
            ddl,
            lmax_cd_m2: lmax,
            target_cd_m2: target,
            method: format!(
                "the DDL whose luminance is 20 % of the black series' maximum, interpolated \
                 in log luminance between the readings around it{}",
                if lamb.is_some() { "; Lamb (display off) subtracted" } else { "" }
            ),
            at: self.session.timestamp(),
        })?;
        self.bench.set_background(ddl);
        Ok(format!("background DDL {ddl} ({target:.2} cd/m², 20 % of {lmax:.2} cd/m²)"))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use monqc_drivers::SimulatedPhotometer;

    use super::*;
    use crate::measuring::simulated_display::DisplayModel;
    use crate::numbers::measurement::MeterSetup;
    use crate::records::session::{self, FORMAT, MeterInfo, SessionHeader, VERSION};
    use crate::standards::criteria::TestType;
    use crate::standards::procedure::{self, Procedure};

    /// Says yes to everything.
    struct Agreeable;

    impl Operator for Agreeable {
        fn instruct(&mut self, _: &str) -> Result<(), SequenceError> {
            Ok(())
        }
        fn judge(
            &mut self,
            _: &str,
            _: &str,
            _: &str,
        ) -> Result<(bool, Option<String>), SequenceError> {
            Ok((true, None))
        }
    }

    fn clock() -> chrono::DateTime<chrono::Utc> {
        "2026-11-26T09:00:00.500Z".parse().unwrap()
    }

    fn header(standard: &str, test: TestType, setup: MeterSetup) -> SessionHeader {
        SessionHeader {
            format: FORMAT.into(),
            version: VERSION,
            software: "test".into(),
            standard: standard.into(),
            grade: "1a".into(),
            test,
            setup,
            bit_depth: 8,
            display_id: "d".into(),
            display: "simulated".into(),
            operator: "tester".into(),
            rd_cd_m2_per_lx: Some(0.005),
            meter: MeterInfo::default(),
            illuminance_meter: None,
            started: "2026-11-26T09:00:00.000Z".into(),
            only: None,
            lmax_change_limit_percent: None,
        }
    }

    /// Resume goes by step id: every step of every built-in procedure must
    /// come back from the journal under the id the plan gave it, so a
    /// resumed session runs nothing twice and skips nothing.
    #[test]
    fn every_planned_step_is_journalled_under_its_own_id() {
        let dir = tempfile::tempdir().unwrap();
        for (standard, _) in procedure::BUILT_IN {
            for test in [TestType::Acceptance, TestType::Constancy, TestType::Daily] {
                for setup in [MeterSetup::Telescopic, MeterSetup::Contact] {
                    let plan = Procedure::built_in(standard, test).unwrap().plan(setup, 8, true);
                    let display = Arc::new(SimulatedDisplay::new(DisplayModel::default(), setup));
                    let mut luminance = SimulatedPhotometer::new(Arc::clone(&display), 1);
                    let mut illuminance = SimulatedPhotometer::new(Arc::clone(&display), 2);
                    let path = dir.path().join(format!("{standard}-{test}-{setup}.jsonl"));
                    let mut writer =
                        SessionWriter::create(&path, &header(standard, test, setup), clock)
                            .unwrap();
                    let meters =
                        Meters { luminance: &mut luminance, illuminance: Some(&mut illuminance) };
                    let mut ran = Vec::new();
                    run(
                        &plan,
                        &BTreeSet::new(),
                        &*display,
                        meters,
                        &mut Agreeable,
                        &mut writer,
                        &mut |s| ran.push(s.id),
                    )
                    .unwrap();
                    let planned: Vec<String> = plan.iter().map(|s| s.id.clone()).collect();
                    assert_eq!(ran, planned, "{standard} {test} {setup}");
                    let done = session::read(&path).unwrap().steps_done();
                    assert_eq!(
                        done,
                        planned.iter().cloned().collect::<BTreeSet<_>>(),
                        "{standard} {test} {setup}: the journal names the steps as the plan does"
                    );
                    let meters =
                        Meters { luminance: &mut luminance, illuminance: Some(&mut illuminance) };
                    let mut again = 0;
                    run(&plan, &done, &*display, meters, &mut Agreeable, &mut writer, &mut |_| {
                        again += 1
                    })
                    .unwrap();
                    assert_eq!(again, 0, "{standard} {test} {setup}: a resume repeats nothing");
                    let s = session::read(&path).unwrap();
                    assert!(
                        s.entries.iter().all(|e| serde_json::to_value(e).unwrap()["at"]
                            == "2026-11-26T09:00:00.500Z"),
                        "every entry is stamped by the clock given"
                    );
                }
            }
        }
    }

    /// The ideal simulated meter, flagging what it reads below 1 cd/m² the
    /// way an LS-100 does (OK13), and a bench that records what it was asked
    /// and reports an 8-bit surface.
    struct FlagsLowLight(SimulatedPhotometer<Arc<SimulatedDisplay>>);

    impl Photometer for FlagsLowLight {
        fn identify(&mut self) -> Result<monqc_drivers::DeviceInfo, MeterError> {
            self.0.identify()
        }
        fn capabilities(&self) -> monqc_drivers::Capabilities {
            self.0.capabilities()
        }
        fn measure(
            &mut self,
            request: &MeasureRequest,
            progress: &mut dyn FnMut(monqc_drivers::Progress),
        ) -> Result<Reading, MeterError> {
            let mut r = self.0.measure(request, progress)?;
            if r.value < 1.0 && request.quantity == monqc_drivers::Quantity::Luminance {
                r.validity.push(monqc_drivers::MeterFlag::new(
                    DriverFlagKind::BelowRange,
                    "luminance below the meter's range (OK13)",
                ));
            }
            Ok(r)
        }
    }

    struct EightBitWindow {
        display: Arc<SimulatedDisplay>,
        backgrounds: std::sync::Mutex<Vec<(u16, String)>>,
        last: std::sync::Mutex<String>,
    }

    impl Bench for EightBitWindow {
        fn show(&self, pattern: &str, ddl: Option<u16>) -> Result<(), SequenceError> {
            *self.last.lock().unwrap() = pattern.into();
            Bench::show(&*self.display, pattern, ddl)
        }
        fn switch_off(&self) -> Result<(), SequenceError> {
            Bench::switch_off(&*self.display)
        }
        fn place_meter(&self, position: Position) {
            Bench::place_meter(&*self.display, position)
        }
        fn set_background(&self, ddl: u16) {
            let shown = self.last.lock().unwrap().clone();
            self.backgrounds.lock().unwrap().push((ddl, shown));
        }
        fn reduced_surface(&self) -> Option<ShownSurface> {
            Some(ShownSurface { output_bits: 8, format: "Bgra8Unorm".into() })
        }
    }

    /// Issue 11 items 3 and 5: every meter flag is journalled with its
    /// reading and reaches the verdict; the 20 % background is found from
    /// the session's own response, journalled and shown; a 10-bit session
    /// on an 8-bit surface is recorded as such.
    #[test]
    fn flags_background_and_surface_are_journalled_and_reach_the_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let setup = MeterSetup::Contact;
        let model = DisplayModel { bit_depth: 10, ..DisplayModel::default() };
        let display = Arc::new(SimulatedDisplay::new(model, setup));
        let mut luminance = FlagsLowLight(SimulatedPhotometer::new(Arc::clone(&display), 1));
        let mut illuminance = SimulatedPhotometer::new(Arc::clone(&display), 2);
        let bench = EightBitWindow {
            display: Arc::clone(&display),
            backgrounds: Default::default(),
            last: Default::default(),
        };
        let path = dir.path().join("s.jsonl");
        let mut h = header("jesra-x0093", TestType::Acceptance, setup);
        h.bit_depth = 10;
        let plan = Procedure::built_in("jesra-x0093", TestType::Acceptance)
            .unwrap()
            .plan(setup, 10, false);
        let mut writer = SessionWriter::create(&path, &h, clock).unwrap();
        let meters = Meters { luminance: &mut luminance, illuminance: Some(&mut illuminance) };
        let mut shown = Vec::new();
        run(&plan, &BTreeSet::new(), &bench, meters, &mut Agreeable, &mut writer, &mut |s| {
            shown.push(s.value)
        })
        .unwrap();
        let session = session::read(&path).unwrap();
        // The flag, in the meter's words, on the BN01 reading of the journal.
        let bn01 = session
            .entries
            .iter()
            .find(|e| matches!(e, SessionEntry::Response { pattern, .. } if pattern == "JIRA-BN01"))
            .unwrap();
        let SessionEntry::Response { flags, .. } = bn01 else { unreachable!() };
        assert_eq!(flags[0].words, "luminance below the meter's range (OK13)");
        assert_eq!(flags[0].kind, FlagKind::BelowRange, "the driver's type is kept");
        assert!(
            shown.iter().any(|v| v.contains("[meter: below range (luminance below")),
            "{shown:?}"
        );
        // The background: journalled once, from the black series, and set
        // on the bench before the first patch of its series was shown.
        let backgrounds: Vec<u16> = session
            .entries
            .iter()
            .filter_map(|e| match e {
                SessionEntry::Background { ddl, target_cd_m2, lmax_cd_m2, .. } => {
                    assert!((target_cd_m2 / lmax_cd_m2 - 0.2).abs() < 1e-12);
                    Some(*ddl)
                }
                _ => None,
            })
            .collect();
        assert_eq!(backgrounds.len(), 1);
        let set = session.measurement_set(&path);
        let (ddl, at) = bench.backgrounds.lock().unwrap()[0].clone();
        assert_eq!((Some(ddl), at.as_str()), (set.background_ddl, "JIRA-BN18"));
        // On a GSDF display 20 % of Lmax lies near 60 % of full scale.
        assert!((550..=690).contains(&ddl), "10-bit background DDL {ddl}");
        assert_eq!(set.response_on_background.len(), 18);
        assert_eq!(set.shown_bits, Some(8));
        // The verdict: r' and Kδ rest on the flagged DDL 0 reading.
        let criteria = crate::standards::criteria::Criteria::built_in_for("jesra-x0093").unwrap();
        let options = crate::standards::analysis::AnalysisOptions::new("1a", TestType::Acceptance);
        let a = crate::standards::analysis::analyse(&set, &criteria, &options, None).unwrap();
        let ratio = a.verdicts.iter().find(|v| v.item.id() == "luminance-ratio").unwrap();
        assert_eq!(ratio.result, crate::standards::analysis::Outcome::Unconfirmed, "{ratio:?}");
        assert!(ratio.flags[0].starts_with("DDL 0: below range"), "{:?}", ratio.flags);
        assert!(a.notes.iter().any(|n| n.contains("10-bit patterns were shown on a 8-bit")));
        assert!(a.background_series.is_some());
    }

    #[test]
    fn raw_replies_are_kept_exactly() {
        assert_eq!(super::raw_reply_text(b"OK00,1234,\r\n"), "OK00,1234,\r\n");
        assert_eq!(super::raw_reply_text(&[0x78, 0x80, 0x08]), "hex:788008");
        assert_eq!(super::raw_reply_text(&[0x02, b'1', 0x03]), "hex:023103");
    }
}
