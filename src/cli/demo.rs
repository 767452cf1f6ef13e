//! `monqc demo`: the whole JESRA acceptance measurement on the simulated
//! display and meter, written to a session file and analysed.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use monqc::measuring::lifecycle::{self, NewSession};
use monqc::measuring::rig::{self, Rig, SimSettings};
use monqc::measuring::simulated_display::{DisplayModel, Panel};
use monqc::numbers::measurement::MeterSetup;
use monqc::records::session::SessionWriter;
use monqc::standards::criteria::{Criteria, TestType};

use monqc::measuring::operator::Unattended;

use super::report::{self, LangArg};
use super::run::{language, print_progress};
use super::{Outcome, open_store, verdicts};

/// Run a full JESRA X-0093 acceptance measurement on the simulated display
/// and meter: ambient, JIRA BN01–BN18, TG18-UN80 at five points; print the
/// verdicts and keep the session file for `monqc analyze`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Panel transfer function: a GSDF-calibrated panel, or an uncalibrated gamma 2.2 one.
    #[arg(long, value_enum, default_value = "gsdf")]
    panel: PanelArg,
    /// Meter set-up.
    #[arg(long, value_enum, default_value = "telescopic")]
    setup: SetupArg,
    /// Grade to judge against.
    #[arg(long, default_value = "1a")]
    grade: String,
    /// The panel's own maximum luminance, cd/m².
    #[arg(long, default_value_t = 400.0, value_name = "CD_M2")]
    lmax: f64,
    /// The panel's own minimum luminance, cd/m².
    #[arg(long, default_value_t = 0.55, value_name = "CD_M2")]
    lmin: f64,
    /// Room illuminance at the display face, lx.
    #[arg(long, default_value_t = 50.0, value_name = "LX")]
    illuminance: f64,
    /// Diffuse reflection coefficient Rd, cd·m⁻²·lx⁻¹ (Lamb = Rd · E).
    #[arg(long, default_value_t = 0.005)]
    rd: f64,
    /// Relative luminance fall-off at the corners (0.06 = 6 %).
    #[arg(long, default_value_t = 0.06)]
    corner_falloff: f64,
    /// Relative noise of the panel and the meter (standard deviation).
    #[arg(long, default_value_t = 0.001)]
    noise: f64,
    /// Seed for the simulated noise.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Luminance meter: `sim` (an ideal meter, instant), or a simulated twin
    /// speaking a real meter's bytes over a pseudo-terminal: sim-ls100,
    /// sim-ls110, sim-cs100a, sim-mavo, sim-pr650, sim-pr655, sim-pr670, sim-k10.
    #[arg(long, default_value = "sim", value_name = "SEL")]
    meter: String,
    /// Illuminance meter: sim-cl200a or sim-t10a [default: `sim`, an ideal
    /// illuminance meter].
    #[arg(long, value_name = "SEL")]
    illuminance_meter: Option<String>,
    /// Scale the twins' timing (1 = the instrument's own integration times;
    /// 0.1 runs ten times faster).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Record every byte exchanged with the luminance meter into FILE (and
    /// with a separate illuminance meter into FILE's name + `.illuminance`).
    #[arg(long, value_name = "FILE")]
    transcript: Option<PathBuf>,
    /// Where to write the session file [default: a new file in the data directory].
    #[arg(long, value_name = "FILE")]
    session: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Also write the PDF report here.
    #[arg(short, long, value_name = "PDF")]
    output: Option<PathBuf>,
    /// Language of the PDF report and of what the simulated bench says it
    /// does [default: the report in Japanese; the rest from the locale,
    /// Japanese when LC_ALL, LC_MESSAGES or LANG starts with `ja`].
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Judge only these items (comma-separated: lmax, ratio, kdelta, ambient,
    /// uniformity, chromaticity, visual, …); the verdict says which it covers.
    #[arg(long, value_name = "ITEMS", value_delimiter = ',')]
    only: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PanelArg {
    Gsdf,
    Gamma22,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SetupArg {
    Telescopic,
    Contact,
}

pub fn run(args: DemoArgs) -> anyhow::Result<Outcome> {
    anyhow::ensure!(
        args.time_scale.is_finite() && args.time_scale > 0.0,
        "--time-scale {}: give a positive factor",
        args.time_scale
    );
    for sel in std::iter::once(&args.meter).chain(args.illuminance_meter.as_ref()) {
        anyhow::ensure!(
            rig::is_simulated(sel),
            "`{sel}` is not a simulated meter; the demo takes sim or one of: {} \
             (real meters: monqc run)",
            monqc_drivers::SIMULATED_KINDS
                .iter()
                .map(|k| format!("sim-{}", k.id()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let setup = match args.setup {
        SetupArg::Telescopic => MeterSetup::Telescopic,
        SetupArg::Contact => MeterSetup::Contact,
    };
    let model = DisplayModel {
        panel: match args.panel {
            PanelArg::Gsdf => Panel::Gsdf,
            PanelArg::Gamma22 => Panel::Gamma22,
        },
        lmax_cd_m2: args.lmax,
        lmin_cd_m2: args.lmin,
        illuminance_lx: args.illuminance,
        rd_cd_m2_per_lx: args.rd,
        corner_falloff: args.corner_falloff,
        noise_relative: args.noise,
        seed: args.seed,
        ..DisplayModel::default()
    };
    // Every number of the panel and room is checked before a reading is
    // taken (REDTEAM D7: `--noise NaN` was journalled as `null`).
    model.check(&|field| {
        match field {
            "lmax_cd_m2" => "--lmax",
            "lmin_cd_m2" => "--lmin",
            "illuminance_lx" => "--illuminance",
            "rd_cd_m2_per_lx" => "--rd",
            "corner_falloff" => "--corner-falloff",
            "noise_relative" => "--noise",
            other => other,
        }
        .to_string()
    })?;
    let criteria = Criteria::built_in_for("jesra-x0093")?;
    criteria.grade(&args.grade)?;
    if let Some(only) = &args.only {
        monqc::standards::analysis::check_scope(only)?;
    }
    let store = open_store()?;
    let sim = SimSettings {
        model: model.clone(),
        time_scale: args.time_scale,
        noise: args.noise,
        seed: args.seed.wrapping_add(1),
        fault: Default::default(),
    };
    let illuminance_selector = args.illuminance_meter.as_deref().unwrap_or("sim");
    let mut rig = Rig::open_recorded(
        &args.meter,
        Some(illuminance_selector),
        setup,
        model.bit_depth,
        &sim,
        None,
        args.transcript.as_deref(),
    )?;
    super::run::print_transcripts(&rig);
    let (meter, illuminance_meter) = rig.meter_infos(
        &args.meter,
        Default::default(),
        Some(illuminance_selector),
        Default::default(),
    )?;
    note!("luminance meter: {} {} ({})", meter.vendor, meter.model, args.meter);
    let new = NewSession {
        standard: criteria.standard.id.clone(),
        grade: args.grade.clone(),
        test: TestType::Acceptance,
        setup,
        bit_depth: model.bit_depth,
        display_id: "sim-demo".into(),
        display: model.description(),
        operator: "demo".into(),
        rd_cd_m2_per_lx: (setup != MeterSetup::Telescopic).then_some(model.rd_cd_m2_per_lx),
        only: args.only.clone(),
        lmax_change_limit_percent: None,
    };
    let header = lifecycle::header(new, meter, illuminance_meter, chrono::Utc::now);
    let mut writer = match &args.session {
        Some(p) => SessionWriter::create(p, &header, chrono::Utc::now)?,
        None => {
            let id = lifecycle::session_id("demo", chrono::Utc::now);
            lifecycle::create_session(&store, &id, &header, chrono::Utc::now)?.1
        }
    };
    let path = writer.path().to_path_buf();
    // The demo measures; the visual items need a person (`monqc run`), so
    // its verdict says they were not judged.
    let plan = lifecycle::plan(&header, false)?;
    let stderr = Box::new(std::io::stderr()) as Box<dyn std::io::Write + Send>;
    let mut nobody = Unattended::new(language(args.lang), Some(stderr));
    rig.walk(&plan, &Default::default(), &mut nobody, &mut writer, &mut print_progress)?;
    super::run::finish_transcripts(&rig);
    drop(rig);

    let (id, record) = lifecycle::finalise(&store, &path, &header, None, chrono::Utc::now)?;
    let outcome = verdicts::emit(&record.analysis, args.json)?;
    note!("session file: {}", path.display());
    note!("record: {}", store.record_path(&id).display());
    if let Some(pdf) = &args.output {
        let size = report::write_pdf(&store, &id, args.lang.unwrap_or(LangArg::Ja).into(), pdf)?;
        note!("report: {} ({} KB)", pdf.display(), size.div_ceil(1024));
    }
    note!("re-analyse it with: monqc analyze {}", path.display());
    Ok(outcome)
}
