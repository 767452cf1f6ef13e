//! `monqc verify`, `monqc history`, `monqc amend`, `monqc repair` and
//! `monqc displays`.

use anyhow::Context;
use clap::{Args, Subcommand};
use monqc::measuring::simulated_display::DisplayModel;
use monqc::numbers::measurement::MeterSetup;
use monqc::office::site::{self, DisplayConfig, Site};
use monqc::office::typed_text::{self, Lines};
use monqc::records::record::{self, Amendment, Check, CheckState, Verification, VerifyOptions};
use monqc::records::signing;
use monqc::records::store::Store;
use monqc::records::values;

use super::{Outcome, open_store};

/// Check that a record is exactly as finalised: its content hash, its
/// journal's hash chain, its criteria table, its signature, its place in
/// the record index, its amendments against the index, the session journal
/// in sessions/ — and, apart from those, whether this monqc computes the
/// same analysis from its readings.
///
/// Exit code 0 when the bytes and history are exactly as finalised (even
/// when this monqc computes a value differently: that is reported, not a
/// change), 1 when anything was changed, 3 when a crash left finalising or
/// an amendment half done (`monqc resume` / `monqc repair` completes it).
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Record id, a unique prefix of it (8+ characters), or the record file.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    record: Option<String>,
    /// Check the whole data directory: the index, every record, every
    /// amendment file and session journal.
    #[arg(long)]
    all: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Repair what a crash or an editor left behind, and record each repair in
/// the index: a torn last line of the index or an amendment file (kept in a
/// side file, then cut off), a record written but not yet listed, an
/// amendment written but not yet anchored, old temporary files. A changed
/// line or a missing file is not repaired (restore it from a backup).
/// Exit code 0 when everything was repaired, 2 when something needs a person.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// Who repairs [default: $USER].
    #[arg(long)]
    by: Option<String>,
    /// Go on with the record index as it is although it is shorter than, or
    /// not the one, `index.head` describes (lines lost, e.g. an older backup
    /// restored); the acceptance is recorded in the index.
    #[arg(long)]
    accept_index: bool,
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
    open_store()
}

/// The site's signing keys, when its configuration has a `[signing]` section.
fn verify_options(store: &Store) -> anyhow::Result<VerifyOptions> {
    let site = Site::load(&store.site_file())?;
    Ok(VerifyOptions { site_keys: site.signing.map(|s| s.public_keys) })
}

fn state_word(state: CheckState) -> &'static str {
    match state {
        CheckState::Holds => "ok",
        CheckState::Changed => "FAIL",
        CheckState::ComputesDifferently => "DIFFERS",
        CheckState::Pending => "PENDING",
        CheckState::Notice => "note",
    }
}

fn print_checks(checks: &[Check]) -> std::io::Result<()> {
    for c in checks {
        say!("  {:<16} {:<7}  {}", c.what, state_word(c.state), c.detail)?;
    }
    Ok(())
}

/// Exit code of a verification: 1 changed, 3 pending, else 0.
fn verify_outcome(changed: bool, pending: bool) -> Outcome {
    match (changed, pending) {
        (true, _) => Outcome::CriteriaFailed,
        (false, true) => Outcome::Incomplete,
        _ => Outcome::Pass,
    }
}

fn signature_words(v: &Verification) -> String {
    match &v.signature {
        record::SignatureState::Valid { key } => {
            format!("signed by key {}", signing::fingerprint(key))
        }
        record::SignatureState::Unsigned => "unsigned".into(),
        record::SignatureState::Invalid => "signature INVALID".into(),
    }
}

/// The verdict lines of a verification.
fn conclude(v: &Verification) -> std::io::Result<()> {
    if !v.bytes_as_finalised() {
        say!("NOT VERIFIED: the record or its history was changed")?;
    } else if v.pending() {
        say!(
            "INCOMPLETE: the record is as finalised, but a crash left its listing or an \
             amendment half done; the PENDING line says which command completes it"
        )?;
    } else {
        say!(
            "verified: the bytes and the history are exactly as finalised ({})",
            signature_words(v)
        )?;
    }
    if v.computes_differently() {
        say!(
            "note: this {} computes some results differently from {} that finalised it (see \
             DIFFERS above); the record keeps the values it was finalised with",
            monqc::records::SOFTWARE,
            v.finalised_by_software.as_deref().unwrap_or("the monqc")
        )?;
    }
    Ok(())
}

fn verification_json(v: &Verification) -> serde_json::Value {
    serde_json::json!({
        "record": v.record,
        "verdict": if !v.bytes_as_finalised() { "changed" } else if v.pending() { "incomplete" } else { "verified" },
        "bytes_as_finalised": v.bytes_as_finalised(),
        "pending": v.pending(),
        "computes_differently": v.computes_differently(),
        "format_version": v.format_version,
        "finalised_by_software": v.finalised_by_software,
        "checked_by_software": monqc::records::SOFTWARE,
        "signature": v.signature,
        "checks": v.checks,
    })
}

pub fn verify(args: VerifyArgs) -> anyhow::Result<Outcome> {
    let store = store()?;
    let options = verify_options(&store)?;
    let Some(what) = args.record else {
        let all = record::verify_store(&store, &options)?;
        if args.json {
            let v = serde_json::json!({
                "data_directory": store.root(),
                "verdict": if !all.bytes_as_finalised() { "changed" } else if all.pending() { "incomplete" } else { "verified" },
                "bytes_as_finalised": all.bytes_as_finalised(),
                "pending": all.pending(),
                "computes_differently": all.computes_differently(),
                "checks": all.checks,
                "records": all.records.iter().map(verification_json).collect::<Vec<_>>(),
            });
            say!("{}", serde_json::to_string_pretty(&v)?)?;
        } else {
            say!("data directory {}", store.root().display())?;
            print_checks(&all.checks)?;
            for r in &all.records {
                let word = if !r.bytes_as_finalised() {
                    "NOT VERIFIED"
                } else if r.pending() {
                    "INCOMPLETE"
                } else {
                    "verified"
                };
                let differs = if r.computes_differently() { ", computes differently" } else { "" };
                say!("record {}  {word} ({}{differs})", r.record, signature_words(r))?;
                let notable: Vec<_> = r
                    .checks
                    .iter()
                    .filter(|c| !matches!(c.state, CheckState::Holds | CheckState::Notice))
                    .cloned()
                    .collect();
                print_checks(&notable)?;
            }
            if !all.bytes_as_finalised() {
                say!(
                    "NOT VERIFIED: something in the data directory was changed (FAIL lines above)"
                )?;
            } else if all.pending() {
                say!("INCOMPLETE: a crash left something half done (PENDING lines above)")?;
            } else {
                say!(
                    "verified: {} record(s), their index and amendments are exactly as finalised",
                    all.records.len()
                )?;
            }
        }
        return Ok(verify_outcome(!all.bytes_as_finalised(), all.pending()));
    };
    let id = record::resolve(&store, &what)?;
    let v = record::verify_record(&store, &id, &options)?;
    if args.json {
        say!("{}", serde_json::to_string_pretty(&verification_json(&v))?)?;
    } else {
        say!("record {id}")?;
        print_checks(&v.checks)?;
        conclude(&v)?;
    }
    Ok(verify_outcome(!v.bytes_as_finalised(), v.pending()))
}

pub fn repair(args: RepairArgs) -> anyhow::Result<Outcome> {
    let store = store()?;
    let by = args.by.unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    let done = record::repair(&store, &by, chrono::Utc::now, args.accept_index)?;
    for d in &done.done {
        say!("repaired: {d}")?;
    }
    if done.done.is_empty() && done.left.is_empty() {
        say!("nothing to repair in {}", store.root().display())?;
    }
    if done.left.is_empty() {
        return Ok(Outcome::Pass);
    }
    anyhow::bail!("not repaired (needs a person):\n  {}", done.left.join("\n  "))
}

pub fn history(args: HistoryArgs) -> anyhow::Result<Outcome> {
    let store = store()?;
    let listing = record::listing(&store)?;
    if !listing.index_exists && !listing.unlisted.is_empty() {
        anyhow::bail!(
            "the record index {} is missing, but {} record(s) are in the data directory; \
             restore index.jsonl from a backup or the records server (`monqc verify --all` \
             checks the rest)",
            store.index_path().display(),
            listing.unlisted.len()
        );
    }
    if !listing.unlisted.is_empty() {
        note!(
            "monqc: warning: {} record file(s) are not in the index, so not listed here: {}; \
             `monqc verify --all` says why",
            listing.unlisted.len(),
            listing.unlisted.iter().map(|id| &id[..16]).collect::<Vec<_>>().join(", ")
        );
    }
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
            site::add_display(&store, &display)?;
            say!("added display {id} to {}", path.display())?;
        }
    }
    Ok(Outcome::Pass)
}
