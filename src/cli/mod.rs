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
mod meters;
mod operator;
mod patterns;
mod push;
mod records;
mod report;
mod run;
mod session;
mod verdicts;

/// What a command concluded, mapped to the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Success, or every criterion passed: exit code 0.
    Pass,
    /// At least one criterion failed: exit code 1.
    CriteriaFailed,
}

/// Quality control of medical image displays (JESRA X-0093, IEC 62563, AAPM TG18).
///
/// Exit codes: 0 every criterion passed, 1 a criterion failed (or `verify`
/// found a change), 2 an error. Journals, records and the site configuration
/// live in $MONQC_DATA_DIR, else the platform data directory
/// (~/.local/share/monqc on Linux).
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
    /// Find, identify and read photometers.
    Meters(meters::MetersArgs),
    /// Send this workstation's records to the records server (monqc-server).
    Push(push::PushArgs),
    /// List, export (PNG) and show the test patterns (TG18, JIRA BN, uniform fields).
    Patterns(patterns::PatternsArgs),
}

/// `MONQC_DATA_DIR`, else the platform data directory (`~/.local/share/monqc` on Linux).
pub fn data_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("MONQC_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir()
        .map(|d| d.join("monqc"))
        .context("no data directory on this platform; set MONQC_DATA_DIR")
}

/// Parse the command line, run the command and turn its result into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Outcome::Pass) => ExitCode::SUCCESS,
        Ok(Outcome::CriteriaFailed) => ExitCode::from(1),
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
        Command::Meters(args) => meters::run(args),
        Command::Push(args) => push::run(args),
        Command::Patterns(args) => patterns::run(args),
    }
}
