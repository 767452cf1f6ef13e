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

use monqc_drivers::{
    FlagKind as DriverFlagKind, MeasureRequest, MeterError, Photometer, Reading, SettleRule,
    Settler,
};

use crate::measuring::prompts::Instruction;
use crate::measuring::simulated_display::{Shown, SimulatedDisplay};
use crate::numbers::colour::Chromaticity;
use crate::numbers::luminance;
use crate::numbers::measurement::{FlagKind, MeterFlag, Position};
use crate::records::confirmation::{Action, Confirmation, ConfirmedBy};
use crate::records::session::{
    SessionEntry, SessionWriteError, SessionWriter, Settle, SettleBasis,
};
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

/// How the meter meets the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeterMount {
    /// A meter a person holds or mounts: it must be placed at each position.
    HandHeld,
    /// A built-in front sensor: it reads the centre where it sits and can
    /// be placed nowhere else.
    BuiltInFront,
}

/// What kind of bench a session runs on: who does the physical work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchKind {
    /// The simulated display and the meters that read it: it switches
    /// itself off and on and moves its meter itself. Nobody looks at a
    /// real panel, so a visual item may be answered by `--yes` or an
    /// answers file (the record says so).
    Simulated,
    /// A real display: a person switches it off and on and judges it, and
    /// places the meter unless it is built in.
    Real {
        /// The meter.
        meter: MeterMount,
    },
}

impl BenchKind {
    /// Who does `action` (at `position`) without a person, if anyone.
    pub fn does_itself(self, action: Action, position: Option<Position>) -> Option<ConfirmedBy> {
        match (self, action) {
            (_, Action::Judge) => None,
            (Self::Simulated, _) => Some(ConfirmedBy::SimulatedBenchAutomatic),
            (Self::Real { meter: MeterMount::BuiltInFront }, Action::PlaceMeter)
                if position == Some(Position::Centre) =>
            {
                Some(ConfirmedBy::BuiltInSensor)
            }
            (Self::Real { .. }, _) => None,
        }
    }

    /// True when only a person at the display at that moment can confirm
    /// `action`: anything physical on a real display, and every visual
    /// judgement of a real panel.
    pub fn needs_person(self, action: Action, position: Option<Position>) -> bool {
        match self {
            Self::Simulated => false,
            Self::Real { .. } => self.does_itself(action, position).is_none(),
        }
    }
}

/// A key the operator pressed at the display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsoleKey {
    /// Enter or Space: the instruction is done.
    Done,
    /// Y: the criterion is met.
    Yes,
    /// N: the criterion is not met.
    No,
    /// Q or Escape, or the window was closed: stop.
    Quit,
}

/// The display's own way to talk to the operator: a caption over the
/// pattern (never over a measured area) and the keys pressed there.
pub trait Console {
    /// Show `lines` as a caption over the pattern now on screen, or the
    /// pattern alone (`None`); returns once it is shown.
    fn caption(&self, lines: Option<&[String]>) -> Result<(), SequenceError>;
    /// The next key pressed, waiting at most `timeout`.
    fn key(&self, timeout: Duration) -> Option<ConsoleKey>;
    /// Forget keys pressed before now (they answered no caption).
    fn forget_keys(&self);
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
    /// Who does the physical work on this bench.
    fn kind(&self) -> BenchKind;
    /// The window's caption and keys, when the patterns are on a window.
    fn console(&self) -> Option<&dyn Console> {
        None
    }
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
    fn kind(&self) -> BenchKind {
        BenchKind::Simulated
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
    fn kind(&self) -> BenchKind {
        (**self).kind()
    }
    fn console(&self) -> Option<&dyn Console> {
        (**self).console()
    }
    fn set_background(&self, ddl: u16) {
        (**self).set_background(ddl)
    }
    fn reduced_surface(&self) -> Option<ShownSurface> {
        (**self).reduced_surface()
    }
}

/// Two benches driven together (a simulated display shown in a real
/// window): simulated if either is, with the console of either.
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
    fn kind(&self) -> BenchKind {
        match (self.0.kind(), self.1.kind()) {
            (BenchKind::Simulated, _) | (_, BenchKind::Simulated) => BenchKind::Simulated,
            (real, _) => real,
        }
    }
    fn console(&self) -> Option<&dyn Console> {
        self.1.console().or_else(|| self.0.console())
    }
    fn set_background(&self, ddl: u16) {
        self.0.set_background(ddl);
        self.1.set_background(ddl);
    }
    fn reduced_surface(&self) -> Option<ShownSurface> {
        self.0.reduced_surface().or_else(|| self.1.reduced_surface())
    }
}

/// Whether a person is there to confirm physical steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// A person answers each instruction and question at that moment.
    Person,
    /// Nobody: the operator stands in for a person in this way (`--yes`,
    /// an answers file), which only a simulated bench accepts.
    Unattended {
        /// How its answers are recorded.
        by: ConfirmedBy,
    },
}

/// A visual question as the operator is asked it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Question<'a> {
    /// The item (overall, greyscale, …).
    pub item: &'a str,
    /// The pattern on screen.
    pub pattern: &'a str,
    /// The question in English (as journalled).
    pub en: &'a str,
    /// The question in Japanese.
    pub ja: &'a str,
}

/// The answer to a visual question.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    /// Whether the criterion is met.
    pub passed: bool,
    /// The operator's note.
    pub note: Option<String>,
    /// How the answer was given.
    pub by: ConfirmedBy,
}

/// The person at the display: follows instructions and judges visual items.
pub trait Operator {
    /// Whether a person answers.
    fn presence(&self) -> Presence;
    /// Ask for the physical actions of `instruction` and wait until they
    /// are done; `console` is the pattern window's caption and keys, when
    /// there is one. Returns how it was confirmed.
    fn instruct(
        &mut self,
        instruction: &Instruction,
        console: Option<&dyn Console>,
    ) -> Result<ConfirmedBy, SequenceError>;
    /// Ask a visual question.
    fn judge(
        &mut self,
        question: &Question<'_>,
        console: Option<&dyn Console>,
    ) -> Result<Judged, SequenceError>;
    /// The bench did `instruction` itself (`by`); say so, if there is
    /// anyone to tell.
    fn done_by_bench(&mut self, _instruction: &Instruction, _by: ConfirmedBy) {}
}

/// One step that needs a person the operator cannot provide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedsPerson {
    /// The step's id.
    pub step: String,
    /// What a person must do before it.
    pub action: Action,
    /// Where the meter goes ([`Action::PlaceMeter`]).
    pub position: Option<Position>,
}

/// What stands in for a person, in the words of the command line.
fn stand_in(by: ConfirmedBy) -> &'static str {
    match by {
        ConfirmedBy::AssumedYes => "--yes",
        ConfirmedBy::AnswersFile => "an answers file (--answers)",
        _ => "an unattended run",
    }
}

/// Group the steps that need a person by action, for one message.
fn describe_needs(needs: &[NeedsPerson]) -> String {
    let mut parts = Vec::new();
    for (action, words) in [
        (Action::SwitchDisplayOff, "switch the display off before"),
        (Action::SwitchDisplayOn, "switch the display back on before"),
        (Action::PlaceMeter, "place the meter for"),
        (Action::Judge, "look at the pattern and judge"),
    ] {
        let steps: Vec<String> = needs
            .iter()
            .filter(|n| n.action == action)
            .map(|n| match (action, n.position) {
                (Action::PlaceMeter, Some(p)) if !n.step.ends_with(&format!("/{p}")) => {
                    format!("{} ({p})", n.step)
                }
                _ => n.step.clone(),
            })
            .collect();
        if !steps.is_empty() {
            parts.push(format!("{words} {}", steps.join(", ")));
        }
    }
    parts.join("; ")
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
    /// Steps need a person at the display and nobody will be there: on a
    /// real display, `--yes` would take an unmoved meter's five centre
    /// readings as uniformity and a lit screen as Lamb.
    #[error(
        "on a real display, {count} step(s) need a person at the display at that \
         moment, which {stand_in} cannot confirm: {list}. Nothing was measured. Run without \
         --yes and --answers: each of these steps is then asked at the terminal and in a \
         caption on the pattern window (--window), and the person confirms it there, then",
        count = .needs.iter().map(|n| &n.step).collect::<BTreeSet<_>>().len(),
        stand_in = stand_in(*.by),
        list = describe_needs(.needs)
    )]
    NeedsPerson {
        /// How the operator would have answered.
        by: ConfirmedBy,
        /// The steps and what each needs.
        needs: Vec<NeedsPerson>,
    },
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

/// Where things stand on the bench between steps.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct BenchState {
    display_off: bool,
    meter_at: Option<Position>,
}

/// The physical actions `step` needs, given where things stand; updates
/// the state as if they were done. The walk and the check before it share
/// this, so what is checked is what is asked.
fn actions_for(step: &PlannedStep, state: &mut BenchState) -> Vec<(Action, Option<Position>)> {
    let mut actions = Vec::new();
    let switch_on = |state: &mut BenchState, actions: &mut Vec<_>| {
        if state.display_off {
            actions.push((Action::SwitchDisplayOn, None));
            state.display_off = false;
        }
    };
    match &step.action {
        StepAction::Judge { .. } => {
            switch_on(state, &mut actions);
            actions.push((Action::Judge, None));
        }
        StepAction::ReadIlluminance | StepAction::ReadAmbientLuminance => {
            if !state.display_off {
                actions.push((Action::SwitchDisplayOff, None));
                actions.push((Action::PlaceMeter, Some(Position::Centre)));
                state.display_off = true;
                state.meter_at = Some(Position::Centre);
            }
        }
        // Found from the journal: nothing physical happens.
        StepAction::FindBackground { .. } => {}
        StepAction::ReadResponse { .. }
        | StepAction::ReadResponseOnBackground { .. }
        | StepAction::ReadUniformity { .. } => {
            switch_on(state, &mut actions);
            let position = match step.action {
                StepAction::ReadUniformity { position, .. } => position,
                _ => Position::Centre,
            };
            if state.meter_at != Some(position) {
                actions.push((Action::PlaceMeter, Some(position)));
                state.meter_at = Some(position);
            }
        }
    }
    actions
}

/// Refuse, before anything is measured, a walk whose steps need a person
/// the operator cannot provide: on a real display with `--yes` or an
/// answers file, every switch, meter placement and visual judgement.
pub fn check_attendance(
    plan: &[PlannedStep],
    done: &BTreeSet<String>,
    bench: BenchKind,
    presence: Presence,
) -> Result<(), SequenceError> {
    let Presence::Unattended { by } = presence else { return Ok(()) };
    let mut state = BenchState::default();
    let needs: Vec<NeedsPerson> =
        plan.iter()
            .filter(|s| !done.contains(&s.id))
            .flat_map(|step| {
                actions_for(step, &mut state).into_iter().map(move |(action, position)| {
                    NeedsPerson { step: step.id.clone(), action, position }
                })
            })
            .filter(|n| bench.needs_person(n.action, n.position))
            .collect();
    if needs.is_empty() { Ok(()) } else { Err(SequenceError::NeedsPerson { by, needs }) }
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

/// Run the steps of `plan` not in `done`, in order. Refuses at once, before
/// any step, when a step needs a person the operator cannot provide
/// ([`check_attendance`]). Each reading or judgement is journalled with how
/// every physical action before it was confirmed.
pub fn run(
    plan: &[PlannedStep],
    done: &BTreeSet<String>,
    bench: &dyn Bench,
    meters: Meters<'_>,
    operator: &mut dyn Operator,
    session: &mut SessionWriter,
    progress: &mut dyn FnMut(StepDone),
) -> Result<(), SequenceError> {
    check_attendance(plan, done, bench.kind(), operator.presence())?;
    let todo: Vec<&PlannedStep> = plan.iter().filter(|s| !done.contains(&s.id)).collect();
    let total = todo.len();
    let mut walk = Walk {
        bench,
        meters,
        operator,
        session,
        state: BenchState::default(),
        surface_noted: false,
        shown: None,
        settler: Settler::new(SettleRule::default()),
        settler_learning: true,
    };
    for (i, step) in todo.into_iter().enumerate() {
        let value = match &step.action {
            StepAction::Judge { item, question, question_ja } => {
                walk.judge(step, Question { item, pattern: "", en: question, ja: question_ja })?
            }
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
/// the display switched off, where is the meter, what this walk last showed,
/// and what the luminance meter's settler has learned of the display.
struct Walk<'a, 'm> {
    bench: &'a dyn Bench,
    meters: Meters<'m>,
    operator: &'a mut dyn Operator,
    session: &'a mut SessionWriter,
    state: BenchState,
    /// A reduced surface has been journalled in this walk.
    surface_noted: bool,
    /// The pattern and level this walk last showed (None: nothing yet, or
    /// the display is off).
    shown: Option<(String, Option<u16>)>,
    /// One per walk (a resumed session starts a new one) and luminance meter.
    settler: Settler,
    /// Until a patch after a change of pattern has been read to agreement,
    /// the settler is still learning how long the display takes to settle.
    settler_learning: bool,
}

impl Walk<'_, '_> {
    /// Do the physical actions `step` needs before its reading: the bench
    /// does what it can itself, a person the rest (asked once, on the
    /// pattern now shown). Returns every action with how it was confirmed.
    fn prepare(&mut self, step: &PlannedStep) -> Result<Vec<Confirmation>, SequenceError> {
        let actions: Vec<(Action, Option<Position>)> = actions_for(step, &mut self.state)
            .into_iter()
            .filter(|(a, _)| *a != Action::Judge)
            .collect();
        let kind = self.bench.kind();
        let pattern = match step.action {
            StepAction::ReadIlluminance | StepAction::ReadAmbientLuminance => None,
            _ => step.pattern.clone(),
        };
        let (automatic, by_person): (Vec<_>, Vec<_>) =
            actions.iter().partition(|(a, p)| kind.does_itself(*a, *p).is_some());
        let mut confirmed = Vec::new();
        if !automatic.is_empty() {
            let instruction = Instruction {
                step: step.id.clone(),
                actions: automatic.clone(),
                pattern: pattern.clone(),
            };
            let by = kind.does_itself(automatic[0].0, automatic[0].1).expect("partitioned");
            self.operator.done_by_bench(&instruction, by);
        }
        let person_by = if by_person.is_empty() {
            None
        } else {
            let instruction =
                Instruction { step: step.id.clone(), actions: by_person.clone(), pattern };
            Some(self.operator.instruct(&instruction, self.bench.console())?)
        };
        for (action, position) in actions {
            let by = kind.does_itself(action, position).or(person_by).expect("asked");
            if action == Action::PlaceMeter {
                self.bench.place_meter(position.unwrap_or(Position::Centre));
            }
            confirmed.push(Confirmation { action, position, by });
        }
        if !confirmed.is_empty() {
            // The meter moved or the display was switched: the light in
            // front of the meter changed once more, when the action was
            // done (a person confirms it after doing it).
            self.settler.pattern_changed();
        }
        Ok(confirmed)
    }

    /// A visual item: show the pattern, ask, journal the judgement.
    fn judge(
        &mut self,
        step: &PlannedStep,
        question: Question<'_>,
    ) -> Result<String, SequenceError> {
        let pattern = step.pattern.as_deref().unwrap_or("");
        self.bench.show(pattern, None)?;
        self.shown = Some((pattern.to_owned(), None));
        let mut confirmed = self.prepare(step)?;
        let question = Question { pattern, ..question };
        let judged = self.operator.judge(&question, self.bench.console())?;
        confirmed.push(Confirmation { action: Action::Judge, position: None, by: judged.by });
        self.session.append(&SessionEntry::Judgement {
            item: question.item.into(),
            pattern: pattern.into(),
            question: question.en.into(),
            passed: judged.passed,
            note: judged.note,
            confirmed: Some(confirmed),
            at: self.session.timestamp(),
        })?;
        Ok(if judged.passed { "pass".to_string() } else { "FAIL".to_string() })
    }

    /// Illuminance or Lamb, with the display off and the meters at the centre.
    fn read_ambient(&mut self, step: &PlannedStep) -> Result<String, SequenceError> {
        if !self.state.display_off {
            self.bench.switch_off()?;
            self.shown = None;
        }
        let confirmed = Some(self.prepare(step)?);
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
                confirmed,
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
                confirmed,
                flags: flags_of(&r),
                at: self.session.timestamp(),
            })?;
            Ok(format!("{:.4} cd/m²", r.value))
        }
    }

    /// A response patch or a uniformity point: show the pattern, have the
    /// meter placed if it must move, read once it has settled, journal it.
    fn read_patch(&mut self, step: &PlannedStep, ddl: u16) -> Result<String, SequenceError> {
        let pattern = step.pattern.clone().unwrap_or_default();
        if matches!(step.action, StepAction::ReadResponseOnBackground { .. }) {
            let background = self.journalled_background(step)?;
            self.bench.set_background(background);
        }
        // Switched on, or another pattern or level than this walk last
        // showed: the light changes, and the settler may learn from it what
        // the display does after a change.
        let now = (pattern.clone(), Some(ddl));
        let changes = self.state.display_off || self.shown.as_ref().is_some_and(|p| *p != now);
        self.bench.show(&pattern, Some(ddl))?;
        self.settler.pattern_changed();
        self.shown = Some(now);
        self.note_surface()?;
        // Places the meter if it must move, and tells the settler.
        let confirmed = Some(self.prepare(step)?);
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
                confirmed,
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
                confirmed,
                flags,
                at: self.session.timestamp(),
            },
        };
        self.session.append(&entry)?;
        let how = match basis {
            SettleBasis::Agreement => "",
            SettleBasis::LearnedDelay => ", after the learned delay",
        };
        Ok(format!(
            "{:.4} cd/m²  [{} reading(s), {:.2} s{how}]{flagged}",
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

    use monqc_drivers::{Scene as _, SimulatedPhotometer};

    use super::*;
    use crate::measuring::simulated_display::DisplayModel;
    use crate::numbers::measurement::MeterSetup;
    use crate::records::session::SessionEntry;
    use crate::records::session::{self, FORMAT, MeterInfo, SessionHeader, VERSION};
    use crate::standards::criteria::TestType;
    use crate::standards::procedure::{self, Procedure};

    /// A person who does what is asked and says yes to everything.
    struct Agreeable;

    impl Operator for Agreeable {
        fn presence(&self) -> Presence {
            Presence::Person
        }
        fn instruct(
            &mut self,
            _: &Instruction,
            _: Option<&dyn Console>,
        ) -> Result<ConfirmedBy, SequenceError> {
            Ok(ConfirmedBy::OperatorAtTerminal)
        }
        fn judge(
            &mut self,
            _: &Question<'_>,
            _: Option<&dyn Console>,
        ) -> Result<Judged, SequenceError> {
            Ok(Judged { passed: true, note: None, by: ConfirmedBy::OperatorAtTerminal })
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
        fn kind(&self) -> BenchKind {
            BenchKind::Simulated
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
        fn kind(&self) -> BenchKind {
            BenchKind::Simulated
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

    /// A real display in a test: the software shows patterns (a switched-
    /// off display is shown as black, as the pattern window does), but only
    /// a person switches the panel off and moves the meter.
    struct RealBench {
        display: Arc<SimulatedDisplay>,
        meter: MeterMount,
    }

    impl Bench for RealBench {
        fn show(&self, _: &str, ddl: Option<u16>) -> Result<(), SequenceError> {
            self.display.show(Shown::Ddl(ddl.unwrap_or(128)));
            Ok(())
        }
        fn switch_off(&self) -> Result<(), SequenceError> {
            self.display.show(Shown::Ddl(0));
            Ok(())
        }
        fn place_meter(&self, _: Position) {}
        fn kind(&self) -> BenchKind {
            BenchKind::Real { meter: self.meter }
        }
    }

    /// The person at the real bench: does what each instruction says to
    /// the simulated panel and meter, and keeps the instructions.
    struct Hands {
        display: Arc<SimulatedDisplay>,
        asked: Vec<Instruction>,
    }

    impl Operator for Hands {
        fn presence(&self) -> Presence {
            Presence::Person
        }
        fn instruct(
            &mut self,
            instruction: &Instruction,
            _: Option<&dyn Console>,
        ) -> Result<ConfirmedBy, SequenceError> {
            for &(action, position) in &instruction.actions {
                match action {
                    Action::SwitchDisplayOff => self.display.show(Shown::Off),
                    Action::PlaceMeter => self.display.move_meter(position.unwrap()),
                    Action::SwitchDisplayOn | Action::Judge => {}
                }
            }
            self.asked.push(instruction.clone());
            Ok(ConfirmedBy::OperatorAtWindow)
        }
        fn judge(
            &mut self,
            _: &Question<'_>,
            _: Option<&dyn Console>,
        ) -> Result<Judged, SequenceError> {
            Ok(Judged { passed: true, note: None, by: ConfirmedBy::OperatorAtWindow })
        }
    }

    fn jesra_acceptance() -> Vec<PlannedStep> {
        Procedure::built_in("jesra-x0093", TestType::Acceptance).unwrap().plan(
            MeterSetup::Telescopic,
            8,
            true,
        )
    }

    /// The unattended false pass (issue 11 item 2): on a real display
    /// `--yes` or an answers file would have taken all five uniformity
    /// readings at the centre and Lamb with the panel lit. Refused before
    /// anything is read, naming the steps and what to do.
    #[test]
    fn a_real_display_refuses_a_stand_in_before_any_reading() {
        let dir = tempfile::tempdir().unwrap();
        let display =
            Arc::new(SimulatedDisplay::new(DisplayModel::default(), MeterSetup::Telescopic));
        let bench = RealBench { display: Arc::clone(&display), meter: MeterMount::HandHeld };
        let plan = jesra_acceptance();
        for mut stand_in in [
            Box::new(crate::measuring::operator::AssumeYes::new(Default::default(), None))
                as Box<dyn Operator>,
            Box::new(crate::measuring::operator::Unattended::new(Default::default(), None)),
        ] {
            let path = dir.path().join(format!("{:?}.jsonl", stand_in.presence()));
            let header = header("jesra-x0093", TestType::Acceptance, MeterSetup::Telescopic);
            let mut writer = SessionWriter::create(&path, &header, clock).unwrap();
            let mut luminance = SimulatedPhotometer::new(Arc::clone(&display), 1);
            let meters = Meters { luminance: &mut luminance, illuminance: None };
            let e = run(
                &plan,
                &BTreeSet::new(),
                &bench,
                meters,
                stand_in.as_mut(),
                &mut writer,
                &mut |_| {},
            )
            .unwrap_err();
            let SequenceError::NeedsPerson { ref needs, .. } = e else { panic!("{e}") };
            let text = e.to_string();
            for step in [
                "switch the display off before ambient-illuminance",
                "switch the display back on before JIRA-BN01",
                "TG18-UN80/top-left",
                "TG18-UN80/bottom-right",
                "look at the pattern and judge visual/overall",
                "Nothing was measured",
                "Run without --yes and --answers",
            ] {
                assert!(text.contains(step), "{step}: {text}");
            }
            assert_eq!(
                needs.iter().filter(|n| n.action == Action::PlaceMeter).count(),
                6,
                "the centre for ambient and BN, then each of the five uniformity squares but the centre twice: {needs:?}"
            );
            assert!(session::read(&path).unwrap().entries.is_empty(), "nothing was read");
        }
        // A person makes it possible, and so does a simulated bench for a stand-in.
        let done = BTreeSet::new();
        assert!(check_attendance(&plan, &done, bench.kind(), Presence::Person).is_ok());
        let yes = Presence::Unattended { by: ConfirmedBy::AssumedYes };
        assert!(check_attendance(&plan, &done, BenchKind::Simulated, yes).is_ok());
    }

    /// A built-in front sensor needs no placing at the centre, so a
    /// response-only walk may run unattended; the uniformity corners and
    /// the ambient readings (display off) still need a person.
    #[test]
    fn a_built_in_sensor_runs_unattended_only_where_nothing_physical_happens() {
        let built_in = BenchKind::Real { meter: MeterMount::BuiltInFront };
        let yes = Presence::Unattended { by: ConfirmedBy::AssumedYes };
        let plan = jesra_acceptance();
        let response_only: Vec<PlannedStep> = plan
            .iter()
            .filter(|s| matches!(s.action, StepAction::ReadResponse { .. }))
            .cloned()
            .collect();
        assert!(check_attendance(&response_only, &BTreeSet::new(), built_in, yes).is_ok());
        let hand_held = BenchKind::Real { meter: MeterMount::HandHeld };
        assert!(check_attendance(&response_only, &BTreeSet::new(), hand_held, yes).is_err());
        let Err(SequenceError::NeedsPerson { needs, .. }) =
            check_attendance(&plan, &BTreeSet::new(), built_in, yes)
        else {
            panic!("the full plan needs a person")
        };
        assert!(needs.iter().any(|n| n.step == "TG18-UN80/top-left"));
        assert!(
            !needs.iter().any(|n| n.step == "TG18-UN80/centre" && n.action == Action::PlaceMeter)
        );
        assert!(needs.iter().any(|n| n.action == Action::SwitchDisplayOff));
        // What is already done needs nobody: a resume checks only what is left.
        let done: BTreeSet<String> = plan
            .iter()
            .filter(|s| !matches!(s.action, StepAction::ReadResponse { .. }))
            .map(|s| s.id.clone())
            .collect();
        assert!(check_attendance(&plan, &done, built_in, yes).is_ok());
    }

    /// With a person on a real bench, each uniformity reading is taken
    /// where the person placed the meter (the corners read lower than the
    /// centre on a panel with fall-off), Lamb with the panel off, and every
    /// journal entry says how each action before it was confirmed.
    #[test]
    fn a_person_is_asked_each_move_and_the_journal_says_who_confirmed_it() {
        let dir = tempfile::tempdir().unwrap();
        let model =
            DisplayModel { corner_falloff: 0.2, noise_relative: 0.0, ..DisplayModel::default() };
        let display = Arc::new(SimulatedDisplay::new(model, MeterSetup::Telescopic));
        let bench = RealBench { display: Arc::clone(&display), meter: MeterMount::HandHeld };
        let mut hands = Hands { display: Arc::clone(&display), asked: Vec::new() };
        let path = dir.path().join("s.jsonl");
        let header = header("jesra-x0093", TestType::Acceptance, MeterSetup::Telescopic);
        let mut writer = SessionWriter::create(&path, &header, clock).unwrap();
        let mut luminance = SimulatedPhotometer::new(Arc::clone(&display), 1);
        luminance.noise_relative = 0.0;
        let mut illuminance = SimulatedPhotometer::new(Arc::clone(&display), 2);
        let meters = Meters { luminance: &mut luminance, illuminance: Some(&mut illuminance) };
        run(
            &jesra_acceptance(),
            &BTreeSet::new(),
            &bench,
            meters,
            &mut hands,
            &mut writer,
            &mut |_| {},
        )
        .unwrap();
        let s = session::read(&path).unwrap();
        let at = |id: &str| s.entries.iter().find(|e| e.step().as_deref() == Some(id)).unwrap();
        let by_window =
            |action, position| Confirmation { action, position, by: ConfirmedBy::OperatorAtWindow };
        assert_eq!(
            at("ambient-illuminance").confirmed().unwrap(),
            [
                by_window(Action::SwitchDisplayOff, None),
                by_window(Action::PlaceMeter, Some(Position::Centre))
            ]
        );
        assert_eq!(at("ambient-luminance").confirmed().unwrap(), [], "nothing more to do");
        assert_eq!(
            at("JIRA-BN01").confirmed().unwrap(),
            [by_window(Action::SwitchDisplayOn, None)]
        );
        assert_eq!(at("JIRA-BN02").confirmed().unwrap(), []);
        assert_eq!(
            at("TG18-UN80/top-left").confirmed().unwrap(),
            [by_window(Action::PlaceMeter, Some(Position::TopLeft))]
        );
        assert_eq!(at("visual/flicker").confirmed().unwrap(), [by_window(Action::Judge, None)]);
        let lamb = s.measurement_set(&path).ambient.unwrap().lamb_cd_m2;
        assert!(lamb < 1.0, "Lamb read with the panel off, not lit: {lamb}");
        let u = s.measurement_set(&path).uniformity;
        let centre = u.iter().find(|r| r.position == Position::Centre).unwrap().luminance_cd_m2;
        for r in u.iter().filter(|r| r.position != Position::Centre) {
            assert!(
                r.luminance_cd_m2 < 0.9 * centre,
                "{:?} read where the meter was placed",
                r.position
            );
        }
        let asked: Vec<&str> = hands.asked.iter().map(|i| i.step.as_str()).collect();
        assert_eq!(
            asked,
            [
                "ambient-illuminance",
                "JIRA-BN01",
                "TG18-UN80/top-left",
                "TG18-UN80/top-right",
                "TG18-UN80/centre",
                "TG18-UN80/bottom-left",
                "TG18-UN80/bottom-right"
            ]
        );
    }

    /// On the simulated bench the bench does every physical action itself
    /// and the journal says so; `--yes` answers only the visual items.
    #[test]
    fn the_simulated_bench_confirms_its_own_actions() {
        let dir = tempfile::tempdir().unwrap();
        let display =
            Arc::new(SimulatedDisplay::new(DisplayModel::default(), MeterSetup::Telescopic));
        let path = dir.path().join("s.jsonl");
        let header = header("jesra-x0093", TestType::Acceptance, MeterSetup::Telescopic);
        let mut writer = SessionWriter::create(&path, &header, clock).unwrap();
        let mut luminance = SimulatedPhotometer::new(Arc::clone(&display), 1);
        let mut illuminance = SimulatedPhotometer::new(Arc::clone(&display), 2);
        let meters = Meters { luminance: &mut luminance, illuminance: Some(&mut illuminance) };
        let mut yes = crate::measuring::operator::AssumeYes::new(Default::default(), None);
        run(
            &jesra_acceptance(),
            &BTreeSet::new(),
            &*display,
            meters,
            &mut yes,
            &mut writer,
            &mut |_| {},
        )
        .unwrap();
        let s = session::read(&path).unwrap();
        for e in &s.entries {
            for c in e.confirmed().expect("every step says how it was confirmed") {
                let expected = if c.action == Action::Judge {
                    ConfirmedBy::AssumedYes
                } else {
                    ConfirmedBy::SimulatedBenchAutomatic
                };
                assert_eq!(c.by, expected, "{:?}", e.step());
            }
        }
        let placed = s
            .entries
            .iter()
            .flat_map(|e| e.confirmed().unwrap())
            .filter(|c| c.action == Action::PlaceMeter)
            .count();
        assert_eq!(placed, 6);
    }
}
