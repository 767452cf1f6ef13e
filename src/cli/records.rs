//! `monqc verify`, `monqc history`, `monqc amend` and `monqc displays`.

use anyhow::Context;
use clap::{Args, Subcommand};
use monqc::measuring::simulated_display::DisplayModel;
use monqc::numbers::measurement::MeterSetup;
use monqc::office::site::{self, DisplayConfig, Site};
use monqc::office::typed_text::{self, Lines};
use monqc::records::record::{self, Amendment};
use monqc::records::store::Store;
use monqc::records::values;

use super::Outcome;
use super::data_dir;

/// Check that a record is exactly as finalised: its content hash, its
/// journal's hash chain, its criteria table, the analysis recomputed from
/// its readings, its place in the record index and its amendments.
/// Exit code 0 when every check holds, 1 when any fails.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Record id, a unique prefix of it (8+ characters), or the record file.
    record: String,
}

/// List a display's records, oldest first, with the key figures.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Display id.
    display: String,
    /// Print JSON lines instead of the table.
    #[arg(long)]
    json: bool,
}

/// Append a correction to a record; the original stays unchanged and the
/// amendment records who, when and why.
#[derive(Debug, Args)]
pub struct AmendArgs {
    /// Record id or prefix.
    record: String,
    /// What is corrected (e.g. `display`, `operator`, `note`).
    #[arg(long)]
    field: String,
    /// The corrected value.
    #[arg(long)]
    value: String,
    /// Why the correction is made.
    #[arg(long)]
    why: String,
    /// Who makes it [default: $USER].
    #[arg(long)]
    by: Option<String>,
}

/// The displays in the site configuration.
#[derive(Debug, Args)]
pub struct DisplaysArgs {
    #[command(subcommand)]
    command: DisplaysCommand,
}

#[derive(Debug, Subcommand)]
enum DisplaysCommand {
    /// List the displays.
    List,
    /// Add a display to the site configuration.
    Add(Box<AddDisplay>),
}

#[derive(Debug, Args)]
struct AddDisplay {
    /// Short id used on the command line.
    #[arg(long)]
    id: String,
    /// Standard it is managed under.
    #[arg(long, default_value = "jesra-x0093")]
    standard: String,
    /// Grade under that standard.
    #[arg(long)]
    grade: String,
    /// Maker.
    #[arg(long, default_value = "")]
    maker: String,
    /// Model.
    #[arg(long, default_value = "")]
    model: String,
    /// Serial number.
    #[arg(long, default_value = "")]
    serial: String,
    /// Location.
    #[arg(long, default_value = "")]
    location: String,
    /// Meter set-up: telescopic, contact or built-in-sensor.
    #[arg(long, default_value = "contact")]
    setup: String,
    /// Diffuse reflection coefficient Rd, cd·m⁻²·lx⁻¹ (from the maker).
    #[arg(long)]
    rd: Option<f64>,
    /// Bits per DDL (8 or 10).
    #[arg(long, default_value_t = 8)]
    bits: u8,
    /// Give the display a simulated twin (for sessions with simulated meters).
    #[arg(long)]
    simulated: bool,
}

fn store() -> anyhow::Result<Store> {
    Ok(Store::open(&data_dir()?)?)
}

pub fn verify(args: VerifyArgs) -> anyhow::Result<Outcome> {
    let store = store()?;
    let id = record::resolve(&store, &args.record)?;
    let checks = record::verify(&store, &id)?;
    say!("record {id}")?;
    for c in &checks {
        say!("  {:<16} {}  {}", c.what, if c.ok { "ok  " } else { "FAIL" }, c.detail)?;
    }
    Ok(if checks.iter().all(|c| c.ok) {
        say!("verified: the record is as finalised")?;
        Outcome::Pass
    } else {
        say!("NOT VERIFIED: the record or its history was changed")?;
        Outcome::CriteriaFailed
    })
}

pub fn history(args: HistoryArgs) -> anyhow::Result<Outcome> {
    let store = store()?;
    let entries: Vec<_> =
        record::index(&store)?.into_iter().filter(|e| e.display_id == args.display).collect();
    if entries.is_empty() {
        say!("no records for display {}", args.display)?;
        return Ok(Outcome::Pass);
    }
    let opt = |v: Option<f64>, d: usize| v.map_or("—".to_string(), |x| format!("{x:.d$}"));
    if !args.json {
        say!(
            "{:<24}  {:<10}  {:<12}  {:<5}  {:>9}  {:>7}  {:>7}  {:>7}  {:<13}  record",
            "finalised",
            "test",
            "standard",
            "grade",
            "L'max",
            "r'",
            "Kδ %",
            "unif %",
            "verdict"
        )?;
    }
    for e in &entries {
        if args.json {
            say!("{}", serde_json::to_string(e)?)?;
            continue;
        }
        say!(
            "{:<24}  {:<10}  {:<12}  {:<5}  {:>9}  {:>7}  {:>7}  {:>7}  {:<13}  {}",
            e.finalised_at,
            e.test.to_string(),
            e.standard,
            e.grade,
            opt(e.lmax_cd_m2, 1),
            opt(e.luminance_ratio, 0),
            opt(e.kdelta_percent, 2),
            opt(e.uniformity_percent, 1),
            e.overall.word(),
            &e.record[..16]
        )?;
    }
    Ok(Outcome::Pass)
}

pub fn amend(args: AmendArgs) -> anyhow::Result<Outcome> {
    let store = store()?;
    let id = record::resolve(&store, &args.record)?;
    // REDTEAM D8: an amendment the report font cannot print made the
    // record's PDF impossible for ever; refuse it while it can be retyped.
    typed_text::check("--field", &args.field, Lines::One)?;
    typed_text::check("--value", &args.value, Lines::Many)?;
    typed_text::check("--why", &args.why, Lines::Many)?;
    if let Some(by) = &args.by {
        typed_text::check("--by", by, Lines::One)?;
    }
    let amendment = Amendment {
        who: args.by.unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "unknown".into())),
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        why: args.why,
        field: args.field,
        value: args.value,
    };
    record::amend(&store, &id, &amendment)?;
    say!("amended record {id} ({} amendment(s))", record::amendments(&store, &id)?.len())?;
    Ok(Outcome::Pass)
}

pub fn displays(args: DisplaysArgs) -> anyhow::Result<Outcome> {
    let store = store()?;
    let path = store.site_file();
    match args.command {
        DisplaysCommand::List => {
            let site = Site::load(&path)?;
            if site.displays.is_empty() {
                say!("no displays in {}; add one with `monqc displays add`", path.display())?;
            }
            for d in &site.displays {
                say!(
                    "{:<12} {:<12} grade {:<4} {} {} {} ({}){}",
                    d.id,
                    d.standard,
                    d.grade,
                    d.maker,
                    d.model,
                    d.serial,
                    d.location,
                    if d.simulation.is_some() { " [simulated]" } else { "" }
                )?;
            }
        }
        DisplaysCommand::Add(add) => {
            let AddDisplay {
                id,
                standard,
                grade,
                maker,
                model,
                serial,
                location,
                setup,
                rd,
                bits,
                simulated,
            } = *add;
            // Checked here to name the flag; the site file's check names the entry.
            for (flag, text) in [
                ("--maker", &maker),
                ("--model", &model),
                ("--serial", &serial),
                ("--location", &location),
            ] {
                typed_text::check(flag, text, Lines::One)?;
            }
            if let Some(rd) = rd {
                values::rd("--rd", rd)?;
            }
            values::bit_depth("--bits", bits)?;
            let setup: MeterSetup =
                toml::Value::String(setup.clone()).try_into().with_context(|| {
                    format!("--setup {setup}: use telescopic, contact or built-in-sensor")
                })?;
            let display = DisplayConfig {
                id: id.clone(),
                maker,
                model,
                serial,
                location,
                standard,
                grade,
                bit_depth: bits,
                setup,
                rd_cd_m2_per_lx: rd,
                meter: None,
                simulation: simulated
                    .then(|| DisplayModel { bit_depth: bits, ..DisplayModel::default() }),
            };
            site::add_display(&path, &display)?;
            say!("added display {id} to {}", path.display())?;
        }
    }
    Ok(Outcome::Pass)
}
