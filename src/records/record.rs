//! Finalised records: a session frozen with its analysis, the software
//! version and the exact criteria table, under its content hash.
//!
//! A record is never changed. Corrections are amendments appended to a
//! hash-chained file beside it (who, when, why, what); the original stays
//! readable. Every record is also listed in a hash-chained index, so a
//! record cannot be swapped for another without breaking the index.
//! [`verify`] checks all of it and recomputes the analysis from the raw
//! readings.
//!
//! Authenticity requirement (JESRA X-0093 record keeping after JSRT's
//! guideline, as taught; calibration-data/STANDARDS.md, "What a record must
//! hold"): no falsification, overwriting or erasure; every addition or
//! change recorded with who and when.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::numbers::digest::sha256_hex;
use crate::records::clock::{self, Clock};
use crate::records::journal::{self, Journal, JournalError, Line};
use crate::records::session::{Session, SessionFileError};
use crate::records::store::Store;
use crate::standards::analysis::{self, Analysis, AnalysisError, AnalysisOptions};
use crate::standards::criteria::{Criteria, CriteriaError};

/// The format name written in every record.
pub const FORMAT: &str = "monqc-record";
/// The record format version this build writes. Version 2 records hold an
/// analysis of edition 2 (INCOMPLETE, flags, uncertainty; see
/// `standards::analysis`); a version-1 record reads, verifies and prints as
/// it was written.
pub const VERSION: u32 = 2;
/// The oldest record format version this build reads.
pub const OLDEST_VERSION: u32 = 1;

/// The criteria table a record was judged against, verbatim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriteriaCopy {
    /// Where it came from (built-in name or path).
    pub origin: String,
    /// SHA-256 of `text`.
    pub sha256: String,
    /// The TOML text.
    pub text: String,
}

/// A finalised record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version.
    pub version: u32,
    /// Software and version that finalised it.
    pub software: String,
    /// When it was finalised (RFC 3339).
    pub finalised_at: String,
    /// Who finalised it.
    pub finalised_by: String,
    /// The session journal's file name.
    pub session_file: String,
    /// Every line of the session journal, as written.
    pub journal: Vec<Line>,
    /// The criteria table used.
    pub criteria: CriteriaCopy,
    /// The analysis choices.
    pub options: AnalysisOptions,
    /// The record whose measurements served as baseline (constancy).
    pub baseline_record: Option<String>,
    /// The analysis, as computed at finalisation.
    pub analysis: Analysis,
}

/// A correction appended to a record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Amendment {
    /// Who made it.
    pub who: String,
    /// When (RFC 3339).
    pub at: String,
    /// Why.
    pub why: String,
    /// What is corrected (for example `display`, or `verdict:uniformity`).
    pub field: String,
    /// The corrected value, as text.
    pub value: String,
}

/// One line of the record index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The record's content hash.
    pub record: String,
    /// The session journal's file name (one record per session).
    pub session: String,
    /// Display id.
    pub display_id: String,
    /// Standard id.
    pub standard: String,
    /// Grade.
    pub grade: String,
    /// Test type.
    pub test: crate::standards::criteria::TestType,
    /// Overall verdict.
    pub overall: analysis::Outcome,
    /// When finalised.
    pub finalised_at: String,
    /// L'max, cd/m² (none for a visual-only test).
    pub lmax_cd_m2: Option<f64>,
    /// Luminance ratio.
    pub luminance_ratio: Option<f64>,
    /// Kδ, %.
    pub kdelta_percent: Option<f64>,
    /// Uniformity, %, when measured.
    pub uniformity_percent: Option<f64>,
}

/// Why a record could not be made, found or trusted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// File-system failure.
    #[error("{path}: {source}", path = .path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A journal (session, index, amendments) is damaged.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The session cannot be read.
    #[error(transparent)]
    Session(#[from] SessionFileError),
    /// The session cannot be analysed.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// The criteria cannot be used.
    #[error(transparent)]
    Criteria(#[from] CriteriaError),
    /// No record matches.
    #[error("no record `{0}` in the data directory; `monqc history DISPLAY` lists records")]
    NotFound(String),
    /// More than one record matches a prefix.
    #[error("`{0}` matches more than one record; give more of its hash")]
    Ambiguous(String),
    /// The file is not a record.
    #[error("{0}")]
    Malformed(String),
}

impl Record {
    /// The session inside the record.
    pub fn session(&self) -> Result<Session, RecordError> {
        let verified = journal::Verified { lines: self.journal.clone(), torn_tail_bytes: 0 };
        Ok(Session::from_verified(&verified, Path::new(&self.session_file))?)
    }

    /// The criteria table inside the record.
    pub fn criteria(&self) -> Result<Criteria, RecordError> {
        Ok(Criteria::parse(&self.criteria.text, &self.criteria.origin)?)
    }
}

/// Everything [`finalise`] needs besides the store.
pub struct Finalising<'a> {
    /// The session journal to freeze.
    pub session_path: &'a Path,
    /// Who finalises.
    pub by: &'a str,
    /// Software name and version.
    pub software: &'a str,
    /// The criteria table to judge against.
    pub criteria: &'a Criteria,
    /// Analysis choices.
    pub options: AnalysisOptions,
    /// The baseline record (constancy), by id.
    pub baseline: Option<(&'a str, &'a Record)>,
    /// Stamps the record's `finalised_at`.
    pub clock: Clock,
}

/// Freeze a session into a record: analyse it, write the record under its
/// content hash (atomically: temp file, sync, rename) and list it in the
/// index. Returns the record id.
pub fn finalise(store: &Store, f: Finalising<'_>) -> Result<(String, Record), RecordError> {
    // Under the lock, so two processes cannot both finalise one session.
    locked(store, || finalise_unlocked(store, f))
}

fn finalise_unlocked(store: &Store, f: Finalising<'_>) -> Result<(String, Record), RecordError> {
    let session_file =
        f.session_path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    // A session is finalised once: finalising again (a crash after the
    // record was written, a resume of a finished session) returns the
    // record already made instead of a second one.
    if let Some(entry) = find_by_session(store, &session_file)? {
        let record = load(store, &entry.record)?;
        return Ok((entry.record, record));
    }
    let verified = journal::read(f.session_path)?;
    if verified.torn_tail_bytes > 0 {
        return Err(RecordError::Malformed(format!(
            "{}: the last reading is incomplete; run `monqc resume` to take it again before \
             finalising",
            f.session_path.display()
        )));
    }
    let session = Session::from_verified(&verified, f.session_path)?;
    let set = session.measurement_set(f.session_path);
    let baseline_set = match f.baseline {
        Some((_, r)) => Some(r.session()?.measurement_set(Path::new(&r.session_file))),
        None => None,
    };
    let analysis = analysis::analyse(&set, f.criteria, &f.options, baseline_set.as_ref())?;
    let record = Record {
        format: FORMAT.into(),
        version: VERSION,
        software: f.software.into(),
        finalised_at: clock::timestamp(f.clock),
        finalised_by: f.by.into(),
        session_file: session_file.clone(),
        journal: verified.lines,
        criteria: CriteriaCopy {
            origin: f.criteria.origin.clone(),
            sha256: f.criteria.sha256.clone(),
            text: f.criteria.text.clone(),
        },
        options: f.options,
        baseline_record: f.baseline.map(|(id, _)| id.to_string()),
        analysis,
    };
    let mut bytes = serde_json::to_vec_pretty(&record).expect("record serialises");
    bytes.push(b'\n');
    let id = sha256_hex(&bytes);
    let path = store.record_path(&id);
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| RecordError::Io { path, source }
    };
    if !path.exists() {
        // Temp file, sync, rename: the record appears whole or not at all.
        let tmp = store.records_dir().join(format!(".{id}.tmp"));
        let written = (|| {
            let mut file = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            file.write_all(&bytes).map_err(io(&tmp))?;
            file.sync_all().map_err(io(&tmp))?;
            std::fs::rename(&tmp, &path).map_err(io(&path))
        })();
        if written.is_err() {
            // Leave no partial file behind (a full disk, a read-only store).
            let _ = std::fs::remove_file(&tmp);
        }
        written?;
        if let Ok(dir) = std::fs::File::open(store.records_dir()) {
            dir.sync_all().map_err(io(&store.records_dir()))?;
        }
    }
    let h = &session.header;
    let entry = IndexEntry {
        record: id.clone(),
        session: session_file,
        display_id: h.display_id.clone(),
        standard: h.standard.clone(),
        grade: h.grade.clone(),
        test: h.test,
        overall: record.analysis.overall,
        finalised_at: record.finalised_at.clone(),
        lmax_cd_m2: record.analysis.lmax_cd_m2,
        luminance_ratio: record.analysis.luminance_ratio,
        kdelta_percent: record.analysis.kdelta_percent,
        uniformity_percent: record.analysis.uniformity_percent,
    };
    append_index_unlocked(store, &entry)?;
    Ok((id, record))
}

/// Hold the records directory's lock while `f` runs: the index and the
/// amendment chains are appended by read-then-append, which two monqc
/// processes must not interleave.
fn locked<T>(store: &Store, f: impl FnOnce() -> Result<T, RecordError>) -> Result<T, RecordError> {
    let path = store.records_dir().join(".lock");
    let io = |source| RecordError::Io { path: path.clone(), source };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    file.lock().map_err(io)?;
    let result = f();
    // Closing the file releases the lock even if unlock fails.
    let _ = file.unlock();
    result
}

fn append_index_unlocked(store: &Store, entry: &IndexEntry) -> Result<(), RecordError> {
    let path = store.index_path();
    let body = serde_json::to_value(entry).expect("serialises");
    if path.exists() {
        let (mut j, _) = Journal::open_append(&path)?;
        j.append(&body)?;
    } else {
        let mut j = Journal::create(&path, &json!({ "format": "monqc-record-index" }))?;
        j.append(&body)?;
    }
    Ok(())
}

/// Every record in the index, oldest first.
pub fn index(store: &Store) -> Result<Vec<IndexEntry>, RecordError> {
    let path = store.index_path();
    if !path.exists() {
        return Ok(Vec::new());
    }
    let verified = journal::read(&path)?;
    verified.lines[1..]
        .iter()
        .map(|l| {
            serde_json::from_value(l.body.clone()).map_err(|e| {
                RecordError::Malformed(format!("{}: line {}: {e}", path.display(), l.seq + 1))
            })
        })
        .collect()
}

/// The record made from the session file named `session_file`, if any.
pub fn find_by_session(
    store: &Store,
    session_file: &str,
) -> Result<Option<IndexEntry>, RecordError> {
    Ok(index(store)?.into_iter().find(|e| e.session == session_file))
}

/// Resolve a record id, a unique prefix of one (8 characters or more), or
/// a path to a record file, to its id.
pub fn resolve(store: &Store, what: &str) -> Result<String, RecordError> {
    let p = Path::new(what);
    if what.ends_with(".json") && p.exists() {
        // A record is checked where it lives, against that store's index
        // and amendments; a copy elsewhere would silently be replaced by
        // the store's own file, so it is refused instead.
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if !same(dir, &store.records_dir()) {
            return Err(RecordError::Malformed(format!(
                "{what} is not in this data directory's records ({}); set MONQC_DATA_DIR to \
                 the data directory that holds it",
                store.records_dir().display()
            )));
        }
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        return Ok(stem);
    }
    if !what.is_empty() && what.len() < 8 && what.chars().all(|c| c.is_ascii_hexdigit()) {
        // REDTEAM U7: a 7-character prefix said "no record".
        return Err(RecordError::Malformed(format!(
            "`{what}` is too short to name a record: give at least 8 characters of its id \
             (`monqc history DISPLAY` lists them)"
        )));
    }
    if what.len() < 8 || !what.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(RecordError::NotFound(what.into()));
    }
    let dir = store.records_dir();
    let entries =
        std::fs::read_dir(&dir).map_err(|source| RecordError::Io { path: dir, source })?;
    let matches: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let id = name.strip_suffix(".json")?;
            (id.len() == 64 && id.starts_with(&what.to_ascii_lowercase())).then(|| id.to_string())
        })
        .collect();
    match matches.len() {
        0 => Err(RecordError::NotFound(what.into())),
        1 => Ok(matches.into_iter().next().expect("one")),
        _ => Err(RecordError::Ambiguous(what.into())),
    }
}

/// Load record `id`, checking that its bytes still hash to its id.
pub fn load(store: &Store, id: &str) -> Result<Record, RecordError> {
    let path = store.record_path(id);
    let bytes = std::fs::read(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => RecordError::NotFound(id.into()),
        _ => RecordError::Io { path: path.clone(), source },
    })?;
    if sha256_hex(&bytes) != id {
        return Err(RecordError::Malformed(format!(
            "{}: the file's content no longer matches its hash: the record was changed",
            path.display()
        )));
    }
    parse_record(&bytes, &path)
}

fn parse_record(bytes: &[u8], path: &Path) -> Result<Record, RecordError> {
    let record: Record = serde_json::from_slice(bytes).map_err(|e| {
        RecordError::Malformed(format!("{}: not a monqc record: {e}", path.display()))
    })?;
    if record.format != FORMAT || !(OLDEST_VERSION..=VERSION).contains(&record.version) {
        return Err(RecordError::Malformed(format!(
            "{}: format {} version {} is not {FORMAT} version {OLDEST_VERSION} to {VERSION}",
            path.display(),
            record.format,
            record.version
        )));
    }
    Ok(record)
}

/// Append an amendment to record `id`.
pub fn amend(store: &Store, id: &str, amendment: &Amendment) -> Result<(), RecordError> {
    load(store, id)?;
    locked(store, || amend_unlocked(store, id, amendment))
}

fn amend_unlocked(store: &Store, id: &str, amendment: &Amendment) -> Result<(), RecordError> {
    let path = store.amendments_path(id);
    let body = serde_json::to_value(amendment).expect("serialises");
    if path.exists() {
        let (mut j, _) = Journal::open_append(&path)?;
        j.append(&body)?;
    } else {
        let mut j = Journal::create(&path, &json!({ "amends": id }))?;
        j.append(&body)?;
    }
    Ok(())
}

/// The amendments of record `id`, oldest first.
pub fn amendments(store: &Store, id: &str) -> Result<Vec<Amendment>, RecordError> {
    let path = store.amendments_path(id);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let verified = journal::read(&path)?;
    if verified.lines.first().map(|l| &l.body) != Some(&json!({ "amends": id })) {
        return Err(RecordError::Malformed(format!(
            "{}: does not belong to record {id}",
            path.display()
        )));
    }
    verified.lines[1..]
        .iter()
        .map(|l| {
            serde_json::from_value(l.body.clone())
                .map_err(|e| RecordError::Malformed(format!("{}: {e}", path.display())))
        })
        .collect()
}

/// One check made by [`verify`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
    /// Detail.
    pub detail: String,
}

/// Check record `id`: its bytes against its hash, its journal's chain, its
/// criteria text against the criteria hash, the analysis recomputed from
/// the raw readings, its listing in the index, and its amendments' chain.
pub fn verify(store: &Store, id: &str) -> Result<Vec<Check>, RecordError> {
    let path = store.record_path(id);
    let bytes = std::fs::read(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => RecordError::NotFound(id.into()),
        _ => RecordError::Io { path: path.clone(), source },
    })?;
    let mut checks = Vec::new();
    let mut check = |what: &str, ok: bool, detail: String| {
        checks.push(Check { what: what.into(), ok, detail });
    };
    let actual = sha256_hex(&bytes);
    check(
        "content hash",
        actual == id,
        if actual == id {
            "the file's SHA-256 is its id".into()
        } else {
            format!("the file hashes to {actual}: it was changed after finalisation")
        },
    );
    let record = match parse_record(&bytes, &path) {
        Ok(r) => r,
        Err(e) => {
            check("record structure", false, e.to_string());
            return Ok(checks);
        }
    };
    let text = record
        .journal
        .iter()
        .map(|l| serde_json::to_string(l).expect("serialises") + "\n")
        .collect::<String>();
    let chain = journal::verify(&text, Path::new(&record.session_file));
    check(
        "journal chain",
        chain.is_ok(),
        match &chain {
            Ok(v) => format!("{} lines, head {}", v.lines.len(), &v.head()[..16]),
            Err(e) => e.to_string(),
        },
    );
    let criteria_ok = sha256_hex(record.criteria.text.as_bytes()) == record.criteria.sha256
        && record.criteria.sha256 == record.analysis.criteria_sha256;
    check(
        "criteria table",
        criteria_ok,
        format!("{} ({})", record.criteria.origin, &record.criteria.sha256[..16]),
    );
    if actual != id {
        // Recomputing tells nothing more about a file already shown changed.
        check("analysis", false, "not recomputed: the content hash already fails".into());
    } else if chain.is_ok() && criteria_ok {
        let recomputed = (|| -> Result<Analysis, RecordError> {
            let set = record.session()?.measurement_set(Path::new(&record.session_file));
            let baseline = match &record.baseline_record {
                Some(b) => {
                    let r = load(store, b)?;
                    Some(r.session()?.measurement_set(Path::new(&r.session_file)))
                }
                None => None,
            };
            Ok(analysis::analyse(&set, &record.criteria()?, &record.options, baseline.as_ref())?)
        })();
        let (ok, detail) = match recomputed {
            Ok(a) if a == record.analysis => {
                (true, "recomputed from the readings: identical".into())
            }
            Ok(_) => (false, "recomputed from the readings: the stored results differ".into()),
            Err(e) => (false, format!("cannot recompute: {e}")),
        };
        check("analysis", ok, detail);
    }
    let listed = index(store).map(|entries| entries.iter().any(|e| e.record == id));
    check(
        "index",
        matches!(listed, Ok(true)),
        match listed {
            Ok(true) => "listed in the record index".into(),
            Ok(false) => {
                "not in the record index: it was not finalised by this data directory".into()
            }
            Err(e) => e.to_string(),
        },
    );
    let amended = amendments(store, id);
    check(
        "amendments",
        amended.is_ok(),
        match amended {
            Ok(a) => format!("{} amendment(s), chain intact", a.len()),
            Err(e) => e.to_string(),
        },
    );
    Ok(checks)
}
