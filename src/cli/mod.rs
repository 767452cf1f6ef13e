//! Argument parsing and dispatch. Each subcommand lives in its own module
//! with an `Args` struct and a `run` function returning an [`Outcome`];
//! errors become exit code 2 with the hint chain printed.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod patterns;

/// What a command concluded, mapped to the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Success, or every criterion passed: exit code 0.
    Pass,
    /// At least one criterion failed: exit code 1.
    CriteriaFailed,
}

/// Quality control of medical image displays (JESRA X-0093, IEC 62563, AAPM TG18).
#[derive(Debug, Parser)]
#[command(name = "monqc", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List, export (PNG) and show the test patterns (TG18, JIRA BN, uniform fields).
    Patterns(patterns::PatternsArgs),
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
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Patterns(args) => patterns::run(args),
    }
}
