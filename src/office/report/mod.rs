//! From a record to a report document (monqc-reports' model): what an
//! inspector reads, in Japanese or English.
//!
//! The content follows what a QC record must hold
//! (calibration-data/STANDARDS.md, "What a record must hold", after JESRA
//! X-0093 and IEC 62563-1 Annex A): facility; display (maker, model,
//! serial, location, grade); settings; meters (model, serial, calibration
//! date); method and ambient conditions; operator; date and time; every
//! item with value, limit, clause and verdict; visual judgements; overall
//! verdict; signatures; raw readings. A report is a pure function of its
//! inputs (record, amendments, history, facility, language), so the same
//! record gives the same bytes. Its wording in both languages is the label
//! catalogue of monqc-reports ([`Label`]).
//!
//! One module per part of the report, in the order they appear:
//! `identification`, `results`, `constancy`, `visual`, `figures`, `notes`
//! (with the signatures) and `appendix`.

mod appendix;
mod confirmations;
mod constancy;
mod figures;
mod identification;
mod notes;
mod results;
mod visual;

use std::path::Path;

use monqc_reports::{
    Block, Label, Lang, PdfOptions, PdfWriter, RecordIdentity, Report, Verdict as DocVerdict,
};

use crate::office::site::{Facility, Site, SiteError};
use crate::records::SOFTWARE;
use crate::records::record::{self, Amendment, IndexEntry, Record, RecordError};
use crate::records::store::Store;
use crate::standards::analysis::{Analysis, Outcome, Verdict};
use crate::standards::criteria::{Item, TestType};

/// Everything a report is made from.
pub struct ReportInputs<'a> {
    /// The record's id (content hash).
    pub record_id: &'a str,
    /// The record.
    pub record: &'a Record,
    /// Its amendments.
    pub amendments: &'a [Amendment],
    /// The display's records up to this one, oldest first (for trends).
    pub history: &'a [IndexEntry],
    /// The facility, from the site configuration.
    pub facility: Option<&'a Facility>,
    /// Language.
    pub lang: Lang,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The record, its amendments or the index cannot be read or trusted.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The site configuration (the facility) cannot be read.
    #[error(transparent)]
    Site(#[from] SiteError),
    /// The PDF could not be written.
    #[error(transparent)]
    Pdf(#[from] monqc_reports::Error),
}

/// "2026-11-26T06:53:37.790Z" → "2026-11-26 06:53:37 UTC".
fn when(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The document's verdict for one item.
fn doc_verdict(v: &Verdict) -> DocVerdict {
    let reason = || v.reason.clone().unwrap_or_default();
    match v.result {
        Outcome::Pass | Outcome::Fail if v.near_limit => {
            DocVerdict::NearLimit { passed: v.result == Outcome::Pass }
        }
        Outcome::Pass => DocVerdict::Pass,
        Outcome::Fail => DocVerdict::Fail,
        Outcome::NotEvaluated => DocVerdict::NotEvaluated { reason: reason() },
        Outcome::Unconfirmed | Outcome::Incomplete => DocVerdict::Incomplete { reason: reason() },
    }
}

/// The banner: the overall verdict, with the items not judged when it is
/// withheld (each with its reason in the notes).
fn overall_verdict(a: &Analysis, lang: Lang) -> DocVerdict {
    match a.overall {
        Outcome::Fail => DocVerdict::Fail,
        Outcome::Incomplete | Outcome::Unconfirmed | Outcome::NotEvaluated => {
            let items: Vec<&str> = a.not_judged.iter().map(|n| n.item.as_str()).collect();
            DocVerdict::Incomplete {
                reason: lang.fill(Label::NotJudgedItems, &[&items.join(", ")]),
            }
        }
        Outcome::Pass => DocVerdict::Pass,
    }
}

/// The limit the criteria table set on `item` (as the analysis applied
/// it), if any: figures draw no limit the table does not give.
fn limit_of(a: &Analysis, item: Item) -> Option<f64> {
    a.verdicts.iter().find(|v| v.item == item).map(|v| v.limit)
}

/// PDF options for a record: its finalisation time as the creation date and
/// its hash as the document id, so the same record gives the same bytes.
pub fn pdf_options(record_id: &str, record: &Record, producer: &str) -> PdfOptions {
    PdfOptions {
        created_unix_s: chrono::DateTime::parse_from_rfc3339(&record.finalised_at)
            .map_or(0, |t| t.timestamp()),
        producer: producer.into(),
        document_id: record_id.into(),
    }
}

/// Build the report document.
pub fn build(inputs: &ReportInputs<'_>) -> Result<Report, RecordError> {
    let lang = inputs.lang;
    let record = inputs.record;
    let a = &record.analysis;
    let session = record.session()?;
    let h = &session.header;
    let title = match a.test {
        TestType::Acceptance => lang.label(Label::AcceptanceReport),
        TestType::Constancy => lang.label(Label::ConstancyReport),
        TestType::Daily => lang.label(Label::DailyCheckReport),
    };
    let grade_name = record
        .criteria()
        .ok()
        .and_then(|c| c.grades.iter().find(|g| g.id == a.grade).map(|g| g.name.clone()))
        .unwrap_or_else(|| a.grade.clone());
    let set = session.measurement_set(Path::new(&record.session_file));
    let mut blocks = vec![Block::OverallVerdict(overall_verdict(a, lang))];
    blocks.extend(identification::blocks(inputs, h, &grade_name, set.shown_bits));
    blocks.extend(results::blocks(a, lang));
    blocks.extend(constancy::blocks(a, lang));
    blocks.extend(visual::blocks(a, lang));
    blocks.extend(figures::blocks(a, inputs.history, &set, lang));
    blocks.extend(notes::blocks(inputs, h, &set));
    blocks.extend(appendix::blocks(&session, lang));
    blocks.extend(confirmations::blocks(&session, lang));
    Ok(Report {
        lang,
        title: title.into(),
        subtitle: vec![
            format!("{} — {grade_name}", a.standard),
            format!("{} — {}", h.display_id, h.display),
        ],
        // The footer names the session (readable) and the record's content
        // hash (what `monqc verify` checks).
        identity: RecordIdentity {
            record_id: record.session_file.trim_end_matches(".jsonl").into(),
            content_hash: inputs.record_id.into(),
        },
        blocks,
    })
}

/// The report of record `id` in `store`: with its amendments, the display's
/// records up to it (for trends) and the facility from the site file.
pub fn document(
    store: &Store,
    id: &str,
    record: &Record,
    lang: Lang,
) -> Result<Report, ReportError> {
    let amendments = record::amendments(store, id)?;
    let display = record.session()?.header.display_id;
    let mut history: Vec<_> =
        record::index(store)?.into_iter().filter(|e| e.display_id == display).collect();
    if let Some(pos) = history.iter().position(|e| e.record == id) {
        history.truncate(pos + 1);
    }
    let site = Site::load(&store.site_file())?;
    Ok(build(&ReportInputs {
        record_id: id,
        record,
        amendments: &amendments,
        history: &history,
        facility: Some(&site.facility),
        lang,
    })?)
}

/// The PDF of record `id` in `store` (checked against its hash as it is
/// loaded). The same record, amendments and site give the same bytes.
pub fn pdf(store: &Store, id: &str, lang: Lang) -> Result<Vec<u8>, ReportError> {
    let record = record::load(store, id)?;
    let doc = document(store, id, &record, lang)?;
    let options = pdf_options(id, &record, SOFTWARE);
    Ok(PdfWriter::new()?.write(&doc, &options)?)
}
