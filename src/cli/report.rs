//! `monqc report` and `monqc export`: a record as PDF, CSV or JSON.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use monqc::office::report;
use monqc::records::record;
use monqc::records::store::Store;
use monqc_reports::Lang;

use super::{Outcome, open_store};

/// Write a record's report as PDF (Japanese or English).
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Record id, a unique prefix (8+ characters), or the record file.
    record: String,
    /// Language of the report.
    #[arg(long, value_enum, default_value = "ja")]
    lang: LangArg,
    /// Output PDF file (`-` for standard output). An existing file is
    /// replaced whole or not at all (and monqc says so); a path inside the
    /// data directory is refused.
    #[arg(short, long)]
    output: PathBuf,
}

/// Export a record as JSON (the record itself) or CSV (its tables).
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Record id, a unique prefix (8+ characters), or the record file.
    record: String,
    /// Format.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Language of the CSV headings.
    #[arg(long, value_enum, default_value = "en")]
    lang: LangArg,
    /// Output file [default: standard output]. An existing file is replaced
    /// whole or not at all (and monqc says so); a path inside the data
    /// directory is refused.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Report language.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// 日本語.
    Ja,
    /// English.
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Ja => Lang::Ja,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Json,
    Csv,
}

/// Write `bytes` to `path` (`-`: standard output): never inside the data
/// directory, an existing file replaced atomically (REDTEAM D6).
pub fn write_output(store: &Store, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path == Path::new("-") {
        use std::io::Write;
        std::io::stdout().lock().write_all(bytes)?;
        return Ok(());
    }
    if store.write_output(path, bytes)? {
        note!("replaced the existing {}", path.display());
    }
    Ok(())
}

/// Warn when record `id` is not in the index (REDTEAM D5: a record whose
/// index line was cut still prints, but says so).
fn warn_unlisted(store: &Store, id: &str) -> anyhow::Result<()> {
    if record::listing(store)?.unlisted.iter().any(|u| u == id) {
        note!(
            "monqc: warning: record {id} is not in the record index; `monqc verify {}` says why",
            &id[..16]
        );
    }
    Ok(())
}

/// Write record `id`'s PDF report to `path`; returns its size in bytes.
pub fn write_pdf(store: &Store, id: &str, lang: Lang, path: &Path) -> anyhow::Result<usize> {
    let bytes = report::pdf(store, id, lang)?;
    write_output(store, path, &bytes)?;
    Ok(bytes.len())
}

pub fn report(args: ReportArgs) -> anyhow::Result<Outcome> {
    let store = open_store()?;
    let id = record::resolve(&store, &args.record)?;
    warn_unlisted(&store, &id)?;
    let size = write_pdf(&store, &id, args.lang.into(), &args.output)?;
    if args.output != Path::new("-") {
        note!("wrote {} ({} KB)", args.output.display(), size.div_ceil(1024));
    }
    Ok(Outcome::Pass)
}

pub fn export(args: ExportArgs) -> anyhow::Result<Outcome> {
    let store = open_store()?;
    let id = record::resolve(&store, &args.record)?;
    warn_unlisted(&store, &id)?;
    let rec = record::load(&store, &id)?;
    let text = match args.format {
        FormatArg::Json => {
            let amendments = record::amendments(&store, &id)?;
            let mut v =
                serde_json::json!({ "record_id": id, "record": rec, "amendments": amendments });
            if let Some(o) = v.as_object_mut() {
                o.insert("format".into(), "monqc-record-export".into());
            }
            serde_json::to_string_pretty(&v)? + "\n"
        }
        FormatArg::Csv => monqc_reports::export::tables_csv(&report::document(
            &store,
            &id,
            &rec,
            args.lang.into(),
        )?)?,
    };
    write_output(&store, args.output.as_deref().unwrap_or(Path::new("-")), text.as_bytes())?;
    Ok(Outcome::Pass)
}
