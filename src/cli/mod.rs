//! Argument parsing and dispatch. Each subcommand lives in its own module
//! with an `Args` struct and a `run` function returning an [`Outcome`];
//! errors become exit code 2 with the hint chain printed.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Print a line on stderr for the person watching (progress, notes,
/// warnings). A closed stderr — a log viewer that quit, a dropped ssh
/// session — never stops a session: the line is dropped (REDTEAM X4;
/// `eprintln!` panics there). Use it for every line on stderr.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Print a line on stdout, returning the write's result: a closed stdout
/// (`monqc history d1 | head -1`) ends the command quietly instead of
/// panicking as `println!` does.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)
    }};
}

mod analyze;
mod demo;
mod gsdf;
mod keys;
mod meters;
mod patterns;
mod push;
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
/// directory (~/.local/share/monqc on Linux, %LOCALAPPDATA%\monqc on
/// Windows); the signing key in $MONQC_SIGNING_KEY, else in the platform
/// configuration directory (~/.config/monqc/signing-key on Linux).
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
    /// Send this workstation's records to the records server (monqc-server).
    Push(push::PushArgs),
    /// List, export (PNG) and show the test patterns (TG18, JIRA BN, uniform fields).
    Patterns(patterns::PatternsArgs),
}

/// `MONQC_DATA_DIR`, else the platform data directory: `~/.local/share/monqc`
/// on Linux, `~/Library/Application Support/monqc` on macOS,
/// `%LOCALAPPDATA%\monqc` on Windows.
///
/// On Windows the local, not the roaming, application data: a roaming
/// profile is copied to a server at sign-out and is often redirected to a
/// network share, where the journal's per-reading sync and the records
/// lock would go over the network, and two workstations signed in as one
/// user would overwrite each other's index at sign-out.
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
    // The same directory as data_dir() on Linux and macOS.
    dirs::data_local_dir()
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
            note!("monqc: warning: the signing key is not used: {e}");
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
            // A closed pipe (`monqc gsdf table | head`, `analyze --json |
            // head -c 10`) is not an error.
            if err.chain().any(is_broken_pipe) {
                return ExitCode::SUCCESS;
            }
            note!("monqc: error: {}", shown(&err.to_string()));
            // Library errors often quote their cause already; print only
            // causes that add something.
            let mut said = err.to_string();
            for cause in err.chain().skip(1) {
                let text = cause.to_string();
                if !said.contains(&text) {
                    note!("  caused by: {}", shown(&text));
                    said.push_str(&text);
                }
            }
            ExitCode::from(2)
        }
    }
}

/// True for a write to a closed pipe, also inside serde_json's error.
fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == BrokenPipe)
        || e.downcast_ref::<serde_json::Error>()
            .is_some_and(|e| e.io_error_kind() == Some(BrokenPipe))
}

/// The most characters of one error message printed.
const MAX_MESSAGE_CHARS: usize = 2000;

/// An error message as printed (REDTEAM U4, U7): control characters other
/// than line breaks escaped (a terminal never receives escape sequences from
/// a file), a dependency's source path shortened to the crate
/// (`…/.cargo/registry/src/index…/winit-0.30.13/src/x.rs` → `winit-0.30.13/src/x.rs`),
/// and at most [`MAX_MESSAGE_CHARS`] characters. Library messages quote
/// input short already; this is the net under every other message.
fn shown(message: &str) -> String {
    let mut out = String::new();
    for word in message.split_inclusive(' ') {
        match word.find("/.cargo/registry/src/") {
            Some(at) => {
                let rest = &word[at + "/.cargo/registry/src/".len()..];
                // Skip the registry index directory, keep crate-version/….
                let start = word[..at].rfind([' ', '(', '`']).map_or(0, |i| i + 1);
                out.push_str(&word[..start]);
                out.push_str(rest.split_once('/').map_or(rest, |(_, krate)| krate));
            }
            None => out.push_str(word),
        }
    }
    let out = short_numbers(&out);
    let total = out.chars().count();
    let mut printed: String = out
        .chars()
        .take(MAX_MESSAGE_CHARS)
        .flat_map(|c| {
            let escape = c != '\n' && monqc::records::values::is_unseen(c);
            let escaped: Vec<char> = if escape { c.escape_debug().collect() } else { vec![c] };
            escaped
        })
        .collect();
    if total > MAX_MESSAGE_CHARS {
        printed.push_str(&format!(" … ({} more characters)", total - MAX_MESSAGE_CHARS));
    }
    printed
}

/// Numbers of more than 20 digits written out in full (a library message
/// quoting 1e308 with `{}` prints 309 digits) in exponent form. Only
/// free-standing numbers: a digit run inside a hash or an id is kept.
fn short_numbers(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut out = String::with_capacity(message.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.'));
        if !starts {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut end = i;
        let mut point = false;
        while end < chars.len()
            && (chars[end].is_ascii_digit()
                || (chars[end] == '.'
                    && !point
                    && chars.get(end + 1).is_some_and(char::is_ascii_digit)))
        {
            point |= chars[end] == '.';
            end += 1;
        }
        let run: String = chars[i..end].iter().collect();
        let free = end == chars.len() || !chars[end].is_alphanumeric();
        match run.parse::<f64>() {
            Ok(v) if free && run.len() > 20 => out.push_str(&format!("{v:e}")),
            _ => out.push_str(&run),
        }
        i = end;
    }
    out
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
        Command::Push(args) => push::run(args),
        Command::Patterns(args) => patterns::run(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_printed_escaped_short_and_without_build_paths() {
        assert_eq!(shown("a\u{1b}[31mred\nnext"), "a\\u{1b}[31mred\nnext");
        let winit = "cannot open the window: os error at /root/.cargo/registry/src/\
                     index.crates.io-1949cf8c6b5b557f/winit-0.30.13/src/platform_impl/linux/mod.rs:770: \
                     no display";
        assert_eq!(
            shown(winit),
            "cannot open the window: os error at winit-0.30.13/src/platform_impl/linux/mod.rs:770: \
             no display"
        );
        let e308 = format!("luminance {} cd/m² is outside", "1".to_string() + &"0".repeat(308));
        assert_eq!(shown(&e308), "luminance 1e308 cd/m² is outside");
        let lmin = format!("L'min = 1{}.0000 cd/m²", "0".repeat(307));
        assert_eq!(shown(&lmin), "L'min = 1e307 cd/m²");
        let hash =
            "record 0a1234567890123456789012345678901b changed; 0.25 cd/m², 3993.4040, DDL 255";
        assert_eq!(shown(hash), hash, "ids and ordinary numbers as they are");
        let long = shown(&"x".repeat(10_000));
        assert!(long.ends_with(" … (8000 more characters)") && long.len() < 2100, "{}", long.len());
    }
}
