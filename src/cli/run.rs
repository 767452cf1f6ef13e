//! `monqc run` and `monqc resume`: guided test sessions on a display from
//! the site configuration, finalised into records.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use monqc::measuring::simulated_display::DisplayModel;
use monqc::office::site::Site;
use monqc::records::session::{self as journal_session, SessionWriter};
use monqc::records::store::Store;
use monqc::standards::criteria::{Criteria, TestType};
use monqc::standards::procedure::Procedure;

use super::data_dir;
use super::session::{self, Rig, SimSettings};
use super::{Outcome, verdicts};

/// Options shared by `run` and `resume`: how the operator answers and how
/// the patterns are shown.
#[derive(Debug, Args)]
pub struct OperatorArgs {
    /// Take every instruction as done and every visual item as met (the
    /// record says so): for simulated benches and scripted runs.
    #[arg(long, conflicts_with = "answers")]
    yes: bool,
    /// Visual judgements from a TOML file (`greyscale = "pass"`,
    /// `artefacts = "fail: crosstalk at the right edge"`).
    #[arg(long, value_name = "FILE")]
    answers: Option<PathBuf>,
    /// Show the patterns fullscreen on a monitor (needed with a real meter).
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
    /// Fault tests: inject a fault into the simulated luminance meter
    /// (hang-up-at:N, silent, garbage).
    #[arg(long, hide = true, value_parser = session::parse_fault)]
    sim_fault: Option<monqc_drivers::twin::Fault>,
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
    /// (ls100:/dev/ttyUSB0), spotread, sim or sim-KIND [default: the display's
    /// meter; `none` for the daily visual check].
    #[arg(long, value_name = "SEL")]
    meter: Option<String>,
    /// Separate illuminance meter (id or selector, e.g. t10a:/dev/ttyUSB1 or sim-t10a).
    #[arg(long, value_name = "SEL")]
    illuminance_meter: Option<String>,
    /// Who runs the test (an operator id from the site file, or a name) [default: $USER].
    #[arg(long)]
    operator: Option<String>,
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

/// Seed a simulated session from its id: each session of a simulated display
/// gets its own noise, and the same session (when resumed) the same one.
fn session_seed(base: u64, session_id: &str) -> u64 {
    // FNV-1a, 64 bit.
    session_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325 ^ base, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn sim_settings(
    model: Option<DisplayModel>,
    common: &OperatorArgs,
    session_id: &str,
) -> anyhow::Result<SimSettings> {
    let time_scale = common.time_scale;
    anyhow::ensure!(
        time_scale.is_finite() && time_scale > 0.0,
        "--time-scale {time_scale}: give a positive factor"
    );
    let mut model = model.unwrap_or_default();
    model.seed = session_seed(model.seed, session_id);
    Ok(SimSettings {
        noise: model.noise_relative,
        seed: model.seed.wrapping_add(1),
        model,
        time_scale,
        fault: common.sim_fault.unwrap_or_default(),
    })
}

/// Walk `plan` for the session at `path`, then finalise and print.
fn complete(
    store: &Store,
    header: &journal_session::SessionHeader,
    mut rig: Rig,
    mut writer: SessionWriter,
    done: std::collections::BTreeSet<String>,
    common: &OperatorArgs,
) -> anyhow::Result<Outcome> {
    let plan = Procedure::built_in(&header.standard, header.test)?.plan(
        header.setup,
        header.bit_depth,
        true,
    );
    let mut operator = session::choose_operator(common.yes, common.answers.as_deref())?;
    rig.walk(&plan, &done, operator.as_mut(), &mut writer)?;
    drop(rig);
    let path = writer.path().to_path_buf();
    drop(writer);
    let (id, record) = session::finalise(store, &path, header, common.baseline.as_deref())?;
    let outcome = verdicts::emit(&record.analysis, common.json)?;
    eprintln!("record: {}", store.record_path(&id).display());
    Ok(outcome)
}

pub fn run(args: RunArgs) -> anyhow::Result<Outcome> {
    let store = Store::open(&data_dir()?)?;
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
    // A meter id from the site file brings its selector and calibration date.
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
    let (meter_selector, calibration_date) = match site.meter(&meter_arg) {
        Some(m) => (m.selector.clone(), m.calibration_date.clone()),
        None => (meter_arg.clone(), None),
    };
    if let Some(date) = &calibration_date
        && let Ok(d) = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
    {
        let age = chrono::Utc::now().date_naive() - d;
        if age.num_days() > 365 {
            eprintln!(
                "monqc: warning: meter {meter_arg} was last calibrated on {date}, over a year ago"
            );
        }
    }
    let illuminance_selector = args
        .illuminance_meter
        .as_deref()
        .map(|m| site.meter(m).map_or_else(|| m.to_string(), |c| c.selector.clone()));
    let id = format!("{}-{}-{}", display.id, test, chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
    let sim = sim_settings(display.simulation.clone(), &args.common, &id)?;
    // A simulated luminance meter needs an illuminance reading too: an
    // ideal simulated one unless another is named.
    let illuminance_selector = illuminance_selector
        .or_else(|| session::is_simulated(&meter_selector).then(|| "sim".to_string()));
    let mut rig = Rig::open(
        &meter_selector,
        illuminance_selector.as_deref(),
        display.setup,
        display.bit_depth,
        &sim,
        args.common.window.then_some(args.common.monitor),
    )?;
    let (meter, illuminance_meter) =
        rig.meter_infos(&meter_selector, calibration_date, illuminance_selector.as_deref())?;
    let operator = match &args.operator {
        Some(o) => site.operator(o).map_or_else(|| o.clone(), |c| c.name.clone()),
        None => std::env::var("USER").unwrap_or_else(|_| "operator".into()),
    };
    let description = [&display.maker, &display.model, &display.serial, &display.location]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let rd =
        display.rd_cd_m2_per_lx.or_else(|| display.simulation.as_ref().map(|m| m.rd_cd_m2_per_lx));
    let header = session::header(
        &criteria.standard.id,
        &grade,
        test,
        display.setup,
        display.bit_depth,
        &display.id,
        description,
        &operator,
        rd,
        meter,
        illuminance_meter,
    );
    let path = store.session_path(&id);
    let writer = SessionWriter::create(&path, &header, chrono::Utc::now)?;
    eprintln!("session {id}: {}", Procedure::built_in(&criteria.standard.id, test)?.title);
    complete(&store, &header, rig, writer, Default::default(), &args.common)
}

pub fn resume(args: ResumeArgs) -> anyhow::Result<Outcome> {
    let store = Store::open(&data_dir()?)?;
    let path = if args.session.ends_with(".jsonl") {
        PathBuf::from(&args.session)
    } else {
        store.session_path(&args.session)
    };
    if !path.exists() {
        bail!(
            "no session {} ({}); session files are in {}",
            args.session,
            path.display(),
            store.sessions_dir().display()
        );
    }
    // A finished session is never written to again: show its record.
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if let Some(entry) = monqc::records::record::find_by_session(&store, &file_name)? {
        eprintln!("session {} was already finalised as record {}", args.session, entry.record);
        let record = monqc::records::record::load(&store, &entry.record)?;
        let outcome = verdicts::emit(&record.analysis, args.common.json)?;
        eprintln!("record: {}", store.record_path(&entry.record).display());
        return Ok(outcome);
    }
    let (writer, session) = SessionWriter::resume(&path, chrono::Utc::now)?;
    for w in &session.warnings {
        eprintln!("monqc: note: {w}");
    }
    let header = session.header.clone();
    let site = Site::load(&store.site_file())?;
    let model =
        site.displays.iter().find(|d| d.id == header.display_id).and_then(|d| d.simulation.clone());
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let sim = sim_settings(model, &args.common, &stem)?;
    let done = session.steps_done();
    eprintln!("resuming session {}: {} step(s) already done", path.display(), done.len());
    let rig = Rig::open(
        &header.meter.selector,
        header.illuminance_meter.as_ref().map(|m| m.selector.as_str()),
        header.setup,
        header.bit_depth,
        &sim,
        args.common.window.then_some(args.common.monitor),
    )?;
    complete(&store, &header, rig, writer, done, &args.common)
}
