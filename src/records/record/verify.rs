//! Verifying records and the data directory.
//!
//! Two questions, answered apart (issue 11 item 4):
//! - **Are the bytes and the history exactly as finalised?** The content
//!   hash, the journal chain, the criteria table, the signature, the index
//!   line and position, the amendment chain against its anchors, and the
//!   session journal still in `sessions/`. Any failure is
//!   [`CheckState::Changed`]: NOT VERIFIED.
//! - **Does this monqc compute the same results?** The analysis recomputed
//!   from the raw readings. A difference is [`CheckState::ComputesDifferently`]:
//!   the record is still exactly as finalised; a newer monqc judges it
//!   differently, and says how.
//!
//! What a crash leaves half done (a record written but not yet listed, an
//! amendment written but not yet anchored, a session interrupted) is
//! [`CheckState::Pending`], with the command that completes it: never a
//! tamper alarm.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::amendments::reconcile;
use super::index::{HeadState, Index};
use super::{
    CriteriaCopy, FORMAT, IndexPosition, OLDEST_VERSION, Record, RecordError, VERSION, load,
    read_bytes, signed_message,
};
use crate::numbers::digest::sha256_hex;
use crate::records::durable;
use crate::records::journal::{self, Line};
use crate::records::signing;
use crate::records::store::Store;
use crate::standards::analysis;

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckState {
    /// It holds.
    Holds,
    /// The bytes or the history are not as finalised.
    Changed,
    /// The bytes are as finalised; this monqc computes a different value.
    ComputesDifferently,
    /// Something a crash left half done; a command completes it.
    Pending,
    /// Worth knowing; not a problem (unsigned, written by an older monqc).
    Notice,
}

/// One check made by [`verify`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Whether it held: false for [`CheckState::Changed`] and
    /// [`CheckState::Pending`].
    pub ok: bool,
    /// Detail.
    pub detail: String,
    /// How it came out.
    pub state: CheckState,
}

impl Check {
    fn new(what: &str, state: CheckState, detail: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            ok: !matches!(state, CheckState::Changed | CheckState::Pending),
            detail: detail.into(),
            state,
        }
    }
}

/// What [`verify_record`] is told besides the store.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// The public keys the site configuration lists (`[signing]`), when it
    /// has that section: a record signed by another key is not verified.
    pub site_keys: Option<Vec<String>>,
}

/// A record's signature, as found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum SignatureState {
    /// Signed by `key`, and the signature matches.
    Valid {
        /// The public key.
        key: String,
    },
    /// Not signed (made before the data directory had a key, or by an older monqc).
    Unsigned,
    /// A signature that does not match, or a missing one where one belongs.
    Invalid,
}

/// Everything [`verify_record`] found about one record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verification {
    /// The record id.
    pub record: String,
    /// Its format version, when readable.
    pub format_version: Option<u32>,
    /// The software that finalised it, when readable.
    pub finalised_by_software: Option<String>,
    /// The session it holds, by identity.
    pub session_hash: Option<String>,
    /// Its signature.
    pub signature: SignatureState,
    /// Each check, in order.
    pub checks: Vec<Check>,
}

impl Verification {
    /// True when no check found a change: the bytes and the history are
    /// exactly as finalised.
    pub fn bytes_as_finalised(&self) -> bool {
        !self.checks.iter().any(|c| c.state == CheckState::Changed)
    }

    /// True when a crash left something half done.
    pub fn pending(&self) -> bool {
        self.checks.iter().any(|c| c.state == CheckState::Pending)
    }

    /// True when this monqc computes a different analysis from the same readings.
    pub fn computes_differently(&self) -> bool {
        self.checks.iter().any(|c| c.state == CheckState::ComputesDifferently)
    }

    fn push(&mut self, what: &str, state: CheckState, detail: impl Into<String>) {
        self.checks.push(Check::new(what, state, detail));
    }
}

/// The parts of a record verification reads, leniently: a field a newer
/// monqc added to the analysis must not make an old record unreadable here.
#[derive(Deserialize)]
struct Parts {
    format: String,
    version: u32,
    software: String,
    finalised_at: String,
    session_file: String,
    #[serde(default)]
    session_hash: Option<String>,
    journal: Vec<Line>,
    criteria: CriteriaCopy,
    #[serde(default)]
    baseline_record: Option<String>,
    analysis: Value,
    #[serde(default)]
    index: Option<IndexPosition>,
    #[serde(default)]
    signing_key: Option<String>,
    #[serde(default)]
    signature: Option<String>,
}

/// Check record `id` (see [`verify_record`]); the checks only.
pub fn verify(store: &Store, id: &str) -> Result<Vec<Check>, RecordError> {
    Ok(verify_record(store, id, &VerifyOptions::default())?.checks)
}

/// Check record `id`: its bytes against its hash, its journal's chain, its
/// criteria table, its signature, its line and position in the index, its
/// amendments against their anchors, the session journal in `sessions/`,
/// and the analysis recomputed from the raw readings.
pub fn verify_record(
    store: &Store,
    id: &str,
    options: &VerifyOptions,
) -> Result<Verification, RecordError> {
    verify_against(store, id, options, &Index::read_lenient(store))
}

/// [`verify_record`] with the index already read.
fn verify_against(
    store: &Store,
    id: &str,
    options: &VerifyOptions,
    idx: &Result<Index, RecordError>,
) -> Result<Verification, RecordError> {
    let bytes = read_bytes(store, id)?;
    let mut v = Verification {
        record: id.to_string(),
        format_version: None,
        finalised_by_software: None,
        session_hash: None,
        signature: SignatureState::Unsigned,
        checks: Vec::new(),
    };
    let actual = sha256_hex(&bytes);
    let hash_ok = actual == id;
    v.push(
        "content hash",
        if hash_ok { CheckState::Holds } else { CheckState::Changed },
        if hash_ok {
            "the file's SHA-256 is its id".to_string()
        } else {
            format!("the file hashes to {actual}: it was changed after finalisation")
        },
    );
    let parts: Parts = match serde_json::from_slice(&bytes) {
        Ok(p) => p,
        Err(e) => {
            v.push("record structure", CheckState::Changed, format!("not a monqc record: {e}"));
            return Ok(v);
        }
    };
    if parts.format != FORMAT || !(OLDEST_VERSION..=VERSION).contains(&parts.version) {
        v.push(
            "record structure",
            CheckState::Changed,
            format!("format {} version {} is not a monqc record", parts.format, parts.version),
        );
        return Ok(v);
    }
    v.format_version = Some(parts.version);
    v.finalised_by_software = Some(parts.software.clone());

    // The journal copy and the session's identity.
    let chain = journal::verify_lines(&parts.journal, Path::new(&parts.session_file));
    let identity = parts.journal.first().map(|l| l.hash.clone());
    v.session_hash = identity.clone();
    let identity_ok = parts.session_hash.is_none() || parts.session_hash == identity;
    v.push(
        "journal chain",
        if chain.is_ok() && identity_ok { CheckState::Holds } else { CheckState::Changed },
        match &chain {
            Ok(_) if !identity_ok => {
                "the session identity it records is not its journal's first line".to_string()
            }
            Ok(j) => format!("{} lines, head {}", j.lines.len(), &j.head()[..16]),
            Err(e) => e.to_string(),
        },
    );
    let criteria_ok = sha256_hex(parts.criteria.text.as_bytes()) == parts.criteria.sha256
        && Some(parts.criteria.sha256.as_str())
            == parts.analysis.get("criteria_sha256").and_then(Value::as_str);
    v.push(
        "criteria table",
        if criteria_ok { CheckState::Holds } else { CheckState::Changed },
        format!(
            "{} ({})",
            parts.criteria.origin,
            parts.criteria.sha256.get(..16).unwrap_or(&parts.criteria.sha256)
        ),
    );

    // The index: where the record is listed, and which keys sign there.
    let listing = idx.as_ref().ok().and_then(|idx| {
        idx.entries().find(|(_, e)| e.record == id).map(|(seq, e)| (seq, e.clone()))
    });
    check_signature(
        &mut v,
        &bytes,
        &parts,
        idx.as_ref().ok(),
        listing.as_ref().map(|l| l.0),
        options,
    );
    match idx {
        Err(e) => v.push("index", CheckState::Changed, e.to_string()),
        Ok(idx) => check_index(&mut v, store, id, idx, &parts, listing.as_ref()),
    }

    // Amendments against their anchors.
    match idx {
        Ok(idx) => match reconcile(store, id, idx) {
            Ok(chain) => v.push("amendments", chain.state, chain.detail),
            Err(e) => v.push("amendments", CheckState::Changed, e.to_string()),
        },
        Err(_) => {
            v.push("amendments", CheckState::Changed, "not checked: the index cannot be read")
        }
    }

    check_session_file(&mut v, store, &parts, identity.as_deref());

    // The analysis, recomputed: a question about this monqc, not the bytes.
    if !hash_ok {
        v.push("analysis", CheckState::Changed, "not recomputed: the content hash already fails");
    } else if chain.is_ok() && criteria_ok {
        let (state, detail) = recompute(store, &bytes, &parts);
        v.push("analysis", state, detail);
    }
    Ok(v)
}

fn check_signature(
    v: &mut Verification,
    bytes: &[u8],
    parts: &Parts,
    idx: Option<&Index>,
    listed_at: Option<u64>,
    options: &VerifyOptions,
) {
    let position = parts.index.as_ref().map(|p| p.seq).or(listed_at);
    let keys = idx.map(Index::keys).unwrap_or_default();
    let signing_since =
        keys.first().map(|(seq, _)| *seq).filter(|s| position.is_some_and(|p| *s < p));
    match (&parts.signing_key, &parts.signature) {
        (Some(pk), Some(sig)) => {
            let fp = signing::fingerprint(pk);
            let value: Value = serde_json::from_slice(bytes).expect("parsed as a record before");
            let problem = if !signing::verify(pk, &signed_message(&value), sig) {
                Some("the signature does not match the record: it was changed or signed by another key".to_string())
            } else if !keys.iter().any(|(seq, k)| k == pk && position.is_some_and(|p| *seq < p)) {
                Some(format!(
                    "signed by key {fp}, which the index did not introduce before the record"
                ))
            } else if options.site_keys.as_ref().is_some_and(|s| !s.contains(pk)) {
                Some(format!(
                    "signed by key {fp}, which the site configuration's [signing] does not list"
                ))
            } else {
                None
            };
            match problem {
                None => {
                    v.signature = SignatureState::Valid { key: pk.clone() };
                    v.push(
                        "signature",
                        CheckState::Holds,
                        format!("signed by key {fp} (Ed25519), valid"),
                    );
                }
                Some(p) => {
                    v.signature = SignatureState::Invalid;
                    v.push("signature", CheckState::Changed, p);
                }
            }
        }
        (None, None) => match signing_since {
            Some(seq) => {
                v.signature = SignatureState::Invalid;
                v.push(
                    "signature",
                    CheckState::Changed,
                    format!(
                        "unsigned, though the data directory signs its records since index line {}",
                        seq + 1
                    ),
                );
            }
            None => {
                v.signature = SignatureState::Unsigned;
                let why = if parts.version < 3 {
                    format!(
                        "written by {} (record format {}), before records were signed",
                        parts.software, parts.version
                    )
                } else {
                    "the data directory had no signing key when it was finalised (`monqc keys create` makes one)".to_string()
                };
                v.push("signature", CheckState::Notice, format!("unsigned: {why}"));
            }
        },
        _ => {
            v.signature = SignatureState::Invalid;
            v.push(
                "signature",
                CheckState::Changed,
                "a signing key without a signature, or the reverse",
            );
        }
    }
}

fn check_index(
    v: &mut Verification,
    store: &Store,
    id: &str,
    idx: &Index,
    parts: &Parts,
    listing: Option<&(u64, super::IndexEntry)>,
) {
    if idx.torn_bytes() > 0 {
        v.push(
            "index",
            CheckState::Changed,
            journal::JournalError::TornTail {
                path: idx.path().to_owned(),
                bytes: idx.torn_bytes(),
            }
            .to_string(),
        );
        return;
    }
    let here = match (&parts.index, listing) {
        (Some(pos), Some((seq, _))) if *seq == pos.seq => {
            if idx.raw()[*seq as usize].prev == pos.prev {
                Ok(format!("listed at index line {}, where it says", seq + 1))
            } else {
                Err("the index lines before it are not those it was finalised after: the index was rewritten".to_string())
            }
        }
        (Some(pos), Some((seq, _))) => Err(format!(
            "listed at index line {} but finalised for line {}: the index was rewritten",
            seq + 1,
            pos.seq + 1
        )),
        (None, Some((seq, _))) => Ok(format!("listed at index line {}", seq + 1)),
        (_, None) if idx.is_pending(store, id) => {
            v.push(
                "index",
                CheckState::Pending,
                format!(
                    "not listed yet: finalising wrote the record and stopped before listing it \
                     (a crash or a full disk); `monqc resume {}` or `monqc repair` lists it",
                    parts.session_file.trim_end_matches(".jsonl")
                ),
            );
            return;
        }
        (_, None) if !idx.exists() => Err("the record index is missing".to_string()),
        (Some(pos), None) => Err(format!(
            "not in the record index, where it belongs at line {}: the index was cut short, \
             rewritten or replaced",
            pos.seq + 1
        )),
        (None, None) => {
            Err("not in the record index: it was not finalised by this data directory, or the \
             index lost its line"
                .to_string())
        }
    };
    let here = here.and_then(|ok| {
        let (seq, e) = listing.expect("listed when Ok");
        let says = [
            ("session", e.session == parts.session_file),
            ("finalised_at", e.finalised_at == parts.finalised_at),
            (
                "overall",
                serde_json::to_value(e.overall).ok().as_ref() == parts.analysis.get("overall"),
            ),
            ("session_hash", e.session_hash.is_none() || e.session_hash == parts.session_hash),
        ];
        match says.iter().find(|(_, same)| !same) {
            Some((field, _)) => Err(format!(
                "index line {} gives another {field} than the record: the index was edited",
                seq + 1
            )),
            None => Ok(ok),
        }
    });
    let anchors = idx.anchors(id);
    let signatures: Vec<&str> = idx
        .signature_problems()
        .iter()
        .filter(|(line, _)| {
            listing.is_some_and(|(seq, _)| *line <= seq + 1)
                || anchors.iter().any(|(seq, _)| *line == seq + 1)
        })
        .map(|(_, p)| p.as_str())
        .collect();
    let here = match (here, idx.head_state()) {
        (Ok(_), HeadState::Wrong(why)) => Err(why.clone()),
        (here, _) => here,
    };
    match (here, signatures.is_empty()) {
        (Ok(detail), true) => v.push("index", CheckState::Holds, detail),
        (Ok(_), false) => v.push("index", CheckState::Changed, signatures.join("; ")),
        (Err(detail), _) => v.push("index", CheckState::Changed, detail),
    }
}

fn check_session_file(v: &mut Verification, store: &Store, parts: &Parts, identity: Option<&str>) {
    let name = &parts.session_file;
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return;
    }
    let path = store.sessions_dir().join(name);
    if std::fs::symlink_metadata(&path).is_err() {
        v.push(
            "session journal",
            CheckState::Notice,
            format!("sessions/{name} is not in this data directory; the record holds its copy"),
        );
        return;
    }
    // The common case, cheaply: the file is the record's copy, byte for byte.
    let copy: String = parts
        .journal
        .iter()
        .map(|l| serde_json::to_string(l).expect("serialises") + "\n")
        .collect();
    if durable::read(&path).is_ok_and(|bytes| bytes == copy.as_bytes()) {
        v.push(
            "session journal",
            CheckState::Holds,
            format!("sessions/{name} is the record's journal, line for line"),
        );
        return;
    }
    let read = match journal::read_in_store(&path) {
        Ok(r) => r,
        Err(e) => {
            v.push("session journal", CheckState::Changed, e.to_string());
            return;
        }
    };
    if read.lines.first().map(|l| l.hash.as_str()) != identity {
        v.push(
            "session journal",
            CheckState::Notice,
            format!("sessions/{name} holds another session with the same file name"),
        );
        return;
    }
    if read.lines == parts.journal && read.torn_tail_bytes == 0 {
        v.push(
            "session journal",
            CheckState::Holds,
            format!("sessions/{name} is the record's journal, line for line"),
        );
        return;
    }
    let line = parts
        .journal
        .iter()
        .zip(&read.lines)
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| parts.journal.len().min(read.lines.len()))
        + 1;
    let how = if read.lines.len() < parts.journal.len() && parts.journal.starts_with(&read.lines) {
        format!("lines from {line} on were cut off")
    } else {
        format!("it differs from line {line} on")
    };
    v.push(
        "session journal",
        CheckState::Changed,
        format!("sessions/{name} no longer matches the record's copy: {how}"),
    );
}

/// Recompute the analysis and compare it with the stored one.
fn recompute(store: &Store, bytes: &[u8], parts: &Parts) -> (CheckState, String) {
    let here = crate::records::SOFTWARE;
    let then = &parts.software;
    let record: Record = match serde_json::from_slice(bytes) {
        Ok(r) => r,
        Err(e) => {
            return (
                CheckState::ComputesDifferently,
                format!(
                    "the bytes are as {then} finalised them; this {here} cannot read its stored \
                     analysis ({e}), so it cannot compare"
                ),
            );
        }
    };
    let baseline = match &parts.baseline_record {
        Some(b) => match load(store, b)
            .and_then(|r| Ok(r.session()?.measurement_set(Path::new(&r.session_file))))
        {
            Ok(set) => Some(set),
            Err(e) => {
                return (
                    CheckState::Changed,
                    format!("cannot recompute: its baseline record {b} cannot be read: {e}"),
                );
            }
        },
        None => None,
    };
    let recomputed = (|| -> Result<analysis::Analysis, RecordError> {
        let set = record.session()?.measurement_set(Path::new(&record.session_file));
        Ok(analysis::analyse(&set, &record.criteria()?, &record.options, baseline.as_ref())?)
    })();
    match recomputed {
        Ok(a) => {
            let now = serde_json::to_value(&a).expect("serialises");
            let mut d = Differences::default();
            differ(&parts.analysis, &now, String::new(), &mut d);
            if !d.real.is_empty() {
                let shown: Vec<_> = d.real.iter().take(4).cloned().collect();
                let more = d.real.len().saturating_sub(shown.len());
                (
                    CheckState::ComputesDifferently,
                    format!(
                        "the stored results are exactly as {then} computed them; this {here} \
                         computes differently: {}{}",
                        shown.join("; "),
                        if more > 0 { format!(" (and {more} more)") } else { String::new() }
                    ),
                )
            } else if d.rounding > 0 {
                (
                    CheckState::Holds,
                    format!(
                        "recomputed from the readings: the same results; {} number(s) differ \
                         only in floating-point rounding (by at most {:.1e} of the number or of \
                         1, below {ROUNDING:.0e}: C math libraries round log, exp and pow \
                         differently in the last bit)",
                        d.rounding, d.largest_rounding
                    ),
                )
            } else {
                (CheckState::Holds, "recomputed from the readings: identical".to_string())
            }
        }
        Err(e) => (
            CheckState::ComputesDifferently,
            format!(
                "the bytes are as {then} finalised them; this {here} cannot recompute the \
                 analysis: {e}"
            ),
        ),
    }
}

/// How far a recomputed number may lie from the stored one and still be
/// the same result: 1e-12 of the number, or of 1 for numbers below 1. An
/// f64 carries about 16 significant digits; C math libraries (glibc,
/// mingw-w64's, others) round log, exp and pow differently in the last bit,
/// and the analysis magnifies that where it subtracts nearly equal numbers:
/// to about 2e-14 of a contrast per JND (glibc against a musl-derived libm
/// on the record in `tests/data/records-6bfd05b`) and to 1.4e-15 absolute,
/// 1.3e-12 relative, of an interval's error of 0.001 (glibc against
/// mingw-w64 under Wine). Every number in an analysis is in units where 1
/// is a meaningful size (cd/m², lx, %, JND, ratios, u′v′ is the smallest at
/// about 0.001), so 1e-12 lies far below any digit a report prints (four to
/// six significant) or a meter resolves (three to four), while a changed
/// formula, table or rule moves results by far more. Words, verdicts and
/// whole numbers must match exactly.
const ROUNDING: f64 = 1e-12;

/// Where a recomputed analysis differs from the stored one.
#[derive(Debug, Default)]
struct Differences {
    /// Real differences: JSON path, stored → recomputed.
    real: Vec<String>,
    /// Numbers that differ by floating-point rounding only.
    rounding: usize,
    /// The largest difference among those, relative to the number or to 1.
    largest_rounding: f64,
}

/// The difference of two fractional numbers, relative to the larger or to
/// 1 (see [`ROUNDING`]), when it is rounding; `None` for whole numbers or
/// more.
fn rounding_difference(a: &serde_json::Number, b: &serde_json::Number) -> Option<f64> {
    let whole = |n: &serde_json::Number| n.is_i64() || n.is_u64();
    if whole(a) || whole(b) {
        return None;
    }
    let (x, y) = (a.as_f64()?, b.as_f64()?);
    let scaled = (x - y).abs() / x.abs().max(y.abs()).max(1.0);
    (scaled <= ROUNDING).then_some(scaled)
}

/// `path stored → now`, each value cut to 40 characters.
fn difference(path: &str, stored: &Value, now: &Value) -> String {
    let short = |v: &Value| {
        let s = v.to_string();
        if s.chars().count() > 40 {
            format!("{}…", s.chars().take(40).collect::<String>())
        } else {
            s
        }
    };
    format!("{} {} → {}", if path.is_empty() { "/" } else { path }, short(stored), short(now))
}

/// Collect where `stored` and `now` differ, with both values.
fn differ(stored: &Value, now: &Value, path: String, out: &mut Differences) {
    match (stored, now) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let (x, y) = (a.get(k).unwrap_or(&Value::Null), b.get(k).unwrap_or(&Value::Null));
                differ(x, y, format!("{path}/{k}"), out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differ(x, y, format!("{path}/{i}"), out);
            }
        }
        (Value::Number(a), Value::Number(b)) if a != b => match rounding_difference(a, b) {
            Some(r) => {
                out.rounding += 1;
                out.largest_rounding = out.largest_rounding.max(r);
            }
            None => out.real.push(difference(&path, stored, now)),
        },
        (a, b) if a != b => out.real.push(difference(&path, a, b)),
        _ => {}
    }
}

/// Everything [`verify_store`] found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DataDirVerification {
    /// Checks of the data directory as a whole.
    pub checks: Vec<Check>,
    /// Each record's verification.
    pub records: Vec<Verification>,
}

impl DataDirVerification {
    fn all(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().chain(self.records.iter().flat_map(|r| &r.checks))
    }

    /// True when nothing was changed.
    pub fn bytes_as_finalised(&self) -> bool {
        !self.all().any(|c| c.state == CheckState::Changed)
    }

    /// True when a crash left something half done.
    pub fn pending(&self) -> bool {
        self.all().any(|c| c.state == CheckState::Pending)
    }

    /// True when this monqc computes some record differently.
    pub fn computes_differently(&self) -> bool {
        self.all().any(|c| c.state == CheckState::ComputesDifferently)
    }
}

/// Check the whole data directory: the index (chain, torn line, signatures,
/// keys), that every listed record is there and every record is listed,
/// that every amendment file belongs to a record, every session journal,
/// leftover temporary files, and then each record ([`verify_record`]).
pub fn verify_store(
    store: &Store,
    options: &VerifyOptions,
) -> Result<DataDirVerification, RecordError> {
    let mut checks = Vec::new();
    let files = store.record_files()?;
    check_store_index(store, &files, options, &mut checks)?;
    check_leftover_files(store, &files, &mut checks);
    let records =
        files.iter().map(|id| verify_record(store, id, options)).collect::<Result<Vec<_>, _>>()?;
    let finalised: std::collections::BTreeSet<&str> =
        records.iter().filter_map(|r| r.session_hash.as_deref()).collect();
    check_session_journals(store, &finalised, &mut checks)?;
    Ok(DataDirVerification { checks, records })
}

/// The index: its chain, torn tail, signatures and head, the site's keys,
/// and that it lists exactly the records that are there.
fn check_store_index(
    store: &Store,
    files: &[String],
    options: &VerifyOptions,
    checks: &mut Vec<Check>,
) -> Result<(), RecordError> {
    let mut push = |what: &str, state, detail: String| checks.push(Check::new(what, state, detail));
    let idx = Index::read_lenient(store);
    match &idx {
        Err(e) => push("index", CheckState::Changed, e.to_string()),
        Ok(idx) if !idx.exists() && matches!(idx.head_state(), HeadState::Wrong(_)) => {
            let HeadState::Wrong(why) = idx.head_state() else { unreachable!() };
            push("index", CheckState::Changed, why.clone())
        }
        Ok(idx) if !idx.exists() && !files.is_empty() => push(
            "index",
            CheckState::Changed,
            format!("{} is missing, but {} record(s) are there", idx.path().display(), files.len()),
        ),
        Ok(idx) if !idx.exists() => push("index", CheckState::Holds, "no records yet".into()),
        Ok(idx) if idx.torn_bytes() > 0 => push(
            "index",
            CheckState::Changed,
            journal::JournalError::TornTail {
                path: idx.path().to_owned(),
                bytes: idx.torn_bytes(),
            }
            .to_string(),
        ),
        Ok(idx) => {
            let problems = idx.signature_problems();
            let keys = idx.keys();
            push(
                "index",
                if problems.is_empty() { CheckState::Holds } else { CheckState::Changed },
                if problems.is_empty() {
                    format!(
                        "{} lines, chain intact, {}",
                        idx.raw().len(),
                        if keys.is_empty() {
                            "unsigned (no signing key introduced)".to_string()
                        } else {
                            format!("signed since line {}", keys[0].0 + 1)
                        }
                    )
                } else {
                    problems.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>().join("; ")
                },
            );
            match idx.head_state() {
                HeadState::Wrong(why) => push("index head", CheckState::Changed, why.clone()),
                HeadState::Missing => push(
                    "index head",
                    CheckState::Notice,
                    format!(
                        "{} is missing: lines cut off the index's end could not be told from a \
                         crash (monqc writes it after every index write)",
                        store.index_head_path().display()
                    ),
                ),
                HeadState::Ahead { lines } => push(
                    "index head",
                    CheckState::Notice,
                    format!(
                        "index.head is {lines} line(s) behind the index, which continues the \
                         chain it names: a crash came after the index was written; the next \
                         write or `monqc repair` catches it up"
                    ),
                ),
                HeadState::Matches | HeadState::Legacy => {}
            }
            if let Some(site) = &options.site_keys {
                for pk in site.iter().filter(|pk| !keys.iter().any(|(_, k)| k == *pk)) {
                    push(
                        "signing keys",
                        CheckState::Notice,
                        format!(
                            "key {} is in the site configuration but was never introduced to the \
                             index; `monqc keys create` finishes introducing it",
                            signing::fingerprint(pk)
                        ),
                    );
                }
            }
            for (seq, e) in idx.entries() {
                if !files.contains(&e.record) {
                    push(
                        "listed records",
                        CheckState::Changed,
                        format!(
                            "record {} listed at index line {} is missing: it was deleted",
                            e.record,
                            seq + 1
                        ),
                    );
                }
            }
            for id in idx.unlisted(store)? {
                if !idx.is_pending(store, &id) {
                    push(
                        "unlisted records",
                        CheckState::Changed,
                        format!("record {id} is not in the index (see its own checks)"),
                    );
                }
            }
        }
    }
    Ok(())
}

/// Temporary files a stopped process left, and amendment files of records
/// that are not there.
fn check_leftover_files(store: &Store, files: &[String], checks: &mut Vec<Check>) {
    let mut push = |what: &str, state, detail: String| checks.push(Check::new(what, state, detail));
    let records_dir = store.records_dir();
    let sessions_dir = store.sessions_dir();
    for dir in [&records_dir, &sessions_dir, &store.root().to_path_buf()] {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for name in
            entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned())
        {
            if durable::is_temp(&name) {
                push(
                    "temporary files",
                    CheckState::Notice,
                    format!(
                        "{}: left by a process that stopped while writing; `monqc repair` removes it",
                        dir.join(&name).display()
                    ),
                );
            } else if dir == &records_dir
                && let Some(id) = name.strip_suffix(".amendments.jsonl")
                && !files.iter().any(|f| f == id)
            {
                push(
                    "amendment files",
                    CheckState::Changed,
                    format!("{name} amends a record that is not there"),
                );
            }
        }
    }
}

/// Every session journal in `sessions/`: readable, and finalised into a
/// record (by its first line's hash) or said to be pending.
fn check_session_journals(
    store: &Store,
    finalised: &std::collections::BTreeSet<&str>,
    checks: &mut Vec<Check>,
) -> Result<(), RecordError> {
    let mut push = |what: &str, state, detail: String| checks.push(Check::new(what, state, detail));
    let sessions_dir = store.sessions_dir();
    let mut sessions: Vec<_> = std::fs::read_dir(&sessions_dir)
        .map_err(|source| RecordError::Io { path: sessions_dir.clone(), source })?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jsonl") && !n.starts_with('.'))
        .collect();
    sessions.sort();
    for name in sessions {
        let id = name.trim_end_matches(".jsonl");
        match journal::read_in_store(&sessions_dir.join(&name)) {
            Err(e) => push("session journals", CheckState::Changed, e.to_string()),
            Ok(j) if j.lines.first().is_some_and(|l| finalised.contains(l.hash.as_str())) => {}
            Ok(j) if j.torn_tail_bytes > 0 => push(
                "session journals",
                CheckState::Pending,
                format!(
                    "{name}: interrupted while writing a reading; `monqc resume {id}` takes it again and finishes the session"
                ),
            ),
            Ok(_) => push(
                "session journals",
                CheckState::Notice,
                format!("{name}: not finalised yet; `monqc resume {id}` finishes it"),
            ),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn compare(stored: &Value, now: &Value) -> Differences {
        let mut d = Differences::default();
        differ(stored, now, String::new(), &mut d);
        d
    }

    fn analysis(expected: f64, ddl_low: u32, overall: &str) -> Value {
        json!({
            "kdelta_percent": 1.234488542982546,
            "intervals": [{ "ddl_low": ddl_low, "expected_contrast_per_jnd": expected }],
            "overall": overall,
        })
    }

    #[test]
    fn last_bit_rounding_is_the_same_result_and_anything_more_is_not() {
        // The stored value of the 6bfd05b record (glibc) and what a
        // musl-derived libm computes from the same readings.
        let stored = analysis(0.007440564535166422, 165, "pass");
        let other_libm = analysis(0.007440564535166562, 165, "pass");
        let d = compare(&stored, &other_libm);
        assert_eq!((d.real.len(), d.rounding), (0, 1), "{d:?}");
        assert!(d.largest_rounding > 1e-17 && d.largest_rounding < 1e-15, "{d:?}");
        assert_eq!(compare(&stored, &stored).rounding, 0);

        // What mingw-w64 gives for an interval's error of about 0.001
        // (1.4e-15 absolute, 1.3e-12 relative) is rounding too.
        let error = |e: f64| json!({ "error": e });
        let d = compare(&error(-0.001021966967859512), &error(-0.001021966967860867));
        assert_eq!((d.real.len(), d.rounding), (0, 1), "{d:?}");
        // One part in a hundred million of a contrast per JND is a
        // different result, as is 1e-10 of a luminance of 400 cd/m².
        let changed = analysis(0.007440564535166422 * (1.0 + 1e-8), 165, "pass");
        let d = compare(&stored, &changed);
        assert_eq!((d.real.len(), d.rounding), (1, 0), "{d:?}");
        assert!(d.real[0].starts_with("/intervals/0/expected_contrast_per_jnd "), "{d:?}");
        let lmax = |l: f64| json!({ "lmax_cd_m2": l });
        assert_eq!(compare(&lmax(400.74985), &lmax(400.74985 * (1.0 + 1e-10))).real.len(), 1);
        assert_eq!(compare(&lmax(400.74985), &lmax(400.74985 * (1.0 + 1e-13))).rounding, 1);
        // Whole numbers and words must match exactly.
        let d = compare(&stored, &analysis(0.007440564535166422, 166, "pass"));
        assert_eq!(d.real, ["/intervals/0/ddl_low 165 → 166"]);
        let d = compare(&stored, &analysis(0.007440564535166562, 165, "fail"));
        assert_eq!((d.real.len(), d.rounding), (1, 1), "{d:?}");
        assert_eq!(d.real[0], "/overall \"pass\" → \"fail\"");
        // Zero against 1e-11 is not rounding; against 1e-300 it is.
        let d = compare(&analysis(0.0, 165, "pass"), &analysis(1e-11, 165, "pass"));
        assert_eq!(d.real.len(), 1, "{d:?}");
        assert_eq!(compare(&error(0.0), &error(1e-300)).rounding, 1);
    }
}
