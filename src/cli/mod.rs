//! Argument parsing and dispatch. Each subcommand lives in its own module
//! with an `Args` struct and a `run` function returning an [`Outcome`];
//! errors become exit code 2 with the hint chain printed.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

mod analyze;
mod demo;
mod gsdf;
mod keys;
mod meters;
mod operator;
mod patterns;
mod records;
mod report;
mod run;
mod verdicts;

/// What a command concluded, mapped to the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Success, or every criterion passed: exit code 0.
    Pass,
    /// At least one criterion failed: exit code 1.
    CriteriaFailed,
    /// Nothing failed, but at least one required item was not judged (not
    /// measured, no baseline, resting only on flagged readings, excluded by
    /// `--only`): exit code 3 (判定保留, INCOMPLETE). For `verify`: a crash
    /// left finalising or an amendment half done.
    Incomplete,
}

/// Quality control of medical image displays (JESRA X-0093, IEC 62563, AAPM TG18).
///
/// Exit codes: 0 PASS (every required item measured and met), 1 FAIL (a
/// criterion failed, or `verify` found a change), 2 an error (bad input, a
/// meter fault), 3 INCOMPLETE (判定保留: nothing failed, but a required item
/// was not judged: not measured, no baseline, resting only on flagged
/// readings, or excluded by --only; for `verify`: something a crash left
/// half done, which `resume` or `repair` completes). Journals, records and
/// the site configuration live in $MONQC_DATA_DIR, else the platform data
/// directory (~/.local/share/monqc on Linux); the signing key in
/// $MONQC_SIGNING_KEY, else ~/.config/monqc/signing-key.
#[derive(Debug, Parser)]
#[command(name = "monqc", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a whole JESRA acceptance measurement on the simulated display and meter.
    Demo(demo::DemoArgs),
    /// Analyse a session file or a measurement CSV against a standard's criteria.
    Analyze(analyze::AnalyzeArgs),
    /// The DICOM PS3.14 Grayscale Standard Display Function.
    Gsdf(gsdf::GsdfArgs),
    /// Run a guided test session on a display and finalise it into a record.
    Run(run::RunArgs),
    /// Continue an interrupted session where it stopped.
    Resume(run::ResumeArgs),
    /// Write a record's report as PDF (Japanese or English).
    Report(report::ReportArgs),
    /// Export a record as JSON or CSV.
    Export(report::ExportArgs),
    /// Check that a record is exactly as finalised.
    Verify(records::VerifyArgs),
    /// A display's records with their key figures.
    History(records::HistoryArgs),
    /// Append a correction to a record (the original stays unchanged).
    Amend(records::AmendArgs),
    /// List or add the displays of the site configuration.
    Displays(records::DisplaysArgs),
    /// Create or show the key that signs this site's records.
    Keys(keys::KeysArgs),
    /// Repair what a crash or an editor left behind (a torn last line, a record not yet listed).
    Repair(records::RepairArgs),
    /// Find, identify and read photometers.
    Meters(meters::MetersArgs),
    /// List, export (PNG) and show the test patterns (TG18, JIRA BN, uniform fields).
    Patterns(patterns::PatternsArgs),
}

/// `MONQC_DATA_DIR`, else the platform data directory (`~/.local/share/monqc` on Linux).
pub fn data_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("MONQC_DATA_DIR") {
        // An empty value would put sessions/ and records/ into the current
        // directory (REDTEAM P2).
        anyhow::ensure!(
            !dir.is_empty(),
            "MONQC_DATA_DIR is set but empty; give it a directory, or unset it to use the \
             platform data directory"
        );
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir()
        .map(|d| d.join("monqc"))
        .context("no data directory on this platform; set MONQC_DATA_DIR")
}

/// The data directory, with the signing key when its file is there (see
/// [`keys::key_path`]). A key that cannot be read is reported and left out;
/// a data directory that signs then refuses to finalise, saying why.
pub fn open_store() -> anyhow::Result<monqc::records::store::Store> {
    let store = monqc::records::store::Store::open(&data_dir()?)?;
    let path = keys::key_path()?;
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(store);
    }
    match monqc::records::signing::SigningKey::load(&path) {
        Ok(key) => Ok(store.with_signer(key)),
        Err(e) => {
            eprintln!("monqc: warning: the signing key is not used: {e}");
            Ok(store)
        }
    }
}

/// Parse the command line, run the command and turn its result into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Outcome::Pass) => ExitCode::SUCCESS,
        Ok(Outcome::CriteriaFailed) => ExitCode::from(1),
        Ok(Outcome::Incomplete) => ExitCode::from(3),
        Err(err) => {
            // A closed pipe (`monqc gsdf table | head`) is not an error.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("monqc: error: {err}");
            // Library errors often quote their cause already; print only
            // causes that add something.
            let mut said = err.to_string();
            for cause in err.chain().skip(1) {
                let text = cause.to_string();
                if !said.contains(&text) {
                    eprintln!("  caused by: {text}");
                    said.push_str(&text);
                }
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Gsdf(args) => gsdf::run(args),
        Command::Run(args) => run::run(args),
        Command::Resume(args) => run::resume(args),
        Command::Report(args) => report::report(args),
        Command::Export(args) => report::export(args),
        Command::Verify(args) => records::verify(args),
        Command::History(args) => records::history(args),
        Command::Amend(args) => records::amend(args),
        Command::Displays(args) => records::displays(args),
        Command::Keys(args) => keys::run(args),
        Command::Repair(args) => records::repair(args),
        Command::Meters(args) => meters::run(args),
        Command::Patterns(args) => patterns::run(args),
    }
}
