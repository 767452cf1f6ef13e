//! Walking a planned procedure: show each pattern, ask the operator what
//! only a person can do, read the meter, and append every reading and
//! judgement to the session journal (synced) before the next step.
//!
//! Steps already in the journal are skipped, so a resumed session never
//! asks again for what is already measured. No step sleeps a fixed time:
//! the first patch of a walk is read until two readings agree, which also
//! shows how long this display takes to settle after a change; every later
//! patch is read once that long after its pattern changed, and confirmed
//! when its step is unusually large (drivers' `Settler`).

use std::collections::BTreeSet;
use std::time::Duration;

use monqc_drivers::{MeasureRequest, MeterError, Photometer, Reading, SettleRule, Settler};

use crate::measuring::simulated_display::{Shown, SimulatedDisplay};
use crate::numbers::colour::Chromaticity;
use crate::numbers::measurement::Position;
use crate::records::session::{
    SessionEntry, SessionWriteError, SessionWriter, Settle, SettleBasis,
};
use crate::standards::procedure::{PlannedStep, StepAction};

/// What the sequence needs from the display side.
pub trait Bench {
    /// Show `pattern`; `ddl` is the level under the meter when it matters.
    fn show(&self, pattern: &str, ddl: Option<u16>) -> Result<(), SequenceError>;
    /// Switch the display off (for the ambient readings).
    fn switch_off(&self) -> Result<(), SequenceError>;
    /// The meter is now at `position` (a simulated bench moves its meter;
    /// on a real bench the operator has been asked to).
    fn place_meter(&self, position: Position);
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
        shown: None,
        settler: Settler::new(SettleRule::default()),
        settler_learning: true,
    };
    for (i, step) in todo.into_iter().enumerate() {
        let value = match &step.action {
            StepAction::Judge { item, question } => walk.judge(step, item, question)?,
            StepAction::ReadIlluminance | StepAction::ReadAmbientLuminance => {
                walk.read_ambient(step)?
            }
            StepAction::ReadResponse { ddl } | StepAction::ReadUniformity { ddl, .. } => {
                walk.read_patch(step, *ddl)?
            }
        };
        progress(StepDone { index: i + 1, total, id: step.id.clone(), value });
    }
    Ok(())
}

/// The bench, meters and operator of one walk, and where things stand: is
/// the display switched off, where is the meter, what this walk last showed,
/// and what the luminance meter's settler has learned of the display.
struct Walk<'a, 'm> {
    bench: &'a dyn Bench,
    meters: Meters<'m>,
    operator: &'a mut dyn Operator,
    session: &'a mut SessionWriter,
    display_off: bool,
    meter_at: Option<Position>,
    /// The pattern this walk last showed (None: nothing yet, or the display
    /// is off).
    shown: Option<String>,
    /// One per walk (a resumed session starts a new one) and luminance meter.
    settler: Settler,
    /// Until a patch after a change of pattern has been read to agreement,
    /// the settler is still learning how long the display takes to settle.
    settler_learning: bool,
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
        self.shown = Some(pattern.to_owned());
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
            self.shown = None;
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
                at: self.session.timestamp(),
            })?;
            Ok(format!("{:.1} lx", r.value))
        } else {
            let limit = budget(*luminance);
            let r = read(*luminance, MeasureRequest::luminance(limit), &step.id)?;
            self.session.append(&SessionEntry::AmbientLuminance {
                luminance_cd_m2: r.value,
                raw: raw(&r),
                at: self.session.timestamp(),
            })?;
            Ok(format!("{:.4} cd/m²", r.value))
        }
    }

    /// A response patch or a uniformity point: show the pattern, move the
    /// meter if it must, read once it has settled, journal it.
    fn read_patch(&mut self, step: &PlannedStep, ddl: u16) -> Result<String, SequenceError> {
        let pattern = step.pattern.clone().unwrap_or_default();
        let position = match step.action {
            StepAction::ReadUniformity { position, .. } => position,
            _ => Position::Centre,
        };
        // Switched on, or another pattern than this walk last showed: the
        // light changes, and the settler may learn from it what the display
        // does after a change.
        let changes = self.display_off || self.shown.as_ref().is_some_and(|p| *p != pattern);
        self.switch_on()?;
        self.bench.show(&pattern, Some(ddl))?;
        self.settler.pattern_changed();
        self.shown = Some(pattern.clone());
        if self.meter_at != Some(position) {
            self.operator.instruct(&format!(
                "Place the meter at the {position} measurement square of {pattern}."
            ))?;
            self.bench.place_meter(position);
            // The light in front of the meter changed again.
            self.settler.pattern_changed();
            self.meter_at = Some(position);
        }
        let luminance = &mut *self.meters.luminance;
        let request = MeasureRequest::luminance(budget(luminance));
        let settled = if self.settler_learning && !changes {
            // Nothing this walk showed differs from this pattern (a resumed
            // walk starts on whatever the screen shows): no change to learn
            // the display's settling time from, so this patch is read to
            // agreement and the settler learns on the next.
            monqc_drivers::settle(luminance, &request, &SettleRule::default(), &mut |_| {})
        } else {
            self.settler.read(luminance, &request, &mut |_| {})
        }
        .map_err(|source| SequenceError::Meter { step: step.id.clone(), source })?;
        self.settler_learning = self.settler.display_settle_time().is_none();
        let basis = match settled.basis {
            monqc_drivers::SettleBasis::Agreement => SettleBasis::Agreement,
            monqc_drivers::SettleBasis::LearnedDelay => SettleBasis::LearnedDelay,
        };
        let settle = Some(Settle {
            seconds: settled.settle_time.as_secs_f64(),
            readings: settled.readings.len(),
            converged: settled.converged,
            basis: Some(basis),
        });
        let r = settled.reading;
        let entry = match step.action {
            StepAction::ReadUniformity { position, .. } => SessionEntry::Uniformity {
                pattern,
                position,
                ddl,
                luminance_cd_m2: r.value,
                chromaticity: xy(&r),
                raw: raw(&r),
                settle,
                at: self.session.timestamp(),
            },
            _ => SessionEntry::Response {
                pattern,
                ddl,
                luminance_cd_m2: r.value,
                chromaticity: xy(&r),
                raw: raw(&r),
                settle,
                at: self.session.timestamp(),
            },
        };
        self.session.append(&entry)?;
        let unsettled = if settled.converged { "" } else { " (did not settle)" };
        let how = match basis {
            SettleBasis::Agreement => "",
            SettleBasis::LearnedDelay => ", after the learned delay",
        };
        Ok(format!(
            "{:.4} cd/m²  [{} reading(s), {:.2} s{how}]{unsettled}",
            r.value,
            settled.readings.len(),
            settled.settle_time.as_secs_f64()
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use monqc_drivers::{Scene as _, SimulatedPhotometer};

    use super::*;
    use crate::measuring::simulated_display::DisplayModel;
    use crate::numbers::measurement::MeterSetup;
    use crate::records::session::SessionEntry;
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

    /// A display that follows each change of light with a time constant
    /// `tau` (an LCD's response, a backlight's regulation): what a meter
    /// reads depends on how long after the change it looks. The simulated
    /// display underneath gives the level it settles at.
    struct Sluggish {
        display: SimulatedDisplay,
        tau: Duration,
        /// The luminance seen when the light last changed, and when.
        from: std::sync::Mutex<(f64, std::time::Instant)>,
    }

    impl Sluggish {
        fn new(setup: MeterSetup, tau: Duration) -> Self {
            let model = DisplayModel { noise_relative: 0.0, ..DisplayModel::default() };
            let display = SimulatedDisplay::new(model, setup);
            let off = display.stimulus().luminance_cd_m2;
            Self { display, tau, from: std::sync::Mutex::new((off, std::time::Instant::now())) }
        }

        fn changing(&self) {
            let now = monqc_drivers::Scene::stimulus(self).luminance_cd_m2;
            *self.from.lock().unwrap() = (now, std::time::Instant::now());
        }
    }

    impl monqc_drivers::Scene for Sluggish {
        fn stimulus(&self) -> monqc_drivers::Stimulus {
            let mut s = self.display.stimulus();
            let (from, at) = *self.from.lock().unwrap();
            let left = (-at.elapsed().as_secs_f64() / self.tau.as_secs_f64()).exp();
            s.luminance_cd_m2 += (from - s.luminance_cd_m2) * left;
            s
        }
    }

    impl Bench for Sluggish {
        fn show(&self, pattern: &str, ddl: Option<u16>) -> Result<(), SequenceError> {
            self.changing();
            Bench::show(&self.display, pattern, ddl)
        }
        fn switch_off(&self) -> Result<(), SequenceError> {
            self.changing();
            self.display.switch_off()
        }
        fn place_meter(&self, position: Position) {
            self.changing();
            self.display.place_meter(position);
        }
    }

    /// The level a patch settles at on the sluggish display's model.
    fn settled_level(setup: MeterSetup, ddl: u16, position: Position) -> f64 {
        let model = DisplayModel { noise_relative: 0.0, ..DisplayModel::default() };
        let display = SimulatedDisplay::new(model, setup);
        display.show(Shown::Ddl(ddl));
        display.move_meter(position);
        monqc_drivers::Scene::stimulus(&display).luminance_cd_m2
    }

    /// Every patch reading in the journal: (step, value, settle, settled level).
    fn patch_readings(
        path: &std::path::Path,
        setup: MeterSetup,
    ) -> Vec<(String, f64, Settle, f64)> {
        session::read(path)
            .unwrap()
            .entries
            .into_iter()
            .filter_map(|e| match e {
                SessionEntry::Response { pattern, ddl, luminance_cd_m2, settle, .. } => Some((
                    pattern,
                    luminance_cd_m2,
                    settle.unwrap(),
                    settled_level(setup, ddl, Position::Centre),
                )),
                SessionEntry::Uniformity {
                    pattern,
                    position,
                    ddl,
                    luminance_cd_m2,
                    settle,
                    ..
                } => Some((
                    format!("{pattern} {position}"),
                    luminance_cd_m2,
                    settle.unwrap(),
                    settled_level(setup, ddl, position),
                )),
                _ => None,
            })
            .collect()
    }

    /// Walk `plan` minus `done` on a sluggish display (τ = 30 ms) with a
    /// meter whose readings take as long, and return the patch readings.
    fn walk_sluggish(
        plan: &[PlannedStep],
        done: &BTreeSet<String>,
        bench: &Arc<Sluggish>,
        path: &std::path::Path,
        setup: MeterSetup,
    ) -> Vec<(String, f64, Settle, f64)> {
        let mut luminance = SimulatedPhotometer::new(Arc::clone(bench), 1);
        luminance.reading_time = bench.tau;
        luminance.noise_relative = 0.001;
        let mut illuminance = SimulatedPhotometer::new(Arc::clone(bench), 2);
        let header = header("jesra-x0093", TestType::Acceptance, setup);
        let mut writer = if path.exists() {
            SessionWriter::resume(path, clock).unwrap().0
        } else {
            SessionWriter::create(path, &header, clock).unwrap()
        };
        let meters = Meters { luminance: &mut luminance, illuminance: Some(&mut illuminance) };
        run(plan, done, &**bench, meters, &mut Agreeable, &mut writer, &mut |_| {}).unwrap();
        patch_readings(path, setup)
    }

    /// No patch is taken before it settled: within 2 % of the level it
    /// settles at (two readings τ apart agreeing to 1 % leave about 1 % of
    /// the step, plus the meter's noise); a single reading right after the
    /// change would be some 10 % off. And settling costs about one reading
    /// per patch: the first patch is read to agreement, most of the rest
    /// once after the learned delay (about 34 readings for 23 patches here:
    /// the learning patch, refinements of the delay, unusually large steps
    /// confirmed).
    #[test]
    fn patches_are_read_once_after_the_learned_delay_and_never_early() {
        let dir = tempfile::tempdir().unwrap();
        let setup = MeterSetup::Telescopic;
        let plan =
            Procedure::built_in("jesra-x0093", TestType::Acceptance).unwrap().plan(setup, 8, false);
        let bench = Arc::new(Sluggish::new(setup, Duration::from_millis(30)));
        let path = dir.path().join("s.jsonl");
        let patches = walk_sluggish(&plan, &BTreeSet::new(), &bench, &path, setup);
        assert!(patches.len() >= 20, "{}", patches.len());
        for (what, value, settle, level) in &patches {
            assert!(
                (value - level).abs() <= 0.02 * level,
                "{what}: {value} vs {level}, {settle:?}"
            );
            assert!(settle.converged, "{what}");
        }
        let readings: usize = patches.iter().map(|p| p.2.readings).sum();
        let learned =
            patches.iter().filter(|p| p.2.basis == Some(SettleBasis::LearnedDelay)).count();
        assert_eq!(patches[0].2.basis, Some(SettleBasis::Agreement), "the first patch learns");
        assert!(learned >= patches.len() / 2, "{learned} of {} after the delay", patches.len());
        // Reading every patch to agreement takes at least two readings each.
        assert!(readings < 2 * patches.len(), "{readings} readings for {} patches", patches.len());
    }

    /// A resumed walk starts a new settler, and its first patch may be what
    /// the screen already shows (the walk stopped after showing it): with no
    /// change of light, the settler would learn a settling time of zero and
    /// read the next patches too early. That patch is read to agreement and
    /// the settler learns on the next one.
    #[test]
    fn a_resumed_walk_learns_from_a_real_change_of_light() {
        let dir = tempfile::tempdir().unwrap();
        let setup = MeterSetup::Telescopic;
        let plan =
            Procedure::built_in("jesra-x0093", TestType::Acceptance).unwrap().plan(setup, 8, false);
        let first_patch =
            plan.iter().position(|s| matches!(s.action, StepAction::ReadResponse { .. })).unwrap();
        // Stopped after six patches, with the seventh on the screen, settled.
        let stop = first_patch + 6;
        let path = dir.path().join("s.jsonl");
        let bench = Arc::new(Sluggish::new(setup, Duration::from_millis(30)));
        let before: BTreeSet<String> = plan[stop..].iter().map(|s| s.id.clone()).collect();
        walk_sluggish(&plan, &before, &bench, &path, setup);
        let StepAction::ReadResponse { ddl } = plan[stop].action else { panic!() };
        Bench::show(&*bench, plan[stop].pattern.as_deref().unwrap(), Some(ddl)).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let done: BTreeSet<String> = plan[..stop].iter().map(|s| s.id.clone()).collect();
        let patches = walk_sluggish(&plan, &done, &bench, &path, setup);
        for (what, value, settle, level) in &patches[6..] {
            assert!(
                (value - level).abs() <= 0.02 * level,
                "{what}: {value} vs {level}, {settle:?}"
            );
        }
    }

    #[test]
    fn raw_replies_are_kept_exactly() {
        assert_eq!(super::raw_reply_text(b"OK00,1234,\r\n"), "OK00,1234,\r\n");
        assert_eq!(super::raw_reply_text(&[0x78, 0x80, 0x08]), "hex:788008");
        assert_eq!(super::raw_reply_text(&[0x02, b'1', 0x03]), "hex:023103");
    }
}
