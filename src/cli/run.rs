//! `monqc run` and `monqc resume`: guided test sessions on a display from
//! the site configuration, finalised into records.

use std::collections::BTreeSet;
use std::io::BufReader;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use monqc::measuring::lifecycle::{self, NewSession, Resumed};
use monqc::measuring::operator::{AssumeYes, Person, Scripted, Terminal};
use monqc::measuring::prompts::Language;
use monqc::measuring::rig::{self, Rig, SimSettings};
use monqc::measuring::sequence::{self, BenchKind, Operator, StepDone};
use monqc::measuring::simulated_display::DisplayModel;
use monqc::office::site::Site;
use monqc::office::typed_text::{self, Lines};
use monqc::records::record;
use monqc::records::session::{self, SessionHeader, SessionWriter};
use monqc::records::store::Store;
use monqc::standards::analysis;
use monqc::standards::criteria::{Criteria, TestType};
use monqc::standards::procedure::{PlannedStep, Procedure};
use monqc_drivers::twin::Fault;

use super::report::LangArg;
use super::{Outcome, open_store, verdicts};

/// Options shared by `run` and `resume`: how the operator answers and how
/// the patterns are shown.
#[derive(Debug, Args)]
pub struct OperatorArgs {
    /// Take every visual item as met without viewing (the record says so).
    /// Simulated meters only (sim, sim-KIND): with a real meter the session
    /// refuses, since moving the meter, switching the display and judging
    /// need a person at that moment.
    #[arg(long, conflicts_with = "answers")]
    yes: bool,
    /// Visual judgements from a TOML file (`greyscale = "pass"`,
    /// `artefacts = "fail: crosstalk at the right edge"`). Simulated meters
    /// only, as --yes.
    #[arg(long, value_name = "FILE")]
    answers: Option<PathBuf>,
    /// Language of the instructions and questions [default: Japanese when
    /// LC_ALL, LC_MESSAGES or LANG starts with `ja`, else English].
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Show the patterns fullscreen on a monitor (needed with a real meter);
    /// the operator can answer there with the keys named in its caption.
    #[arg(long)]
    window: bool,
    /// Monitor for --window (see `monqc patterns monitors`).
    #[arg(long, default_value_t = 0)]
    monitor: usize,
    /// Scale the simulated meters' timing (1 = the instruments' own).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// The baseline record for a constancy test [default: the display's latest acceptance record].
    #[arg(long, value_name = "RECORD")]
    baseline: Option<String>,
    /// Print the verdicts as JSON.
    #[arg(long)]
    json: bool,
    /// Record every byte exchanged with the luminance meter into FILE (and
    /// with a separate illuminance meter into FILE's name + `.illuminance`),
    /// for a bug report.
    #[arg(long, value_name = "FILE")]
    transcript: Option<PathBuf>,
    /// Fault tests: inject a fault into the simulated luminance meter
    /// (hang-up-at:N, silent, garbage).
    #[arg(long, hide = true, value_parser = parse_fault)]
    sim_fault: Option<Fault>,
}

/// Run a test session on a display: the procedure of its standard, shown
/// and measured step by step, each reading journalled as it is taken, then
/// finalised into a record.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Which test.
    #[arg(value_enum)]
    test: TestArg,
    /// Display id from the site configuration (`monqc displays list`).
    #[arg(long)]
    display: String,
    /// Standard [default: the display's].
    #[arg(long)]
    standard: Option<String>,
    /// Grade [default: the display's].
    #[arg(long)]
    grade: Option<String>,
    /// Luminance meter: a meter id from the site file, KIND:PORT
    /// (ls100:/dev/ttyUSB0, ls100:COM3), spotread, sim or sim-KIND [default: the display's
    /// meter; `none` for the daily visual check].
    #[arg(long, value_name = "SEL")]
    meter: Option<String>,
    /// Separate illuminance meter (id or selector, e.g. t10a:/dev/ttyUSB1 or sim-t10a).
    #[arg(long, value_name = "SEL")]
    illuminance_meter: Option<String>,
    /// Who runs the test (an operator id from the site file, or a name) [default: $USER].
    #[arg(long)]
    operator: Option<String>,
    /// Judge only these items (comma-separated: lmax, ratio, kdelta, ambient,
    /// uniformity, chromaticity, tracking, lmax-change, visual); recorded
    /// with the session, and the verdict says which items it covers (exit 3,
    /// INCOMPLETE, when required items are left out).
    #[arg(long, value_name = "ITEMS", value_delimiter = ',')]
    only: Option<Vec<String>>,
    #[command(flatten)]
    common: OperatorArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TestArg {
    /// Acceptance test (受入試験).
    Acceptance,
    /// Periodic constancy test against the baseline (不変性試験).
    Constancy,
    /// Visual check before use on each day of use.
    Daily,
}

/// Continue an interrupted session where it stopped; nothing already
/// measured is asked for again.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Session id (file name without .jsonl) or path to the session file.
    session: String,
    #[command(flatten)]
    common: OperatorArgs,
}

/// The simulated bench of session `session_id` (for simulated meters): the
/// display's simulated panel, driven at the session's bit depth.
fn sim_settings(
    model: Option<DisplayModel>,
    bit_depth: u8,
    common: &OperatorArgs,
    session_id: &str,
) -> anyhow::Result<SimSettings> {
    let time_scale = common.time_scale;
    anyhow::ensure!(
        time_scale.is_finite() && time_scale > 0.0,
        "--time-scale {time_scale}: give a positive factor"
    );
    let model = model.map(|m| DisplayModel { bit_depth, ..m });
    Ok(SimSettings::for_session(
        Some(model.unwrap_or(DisplayModel { bit_depth, ..DisplayModel::default() })),
        time_scale,
        common.sim_fault.unwrap_or_default(),
        session_id,
    ))
}

/// Parse `--sim-fault`: `hang-up-at:N` pulls the simulated cable when
/// reading N starts; `silent` and `garbage` make the twin misbehave.
fn parse_fault(s: &str) -> Result<Fault, String> {
    match s.split_once(':') {
        Some(("hang-up-at", n)) => n
            .parse()
            .map(Fault::HangUpAtReading)
            .map_err(|_| format!("`{n}` is not a reading number")),
        None if s == "silent" => Ok(Fault::Silent),
        None if s == "garbage" => Ok(Fault::Garbage),
        _ => Err(format!("unknown fault `{s}`: use hang-up-at:N, silent or garbage")),
    }
}

/// The language of the operator's prompts: `--lang`, else the locale's.
pub(super) fn language(arg: Option<LangArg>) -> Language {
    match arg {
        Some(LangArg::Ja) => Language::Ja,
        Some(LangArg::En) => Language::En,
        None => Language::from_locale(|name| std::env::var(name).ok()),
    }
}

/// Print one finished step on stderr.
pub(super) fn print_progress(s: StepDone) {
    note!("[{:>2}/{}] {:<32} {}", s.index, s.total, s.id, s.value);
}

/// The operator the command line asks for: answers from a file, `--yes`,
/// or a person at the terminal (and at the pattern window, with --window).
///
/// Before any meter is opened: a real display needs a person for every
/// switch, meter placement and visual judgement of the steps not `done`,
/// and an answers file must answer every visual item among them.
fn choose_operator(
    common: &OperatorArgs,
    plan: &[PlannedStep],
    done: &BTreeSet<String>,
    bench: BenchKind,
) -> anyhow::Result<Box<dyn Operator>> {
    let lang = language(common.lang);
    let out = || Some(Box::new(std::io::stderr()) as Box<dyn std::io::Write + Send>);
    let operator: Box<dyn Operator> = match (common.yes, common.answers.as_deref()) {
        (_, Some(path)) => {
            let answers = Scripted::load(path, lang, out())?;
            sequence::check_attendance(plan, done, bench, answers.presence())?;
            let todo: Vec<PlannedStep> =
                plan.iter().filter(|s| !done.contains(&s.id)).cloned().collect();
            answers.check_plan(&todo)?;
            return Ok(Box::new(answers));
        }
        (true, None) => Box::new(AssumeYes::new(lang, out())),
        (false, None) => {
            let terminal = Terminal::new(BufReader::new(std::io::stdin()), std::io::stderr())
                .context("cannot listen to the terminal")?;
            Box::new(Person::new(lang, Some(terminal)))
        }
    };
    sequence::check_attendance(plan, done, bench, operator.presence())?;
    Ok(operator)
}

/// The baseline of a constancy session, chosen and checked before anything
/// is measured (a wrong `--baseline` costs no readings).
fn baseline_for(
    store: &Store,
    header: &SessionHeader,
    common: &OperatorArgs,
) -> anyhow::Result<Option<String>> {
    let baseline = lifecycle::choose_baseline(store, header, common.baseline.as_deref())
        .context("--baseline")?;
    if header.test == TestType::Constancy && baseline.is_none() {
        note!(
            "monqc: note: display {} has no acceptance record that passed; the comparison with \
             the baseline cannot be made, and the verdict will be INCOMPLETE (判定保留)",
            header.display_id
        );
    }
    Ok(baseline)
}

/// What walks a session: the bench, its journal, the steps already done
/// and who answers.
struct Walking {
    rig: Rig,
    writer: SessionWriter,
    done: BTreeSet<String>,
    operator: Box<dyn Operator>,
}

/// Walk the rest of the session's plan, then finalise it into a record and
/// print its verdicts.
fn complete(
    store: &Store,
    header: &SessionHeader,
    walking: Walking,
    common: &OperatorArgs,
    baseline: Option<String>,
) -> anyhow::Result<Outcome> {
    let Walking { mut rig, mut writer, done, mut operator } = walking;
    let plan = lifecycle::plan(header, true)?;
    rig.walk(&plan, &done, operator.as_mut(), &mut writer, &mut print_progress)?;
    finish_transcripts(&rig);
    drop(rig);
    let path = writer.path().to_path_buf();
    drop(writer);
    let (id, record) =
        lifecycle::finalise(store, &path, header, baseline.as_deref(), chrono::Utc::now)?;
    let outcome = verdicts::emit(&record.analysis, common.json)?;
    note!("record: {}", store.record_path(&id).display());
    Ok(outcome)
}

pub fn run(args: RunArgs) -> anyhow::Result<Outcome> {
    let store = open_store()?;
    let site_path = store.site_file();
    let site = Site::load(&site_path)?;
    let display = site.display(&args.display, &site_path)?.clone();
    let standard = args.standard.clone().unwrap_or_else(|| display.standard.clone());
    let criteria = Criteria::built_in_for(&standard)?;
    let grade = args.grade.clone().unwrap_or_else(|| display.grade.clone());
    criteria.grade(&grade)?;
    let test = match args.test {
        TestArg::Acceptance => TestType::Acceptance,
        TestArg::Constancy => TestType::Constancy,
        TestArg::Daily => TestType::Daily,
    };
    let meter_arg = args
        .meter
        .clone()
        .or_else(|| display.meter.clone())
        .or_else(|| (test == TestType::Daily).then(|| "none".to_string()))
        .with_context(|| {
            format!(
                "which meter? give --meter, or set `meter = \"ID\"` for display {} in {}",
                display.id,
                site_path.display()
            )
        })?;
    if let Some(only) = &args.only {
        analysis::check_scope(only)?;
    }
    // A meter id from the site file brings its selector, serial and
    // calibration date.
    let (meter_selector, _) = site.meter_selector(&meter_arg);
    let site_meter = site.site_meter(&meter_arg);
    // Before any meter is opened: a real display needs a person for every
    // switch, meter placement and visual judgement.
    let plan = Procedure::built_in(&criteria.standard.id, test)?.plan(
        display.setup,
        display.bit_depth,
        true,
    );
    let who_answers =
        choose_operator(&args.common, &plan, &BTreeSet::new(), rig::bench_kind(&meter_selector))?;
    if let Some(m) = site.meter(&meter_arg)
        && m.calibration_overdue(chrono::Utc::now().date_naive())
    {
        note!(
            "monqc: warning: meter {meter_arg} was last calibrated on {}, over a year ago",
            m.calibration_date.as_deref().unwrap_or_default()
        );
    }
    let id = lifecycle::session_id(&format!("{}-{test}", display.id), chrono::Utc::now);
    let sim = sim_settings(display.simulation.clone(), display.bit_depth, &args.common, &id)?;
    // A simulated luminance meter needs an illuminance reading too: an
    // ideal simulated one unless another is named.
    let illuminance_selector = args
        .illuminance_meter
        .as_deref()
        .map(|m| site.meter_selector(m).0)
        .or_else(|| rig::is_simulated(&meter_selector).then(|| "sim".to_string()));
    let illuminance_site =
        args.illuminance_meter.as_deref().map(|m| site.site_meter(m)).unwrap_or_default();
    let mut rig = Rig::open_recorded(
        &meter_selector,
        illuminance_selector.as_deref(),
        display.setup,
        display.bit_depth,
        &sim,
        args.common.window.then_some(args.common.monitor),
        args.common.transcript.as_deref(),
    )?;
    print_transcripts(&rig);
    let (meter, illuminance_meter) = rig.meter_infos(
        &meter_selector,
        site_meter,
        illuminance_selector.as_deref(),
        illuminance_site,
    )?;
    let operator = match &args.operator {
        Some(o) => site.operator_name(o),
        None => std::env::var("USER").unwrap_or_else(|_| "operator".into()),
    };
    // REDTEAM D8: a name the report font cannot print is refused now, not
    // when the record's PDF is made.
    typed_text::check("--operator", &operator, Lines::One)?;
    let new = NewSession {
        standard: criteria.standard.id.clone(),
        grade,
        test,
        setup: display.setup,
        bit_depth: display.bit_depth,
        display_id: display.id.clone(),
        display: display.description(),
        operator,
        rd_cd_m2_per_lx: display.session_rd_cd_m2_per_lx(rig::is_simulated(&meter_selector)),
        only: args.only.clone(),
        lmax_change_limit_percent: site.constancy.lmax_change_percent,
    };
    let header = lifecycle::header(new, meter, illuminance_meter, chrono::Utc::now);
    let baseline = baseline_for(&store, &header, &args.common)?;
    let (id, writer) = lifecycle::create_session(&store, &id, &header, chrono::Utc::now)?;
    note!("session {id}: {}", Procedure::built_in(&criteria.standard.id, test)?.title);
    let walking = Walking { rig, writer, done: BTreeSet::new(), operator: who_answers };
    complete(&store, &header, walking, &args.common, baseline)
}

pub fn resume(args: ResumeArgs) -> anyhow::Result<Outcome> {
    let store = open_store()?;
    let path = if args.session.ends_with(".jsonl") {
        PathBuf::from(&args.session)
    } else {
        store.checked_session_path(&args.session)?
    };
    if !path.exists() {
        bail!(
            "no session {} ({}); session files are in {}",
            args.session,
            path.display(),
            store.sessions_dir().display()
        );
    }
    // Who answers is settled before the journal is opened for writing, so a
    // refused resume (`--yes` on a real display, an answers file that lacks
    // an item) leaves the file exactly as it was. A finalised session is
    // shown below whoever would answer.
    let operator = match session::read(&path) {
        Ok(s) if record::record_of_session(&store, &path)?.is_none() => Some(choose_operator(
            &args.common,
            &lifecycle::plan(&s.header, true)?,
            &s.steps_done(),
            rig::bench_kind(&s.header.meter.selector),
        )?),
        // Unreadable here: `lifecycle::resume` says why.
        _ => None,
    };
    // A finished session is never written to again: show its record. It is
    // found by the session's content, not the file's name.
    let (writer, session) = match lifecycle::resume(&store, &path, chrono::Utc::now)? {
        Resumed::Finalised { id, record } => {
            note!("session {} was already finalised as record {id}", args.session);
            let outcome = verdicts::emit(&record.analysis, args.common.json)?;
            note!("record: {}", store.record_path(&id).display());
            return Ok(outcome);
        }
        Resumed::Continue { writer, session } => (writer, session),
    };
    for w in &session.warnings {
        note!("monqc: note: {w}");
    }
    let header = session.header.clone();
    let baseline = baseline_for(&store, &header, &args.common)?;
    let site = Site::load(&store.site_file())?;
    let model =
        site.displays.iter().find(|d| d.id == header.display_id).and_then(|d| d.simulation.clone());
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let sim = sim_settings(model, header.bit_depth, &args.common, &stem)?;
    let done = session.steps_done();
    let operator = match operator {
        Some(o) => o,
        None => choose_operator(
            &args.common,
            &lifecycle::plan(&header, true)?,
            &done,
            rig::bench_kind(&header.meter.selector),
        )?,
    };
    note!("resuming session {}: {} step(s) already done", path.display(), done.len());
    let rig = Rig::open_recorded(
        &header.meter.selector,
        header.illuminance_meter.as_ref().map(|m| m.selector.as_str()),
        header.setup,
        header.bit_depth,
        &sim,
        args.common.window.then_some(args.common.monitor),
        args.common.transcript.as_deref(),
    )?;
    print_transcripts(&rig);
    complete(&store, &header, Walking { rig, writer, done, operator }, &args.common, baseline)
}

/// Say where the meters' transcripts go, before anything can fail.
pub(super) fn print_transcripts(rig: &Rig) {
    for path in rig.transcripts() {
        note!("transcript: {}", path.display());
    }
}

/// Flush the transcripts; a write error is a warning (the readings are in
/// the journal, whatever happened to the transcript).
pub(super) fn finish_transcripts(rig: &Rig) {
    if let Err(e) = rig.finish_transcripts() {
        note!("monqc: warning: {e}");
    }
}
