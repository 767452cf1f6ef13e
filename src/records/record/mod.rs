//! Finalised records: a session frozen with its analysis, the software
//! version and the exact criteria table, under its content hash.
//!
//! A record is never changed. Corrections are amendments appended to a
//! hash-chained file beside it (who, when, why, what); the original stays
//! readable. Every record, every amendment and every signing key is listed
//! in the hash-chained record index, and once the data directory has a
//! signing key every record and index line is signed with it. [`verify`]
//! checks all of it and recomputes the analysis from the raw readings,
//! telling "the bytes are exactly as finalised" apart from "this monqc
//! computes a different value".
//!
//! Authenticity requirement (JESRA X-0093 record keeping after JSRT's
//! guideline, as taught; calibration-data/STANDARDS.md, "What a record must
//! hold"): no falsification, overwriting or erasure; every addition or
//! change recorded with who and when.
//!
//! # Format, version 3 (versions 1 and 2 are read and verified unchanged)
//!
//! A record file `records/<id>.json` is pretty-printed JSON whose SHA-256 is
//! `<id>`. Version 3 adds four fields to those of versions 1 and 2 (`format`, `version`,
//! `software`, `finalised_at`, `finalised_by`, `session_file`, `journal`,
//! `criteria`, `options`, `baseline_record`, `analysis`):
//! - `session_hash`: the session's identity, the hash of its journal's first
//!   line ([`session::identity`]);
//! - `index`: `{"seq": n, "prev": h}`, the index line that lists it and the
//!   hash of the line before, so a record commits to the whole index before
//!   it and a record written just before a crash is listed where it belongs;
//! - `signing_key`, `signature` (when the data directory signs): the
//!   Ed25519 signature of `monqc-record`, a newline and the canonical JSON of
//!   the record without `signature`.
//!
//! The index and the amendment chains are described in [`index`] and
//! [`amendments`].

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::numbers::digest::sha256_hex;
use crate::records::clock::{self, Clock};
use crate::records::durable;
use crate::records::journal::{self, JournalError, Line};
use crate::records::session::{self, Session, SessionFileError};
use crate::records::signing;
use crate::records::store::{Store, StoreError};
use crate::standards::analysis::{self, Analysis, AnalysisError, AnalysisOptions};
use crate::standards::criteria::{Criteria, CriteriaError};

mod amendments;
mod index;
mod repair;
mod verify;

pub use amendments::{Amendment, amend, amendments};
pub use index::{
    AmendmentAnchor, IndexEntry, IndexLine, KeyIntroduction, Listing, RepairNote, find_by_session,
    index, index_lines, introduce_key, listing, signing_keys,
};
pub use repair::{Repair, repair};
pub use verify::{
    Check, CheckState, DataDirVerification, SignatureState, Verification, VerifyOptions, verify,
    verify_record, verify_store,
};

/// The format name written in every record.
pub const FORMAT: &str = "monqc-record";
/// The record format version this build writes. Version 2 records hold an
/// analysis of edition 2 (INCOMPLETE, flags, uncertainty; see
/// `standards::analysis`); version 3 adds the session's identity, the index
/// position and the signature. Older records read, verify and print as they
/// were written.
pub const VERSION: u32 = 3;
/// The oldest record format version this build reads and verifies.
pub const OLDEST_VERSION: u32 = 1;
/// The domain string a record's signature covers.
const SIGNED_AS: &str = "monqc-record";

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

/// Where a record is listed in the index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexPosition {
    /// The index line (0-based) that lists the record.
    pub seq: u64,
    /// The hash of the index line before it.
    pub prev: String,
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
    /// The session's identity: the hash of its journal's first line
    /// (version 3; for older ones, [`Record::session_hash`] computes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_hash: Option<String>,
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
    /// Where the index lists it (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<IndexPosition>,
    /// The public key that signed it (`ed25519:…`), when signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// The Ed25519 signature (hex) of the record without this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
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
    /// The data directory cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No record matches.
    #[error("no record `{0}` in the data directory; `monqc history DISPLAY` lists records")]
    NotFound(String),
    /// More than one record matches a prefix.
    #[error("`{0}` matches more than one record; give more of its hash")]
    Ambiguous(String),
    /// The file is not a record.
    #[error("{0}")]
    Malformed(String),
    /// Something the index vouches for was changed or removed.
    #[error("{0}; `monqc verify --all` shows every check")]
    Changed(String),
    /// The index file is gone while records remain.
    #[error(
        "the record index {path} is missing, but the data directory holds {records} record(s); \
         a new index is never started over existing records: restore index.jsonl from a \
         backup or from the records server",
        path = .path.display()
    )]
    IndexMissing {
        /// The index file.
        path: std::path::PathBuf,
        /// Record files present.
        records: usize,
    },
    /// The data directory signs what it finalises, and no key was given.
    #[error(
        "this data directory signs its records (key {keys}); the private key was not given or \
         is another one (set MONQC_SIGNING_KEY to the key file, or run as the person who \
         holds it); nothing was written"
    )]
    KeyNeeded {
        /// The keys the index introduced, as fingerprints.
        keys: String,
    },
    /// A session file with the identity of a finalised session holds other lines.
    #[error(
        "{path} is session {identity}, already finalised as record {record}, but the file \
         differs from the record's copy at line {line}: it is not the journal that record was \
         made from (a copy that was changed?); the record is kept as it is",
        path = .path.display(),
        identity = &.identity[..16]
    )]
    NotThisSession {
        /// The session file.
        path: std::path::PathBuf,
        /// Its identity.
        identity: String,
        /// The record of that identity.
        record: String,
        /// The first line (1-based) that differs.
        line: usize,
    },
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

    /// The session's identity: as recorded (version 3), else the hash of
    /// the first line of the journal copy (versions 1 and 2).
    pub fn session_hash(&self) -> Option<&str> {
        self.session_hash.as_deref().or_else(|| self.journal.first().map(|l| l.hash.as_str()))
    }
}

/// The bytes a record's signature covers: the record without `signature`.
fn signed_message(record: &Value) -> Vec<u8> {
    let mut unsigned = record.clone();
    if let Some(o) = unsigned.as_object_mut() {
        o.remove("signature");
    }
    signing::message(SIGNED_AS, &unsigned)
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
/// content hash (created exclusively, whole or not at all), sign it when
/// the data directory signs (with the store's key), and list it in the
/// index. Returns the record id.
///
/// A session is finalised once, identified by its content
/// ([`session::identity`]), not its file name: finalising it again, after a
/// crash at any point or from a copy, returns the record already made
/// (completing its listing when a crash came between the two writes), and
/// a file that claims the session's identity but holds other lines is
/// refused.
pub fn finalise(store: &Store, f: Finalising<'_>) -> Result<(String, Record), RecordError> {
    // Under the lock, so two processes cannot both finalise one session.
    let _lock = store.lock()?;
    finalise_locked(store, f)
}

fn finalise_locked(store: &Store, f: Finalising<'_>) -> Result<(String, Record), RecordError> {
    let session_file =
        f.session_path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let verified = journal::read(f.session_path)?;
    if verified.torn_tail_bytes > 0 {
        return Err(RecordError::Malformed(format!(
            "{}: the last reading is incomplete; run `monqc resume` to take it again before \
             finalising",
            f.session_path.display()
        )));
    }
    let session = Session::from_verified(&verified, f.session_path)?;
    let identity = session::identity(&verified).expect("a session has a header line").to_string();
    let mut idx = index::Index::read_for_write(store)?;
    idx.refuse_fresh_over_records(store)?;
    idx.adopt_pending(store)?;
    if let Some((id, record)) = idx.record_of_session(store, &identity, &session_file)? {
        same_journal(&record, &verified, f.session_path, &id)?;
        return Ok((id, record));
    }
    let signer = idx.signer(store)?;
    let set = session.measurement_set(f.session_path);
    let baseline_set = match f.baseline {
        Some((_, r)) => Some(r.session()?.measurement_set(Path::new(&r.session_file))),
        None => None,
    };
    let analysis = analysis::analyse(&set, f.criteria, &f.options, baseline_set.as_ref())?;
    let mut record = Record {
        format: FORMAT.into(),
        version: VERSION,
        software: f.software.into(),
        finalised_at: clock::timestamp(f.clock),
        finalised_by: f.by.into(),
        session_file: session_file.clone(),
        session_hash: Some(identity),
        journal: verified.lines,
        criteria: CriteriaCopy {
            origin: f.criteria.origin.clone(),
            sha256: f.criteria.sha256.clone(),
            text: f.criteria.text.clone(),
        },
        options: f.options,
        baseline_record: f.baseline.map(|(id, _)| id.to_string()),
        analysis,
        index: Some(idx.next_position()),
        signing_key: signer.map(|k| k.public_key()),
        signature: None,
    };
    if let Some(key) = signer {
        let value = serde_json::to_value(&record).expect("record serialises");
        record.signature = Some(key.sign(&signed_message(&value)));
    }
    let mut bytes = serde_json::to_vec_pretty(&record).expect("record serialises");
    bytes.push(b'\n');
    let id = sha256_hex(&bytes);
    let path = store.record_path(&id);
    match durable::create_new(&path, &bytes) {
        // The same bytes are already there under their hash.
        Ok(()) | Err(durable::CreateError::Exists) => {}
        Err(durable::CreateError::Io(source)) => return Err(RecordError::Io { path, source }),
    }
    let entry = index::entry_for(&id, &record)?;
    idx.append(store, vec![IndexLine::Record(entry)])?;
    Ok((id, record))
}

/// The record already made from the session journalled at `path`, if any
/// (found by the session's content; a record written just before a crash
/// is listed in the index now). Errors when the file claims a finalised
/// session's identity but differs from the record's copy.
pub fn record_of_session(
    store: &Store,
    path: &Path,
) -> Result<Option<(String, Record)>, RecordError> {
    let verified = journal::read(path)?;
    let Some(identity) = session::identity(&verified).map(str::to_string) else {
        return Ok(None);
    };
    let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let _lock = store.lock()?;
    let mut idx = index::Index::read_for_write(store)?;
    let found = idx.record_of_session(store, &identity, &name)?;
    let found = match found {
        Some(f) => Some(f),
        // Finalising may have stopped between writing the record and
        // listing it: list it now, then look again.
        None if idx.adopt_pending(store)? > 0 => idx.record_of_session(store, &identity, &name)?,
        None => None,
    };
    if let Some((id, record)) = &found {
        same_journal(record, &verified, path, id)?;
    }
    Ok(found)
}

/// The session file at `path` must hold exactly the record's journal.
fn same_journal(
    record: &Record,
    verified: &journal::Verified,
    path: &Path,
    id: &str,
) -> Result<(), RecordError> {
    if record.journal == verified.lines && verified.torn_tail_bytes == 0 {
        return Ok(());
    }
    let line = record
        .journal
        .iter()
        .zip(&verified.lines)
        .position(|(a, b)| a != b)
        .unwrap_or(record.journal.len().min(verified.lines.len()))
        + 1;
    Err(RecordError::NotThisSession {
        path: path.to_owned(),
        identity: record.session_hash().unwrap_or_default().to_string(),
        record: id.to_string(),
        line,
    })
}

/// Resolve a record id, a unique prefix of one (8 characters or more), or
/// a path to a record file, to its id.
pub fn resolve(store: &Store, what: &str) -> Result<String, RecordError> {
    let p = Path::new(what);
    if what.ends_with(".json") && std::fs::symlink_metadata(p).is_ok() {
        // A record is checked where it lives, against that store's index
        // and amendments; a copy elsewhere would silently be replaced by
        // the store's own file, so it is refused instead.
        let dir = durable::parent(p);
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
    let prefix = what.to_ascii_lowercase();
    let matches: Vec<String> =
        store.record_files()?.into_iter().filter(|id| id.starts_with(&prefix)).collect();
    match matches.len() {
        0 => Err(RecordError::NotFound(what.into())),
        1 => Ok(matches.into_iter().next().expect("one")),
        _ => Err(RecordError::Ambiguous(what.into())),
    }
}

/// Read record `id`'s bytes (never through a link).
fn read_bytes(store: &Store, id: &str) -> Result<Vec<u8>, RecordError> {
    let path = store.record_path(id);
    durable::read(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => RecordError::NotFound(id.into()),
        _ => RecordError::Io { path: path.clone(), source },
    })
}

/// Load record `id`, checking that its bytes still hash to its id.
pub fn load(store: &Store, id: &str) -> Result<Record, RecordError> {
    let path = store.record_path(id);
    let bytes = read_bytes(store, id)?;
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
    check_format(&record.format, record.version, path)?;
    Ok(record)
}

fn check_format(format: &str, version: u32, path: &Path) -> Result<(), RecordError> {
    if format != FORMAT || !(OLDEST_VERSION..=VERSION).contains(&version) {
        return Err(RecordError::Malformed(format!(
            "{}: format {format} version {version} is not {FORMAT} version \
             {OLDEST_VERSION}–{VERSION}; use the monqc version that wrote it",
            path.display(),
        )));
    }
    Ok(())
}
