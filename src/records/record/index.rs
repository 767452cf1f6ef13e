//! The record index, `records/index.jsonl`: a [journal](crate::records::journal)
//! whose line 0 is `{"format":"monqc-record-index"}` and whose further lines
//! are, by their `kind` field:
//!
//! | `kind` | line | written by |
//! |---|---|---|
//! | (none) | [`IndexEntry`]: a record, with its key figures | finalise |
//! | `amendment` | [`AmendmentAnchor`]: a record's amendment chain now has `count` amendments ending at `head` | amend |
//! | `signing-key` | [`KeyIntroduction`]: from here on, lines and records are signed; this key may sign | `monqc keys create` |
//! | `repair` | [`RepairNote`]: what `monqc repair` did | repair |
//!
//! From the first `signing-key` line on, every line carries `signing_key`
//! (a key introduced at or before it) and `signature`: the Ed25519
//! signature of `monqc-index-line`, a newline and the canonical JSON of
//! `{"seq": n, "prev": h, "body": the line's body without signature}`. A
//! key line is signed by its own key and, when a key was introduced before
//! it, endorsed (`endorsed_by`, `endorsement`) by one of those.
//!
//! Lines are appended by replacing the whole file under the data
//! directory's lock, so monqc never leaves a torn line here; a torn line is
//! damage, reported until `monqc repair`. After each write, the line count
//! and last hash go to `records/index.head` (`{"lines": n, "head": h}`), so
//! lines cut off the index's end show as a mismatch, while a crash between
//! the two writes leaves the index exactly one line ahead, which the next
//! write catches up. Before anything else is appended, a record that was
//! written but not listed (a crash between the two writes of finalising) is
//! listed at the position it names.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{IndexPosition, Record, RecordError, load, parse_record, read_bytes, signed_message};
use crate::numbers::digest::sha256_hex;
use crate::records::clock::{self, Clock};
use crate::records::durable;
use crate::records::journal::{self, GENESIS, Line, Verified};
use crate::records::signing::{self, SigningKey};
use crate::records::store::Store;
use crate::standards::analysis;

/// The domain string an index line's signature covers.
const LINE_SIGNED_AS: &str = "monqc-index-line";

/// Line 0 of every index.
fn header() -> Value {
    json!({ "format": "monqc-record-index" })
}

/// A record as the index lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The record's content hash.
    pub record: String,
    /// The session journal's file name.
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
    /// The session's identity (record version 3): one record per session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_hash: Option<String>,
    /// The key that signed this line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// Its signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// The state of a record's amendment chain after an amendment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AmendmentAnchor {
    /// The record amended.
    pub record: String,
    /// How many amendments its chain holds now.
    pub count: u64,
    /// The hash of the chain's last line.
    pub head: String,
    /// The key that signed this line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// Its signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A signing key introduced to the data directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyIntroduction {
    /// The public key (`ed25519:…`).
    pub public_key: String,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub by: String,
    /// An earlier key that endorses this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsed_by: Option<String>,
    /// The earlier key's signature of this line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<String>,
    /// The key that signed this line (the key itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// Its signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// What `monqc repair` did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepairNote {
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub by: String,
    /// What was repaired and where the removed bytes are kept.
    pub what: String,
    /// The key that signed this line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<String>,
    /// Its signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// One line of the index, by kind.
#[derive(Clone, Debug, PartialEq)]
pub enum IndexLine {
    /// Line 0.
    Header(Value),
    /// A record.
    Record(IndexEntry),
    /// An amendment chain's new state.
    Amendment(AmendmentAnchor),
    /// A signing key.
    SigningKey(KeyIntroduction),
    /// A repair.
    Repair(RepairNote),
}

impl IndexLine {
    fn parse(seq: u64, body: &Value) -> Result<Self, String> {
        fn typed<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, String> {
            serde_json::from_value(body.clone()).map_err(|e| e.to_string())
        }
        match (seq, body.get("kind").and_then(Value::as_str)) {
            (0, _) => Ok(Self::Header(body.clone())),
            (_, None) => typed(body).map(Self::Record),
            (_, Some("amendment")) => typed(body).map(Self::Amendment),
            (_, Some("signing-key")) => typed(body).map(Self::SigningKey),
            (_, Some("repair")) => typed(body).map(Self::Repair),
            (_, Some(other)) => Err(format!("unknown kind of index line `{other}`")),
        }
    }

    fn to_value(&self) -> Value {
        let (kind, mut v) = match self {
            Self::Header(v) => return v.clone(),
            Self::Record(e) => return serde_json::to_value(e).expect("serialises"),
            Self::Amendment(a) => ("amendment", serde_json::to_value(a).expect("serialises")),
            Self::SigningKey(k) => ("signing-key", serde_json::to_value(k).expect("serialises")),
            Self::Repair(r) => ("repair", serde_json::to_value(r).expect("serialises")),
        };
        v.as_object_mut().expect("an object").insert("kind".into(), kind.into());
        v
    }
}

/// The bytes an index line's signature (and endorsement) covers.
pub(super) fn line_message(seq: u64, prev: &str, body: &Value) -> Vec<u8> {
    let mut unsigned = body.clone();
    if let Some(o) = unsigned.as_object_mut() {
        o.remove("signature");
        o.remove("endorsement");
    }
    signing::message(LINE_SIGNED_AS, &json!({ "seq": seq, "prev": prev, "body": unsigned }))
}

/// Sign `body` as index line `seq` after `prev` with `key`.
fn sign_line(body: &mut Value, seq: u64, prev: &str, key: &SigningKey) {
    let o = body.as_object_mut().expect("an object");
    o.insert("signing_key".into(), key.public_key().into());
    let signature = key.sign(&line_message(seq, prev, body));
    body.as_object_mut().expect("an object").insert("signature".into(), signature.into());
}

/// The index line listing record `id`.
pub(super) fn entry_for(id: &str, record: &Record) -> Result<IndexEntry, RecordError> {
    let h = record.session()?.header;
    let a = &record.analysis;
    Ok(IndexEntry {
        record: id.to_string(),
        session: record.session_file.clone(),
        display_id: h.display_id,
        standard: h.standard,
        grade: h.grade,
        test: h.test,
        overall: a.overall,
        finalised_at: record.finalised_at.clone(),
        lmax_cd_m2: a.lmax_cd_m2,
        luminance_ratio: a.luminance_ratio,
        kdelta_percent: a.kdelta_percent,
        uniformity_percent: a.uniformity_percent,
        session_hash: record.session_hash.clone(),
        signing_key: None,
        signature: None,
    })
}

/// `records/index.head`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct HeadFile {
    /// Lines in the index (with line 0).
    lines: u64,
    /// The hash of its last line.
    head: String,
}

/// How the index stands against `records/index.head`.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum HeadState {
    /// As the head file says.
    Matches,
    /// Ahead of the head file by `lines`, which continue the chain the head
    /// file names: a crash after the index was written, before the head
    /// file (one line per crash: every write catches the head file up
    /// first); the next write catches up.
    Ahead {
        /// How many lines the head file does not count yet.
        lines: u64,
    },
    /// No head file, and nothing in the index written since monqc keeps one.
    Legacy,
    /// No head file for an index written since monqc keeps one (a copy without it, or it
    /// was removed): lines cut off the end cannot be told from a crash.
    Missing,
    /// The index was cut short, rewritten or replaced.
    Wrong(String),
}

/// The index as read, with each line parsed.
pub(super) struct Index {
    path: PathBuf,
    head_path: PathBuf,
    verified: Option<Verified>,
    lines: Vec<IndexLine>,
    head: HeadState,
    problems: std::cell::OnceCell<Vec<(u64, String)>>,
}

impl Index {
    /// Read the index for writing: a torn last line is an error.
    pub(super) fn read(store: &Store) -> Result<Self, RecordError> {
        let idx = Self::read_lenient(store)?;
        if idx.torn_bytes() > 0 {
            return Err(journal::JournalError::TornTail {
                path: idx.path.clone(),
                bytes: idx.torn_bytes(),
            }
            .into());
        }
        Ok(idx)
    }

    /// Read the index for writing: also refuses an index that does not
    /// match `index.head` (cut short, rewritten), so a loss is never made
    /// permanent by continuing the shortened chain.
    pub(super) fn read_for_write(store: &Store) -> Result<Self, RecordError> {
        let idx = Self::read(store)?;
        match &idx.head {
            HeadState::Wrong(why) => Err(RecordError::Changed(format!(
                "{why}; nothing was written: restore index.jsonl from a backup or the records \
                 server, or accept the index as it is with `monqc repair --accept-index`"
            ))),
            HeadState::Missing => Err(RecordError::Changed(format!(
                "{} is missing, so lines cut off the index could not be told; nothing was \
                 written: restore it with index.jsonl, or accept the index as it is with \
                 `monqc repair --accept-index`",
                idx.head_path.display()
            ))),
            _ => Ok(idx),
        }
    }

    /// Read the index, keeping a torn last line aside (for checks and repair).
    pub(super) fn read_lenient(store: &Store) -> Result<Self, RecordError> {
        let path = store.index_path();
        let head_path = store.index_head_path();
        let head_file = match durable::read(&head_path) {
            Ok(bytes) => {
                Some(serde_json::from_slice::<HeadFile>(&bytes).map_err(|e| e.to_string()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => Some(Err(e.to_string())),
        };
        if std::fs::symlink_metadata(&path).is_err() {
            let head = match head_file {
                None => HeadState::Matches,
                Some(_) => HeadState::Wrong(format!(
                    "{} is missing, though {} says it had lines",
                    path.display(),
                    head_path.display()
                )),
            };
            return Ok(Self {
                path,
                head_path,
                verified: None,
                lines: Vec::new(),
                head,
                problems: Default::default(),
            });
        }
        let verified = journal::read_in_store(&path)?;
        let lines: Vec<IndexLine> = verified
            .lines
            .iter()
            .map(|l| {
                IndexLine::parse(l.seq, &l.body).map_err(|e| {
                    RecordError::Malformed(format!("{}: line {}: {e}", path.display(), l.seq + 1))
                })
            })
            .collect::<Result<_, _>>()?;
        let n = verified.lines.len() as u64;
        let head = match head_file {
            None if lines.iter().any(|l| match l {
                IndexLine::Record(e) => e.session_hash.is_some() || e.signature.is_some(),
                IndexLine::Header(_) => false,
                _ => true,
            }) =>
            {
                HeadState::Missing
            }
            None => HeadState::Legacy,
            Some(Err(e)) => HeadState::Wrong(format!("{} is unreadable: {e}", head_path.display())),
            Some(Ok(h)) if h.lines == n && h.head == verified.head() => HeadState::Matches,
            Some(Ok(h))
                if h.lines >= 1
                    && h.lines < n
                    && verified.lines[h.lines as usize - 1].hash == h.head =>
            {
                HeadState::Ahead { lines: n - h.lines }
            }
            Some(Ok(h)) if h.lines > n => HeadState::Wrong(format!(
                "the record index was cut short: {} says {} lines, the index has {n}",
                head_path.display(),
                h.lines
            )),
            Some(Ok(h)) => HeadState::Wrong(format!(
                "the record index is not the one {} describes ({} lines, last {}): it was \
                 rewritten or replaced",
                head_path.display(),
                h.lines,
                h.head.get(..16).unwrap_or(&h.head)
            )),
        };
        Ok(Self {
            path,
            head_path,
            verified: Some(verified),
            lines,
            head,
            problems: Default::default(),
        })
    }

    /// How the index stands against `index.head`.
    pub(super) fn head_state(&self) -> &HeadState {
        &self.head
    }

    /// Whether the index file exists.
    pub(super) fn exists(&self) -> bool {
        self.verified.is_some()
    }

    /// Bytes of a torn last line.
    pub(super) fn torn_bytes(&self) -> usize {
        self.verified.as_ref().map_or(0, |v| v.torn_tail_bytes)
    }

    /// The index file.
    pub(super) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The journal lines, as written.
    pub(super) fn raw(&self) -> &[Line] {
        self.verified.as_ref().map_or(&[], |v| &v.lines)
    }

    /// The parsed lines with their positions.
    pub(super) fn lines(&self) -> impl Iterator<Item = (u64, &IndexLine)> {
        self.lines.iter().enumerate().map(|(i, l)| (i as u64, l))
    }

    /// The record entries with their positions.
    pub(super) fn entries(&self) -> impl Iterator<Item = (u64, &IndexEntry)> {
        self.lines().filter_map(|(i, l)| match l {
            IndexLine::Record(e) => Some((i, e)),
            _ => None,
        })
    }

    /// The amendment anchors of record `id`, oldest first.
    pub(super) fn anchors(&self, id: &str) -> Vec<(u64, &AmendmentAnchor)> {
        self.lines()
            .filter_map(|(i, l)| match l {
                IndexLine::Amendment(a) if a.record == id => Some((i, a)),
                _ => None,
            })
            .collect()
    }

    /// The keys introduced, with the line that introduced each.
    pub(super) fn keys(&self) -> Vec<(u64, String)> {
        self.lines()
            .filter_map(|(i, l)| match l {
                IndexLine::SigningKey(k) => Some((i, k.public_key.clone())),
                _ => None,
            })
            .collect()
    }

    /// Where the next line goes.
    pub(super) fn next_position(&self) -> IndexPosition {
        match &self.verified {
            Some(v) => IndexPosition { seq: v.lines.len() as u64, prev: v.head().to_string() },
            None => IndexPosition { seq: 1, prev: journal::line_hash(GENESIS, &header()) },
        }
    }

    /// The key to sign with: none while no key was introduced; else the
    /// store's key, which must be one of those introduced.
    pub(super) fn signer<'s>(
        &self,
        store: &'s Store,
    ) -> Result<Option<&'s SigningKey>, RecordError> {
        let keys = self.keys();
        if keys.is_empty() {
            return Ok(None);
        }
        match store.signer() {
            Some(k) if keys.iter().any(|(_, pk)| *pk == k.public_key()) => Ok(Some(k)),
            _ => Err(RecordError::KeyNeeded {
                keys: keys
                    .iter()
                    .map(|(_, pk)| signing::fingerprint(pk))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Refuse to start a new index over records that an index listed.
    pub(super) fn refuse_fresh_over_records(&self, store: &Store) -> Result<(), RecordError> {
        if self.exists() {
            return Ok(());
        }
        let records = store.record_files()?.len();
        if records > 0 || matches!(self.head, HeadState::Wrong(_)) {
            return Err(RecordError::IndexMissing { path: self.path.clone(), records });
        }
        Ok(())
    }

    /// Append `lines`, signed with the data directory's key when it signs.
    pub(super) fn append(
        &mut self,
        store: &Store,
        lines: Vec<IndexLine>,
    ) -> Result<(), RecordError> {
        let signer = self.signer(store)?;
        let bodies = lines.iter().map(IndexLine::to_value).collect();
        self.append_values(bodies, |body, seq, prev| {
            if let Some(key) = signer {
                sign_line(body, seq, prev, key);
            }
        })
    }

    fn append_values(
        &mut self,
        bodies: Vec<Value>,
        sign: impl Fn(&mut Value, u64, &str),
    ) -> Result<(), RecordError> {
        // Catch the head file up before the index grows again, so a crash
        // in this write leaves the head at most one write behind.
        if matches!(self.head, HeadState::Ahead { .. }) {
            self.write_head()?;
        }
        let mut pos = self.next_position();
        let mut values = Vec::with_capacity(bodies.len());
        for mut body in bodies {
            sign(&mut body, pos.seq, &pos.prev);
            let line = journal::next_line(pos.seq, &pos.prev, body.clone());
            pos = IndexPosition { seq: pos.seq + 1, prev: line.hash };
            values.push(body);
        }
        let new =
            journal::append_atomically(&self.path, self.verified.as_ref(), &header(), values)?;
        if self.verified.is_none() {
            let first = journal::next_line(0, GENESIS, header());
            self.lines.push(IndexLine::Header(first.body.clone()));
            self.verified = Some(Verified { lines: vec![first], torn_tail_bytes: 0 });
        }
        self.problems = Default::default();
        let verified = self.verified.as_mut().expect("set above");
        for line in new {
            self.lines
                .push(IndexLine::parse(line.seq, &line.body).map_err(RecordError::Malformed)?);
            verified.lines.push(line);
        }
        self.write_head()
    }

    /// Write `index.head` for the index as it is now.
    pub(super) fn write_head(&mut self) -> Result<(), RecordError> {
        let raw = self.raw();
        let head = HeadFile {
            lines: raw.len() as u64,
            head: raw.last().map_or(GENESIS, |l| &l.hash).to_string(),
        };
        let mut bytes = serde_json::to_vec(&head).expect("serialises");
        bytes.push(b'\n');
        durable::replace(&self.head_path, &bytes)
            .map_err(|source| RecordError::Io { path: self.head_path.clone(), source })?;
        self.head = HeadState::Matches;
        Ok(())
    }

    /// Record files on disk that no index line lists.
    pub(super) fn unlisted(&self, store: &Store) -> Result<Vec<String>, RecordError> {
        let listed: BTreeSet<&str> = self.entries().map(|(_, e)| e.record.as_str()).collect();
        Ok(store.record_files()?.into_iter().filter(|id| !listed.contains(id.as_str())).collect())
    }

    /// Whether record `id` (not listed) is one that finalising wrote just
    /// before a crash: whole, naming the next index position, and signed
    /// as the index requires. Such a record is listed before anything else
    /// is appended.
    pub(super) fn is_pending(&self, store: &Store, id: &str) -> bool {
        let Ok(bytes) = read_bytes(store, id) else {
            return false;
        };
        if sha256_hex(&bytes) != id {
            return false;
        }
        let Ok(record) = parse_record(&bytes, &store.record_path(id)) else {
            return false;
        };
        // A crash leaves the index as index.head says; an index cut short
        // does not make its records pending.
        if matches!(self.head, HeadState::Wrong(_))
            || record.index.as_ref() != Some(&self.next_position())
        {
            return false;
        }
        let keys = self.keys();
        match (&record.signing_key, &record.signature) {
            (None, None) => keys.is_empty(),
            (Some(pk), Some(sig)) => {
                let value: Value = serde_json::from_slice(&bytes).expect("parsed above");
                keys.iter().any(|(_, k)| k == pk)
                    && signing::verify(pk, &signed_message(&value), sig)
            }
            _ => false,
        }
    }

    /// List every pending record (see [`Index::is_pending`]); returns how
    /// many were listed.
    pub(super) fn adopt_pending(&mut self, store: &Store) -> Result<usize, RecordError> {
        let mut adopted = 0;
        loop {
            let Some(id) = self.unlisted(store)?.into_iter().find(|id| self.is_pending(store, id))
            else {
                return Ok(adopted);
            };
            let record = load(store, &id)?;
            self.append(store, vec![IndexLine::Record(entry_for(&id, &record)?)])?;
            adopted += 1;
        }
    }

    /// The record of the session with `identity` (file name `name`), if
    /// the index lists one.
    pub(super) fn record_of_session(
        &self,
        store: &Store,
        identity: &str,
        name: &str,
    ) -> Result<Option<(String, Record)>, RecordError> {
        for (_, e) in self.entries() {
            let candidate = match &e.session_hash {
                Some(h) => h == identity,
                // Entries of version 1 name the file only: the record says
                // whose session it holds.
                None => e.session == name,
            };
            if !candidate {
                continue;
            }
            let record = load(store, &e.record)?;
            if record.session_hash() == Some(identity) {
                return Ok(Some((e.record.clone(), record)));
            }
        }
        Ok(None)
    }

    /// Problems with the index's signatures, each with its line (1-based);
    /// computed once per reading of the index.
    pub(super) fn signature_problems(&self) -> &[(u64, String)] {
        self.problems.get_or_init(|| self.find_signature_problems())
    }

    fn find_signature_problems(&self) -> Vec<(u64, String)> {
        let mut problems = Vec::new();
        let mut keys: Vec<&str> = Vec::new();
        for (raw, line) in self.raw().iter().zip(&self.lines).skip(1) {
            let n = raw.seq + 1;
            let mut problem = |text: String| problems.push((n, format!("line {n}: {text}")));
            let message = line_message(raw.seq, &raw.prev, &raw.body);
            let field = |name: &str| raw.body.get(name).and_then(Value::as_str);
            let signed_by = field("signing_key");
            let valid = match (signed_by, field("signature")) {
                (Some(pk), Some(sig)) => signing::verify(pk, &message, sig),
                _ => false,
            };
            if let IndexLine::SigningKey(k) = line {
                if signed_by != Some(k.public_key.as_str()) || !valid {
                    problem("the key it introduces did not sign it".into());
                }
                if !keys.is_empty() {
                    let endorsed = match (&k.endorsed_by, &k.endorsement) {
                        (Some(by), Some(sig)) => {
                            keys.contains(&by.as_str()) && signing::verify(by, &message, sig)
                        }
                        _ => false,
                    };
                    if !endorsed {
                        problem(format!(
                            "key {} was introduced without the endorsement of a key introduced \
                             before it",
                            signing::fingerprint(&k.public_key)
                        ));
                    }
                }
                keys.push(&k.public_key);
                continue;
            }
            match (keys.is_empty(), signed_by) {
                (true, None) => {}
                (true, Some(_)) => {
                    problem("signed, but no key had been introduced before it".into())
                }
                (false, None) => problem(
                    "not signed, though the data directory signs every line since its first key"
                        .into(),
                ),
                (false, Some(pk)) if !keys.contains(&pk) => problem(format!(
                    "signed by key {}, which the index never introduced",
                    signing::fingerprint(pk)
                )),
                (false, Some(_)) if !valid => {
                    problem("its signature does not match its content".into())
                }
                (false, Some(_)) => {}
            }
        }
        problems
    }
}

/// Every record in the index, oldest first (amendment, key and repair lines
/// left out; [`index_lines`] has them all). A torn last line is an error
/// that says how to repair it.
pub fn index(store: &Store) -> Result<Vec<IndexEntry>, RecordError> {
    Ok(Index::read(store)?.entries().map(|(_, e)| e.clone()).collect())
}

/// Every line of the index with its position (0 is the header).
pub fn index_lines(store: &Store) -> Result<Vec<(u64, IndexLine)>, RecordError> {
    Ok(Index::read(store)?.lines().map(|(i, l)| (i, l.clone())).collect())
}

/// Whether the index exists, and the record files it does not list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// Whether `records/index.jsonl` exists.
    pub index_exists: bool,
    /// Record files on disk that the index does not list (a record written
    /// just before a crash, or one the index lost), sorted.
    pub unlisted: Vec<String>,
}

/// Cross-check the index against the record files on disk (REDTEAM D5):
/// what `history` warns about.
pub fn listing(store: &Store) -> Result<Listing, RecordError> {
    let idx = Index::read(store)?;
    Ok(Listing { index_exists: idx.exists(), unlisted: idx.unlisted(store)? })
}

/// The signing keys the index introduced, oldest first.
pub fn signing_keys(store: &Store) -> Result<Vec<String>, RecordError> {
    Ok(Index::read(store)?.keys().into_iter().map(|(_, k)| k).collect())
}

/// The record made from the session file named `session_file`, if any, by
/// file name. A session is identified by its content:
/// [`record_of_session`](super::record_of_session) is what finalise and
/// resume use.
pub fn find_by_session(
    store: &Store,
    session_file: &str,
) -> Result<Option<IndexEntry>, RecordError> {
    Ok(index(store)?.into_iter().find(|e| e.session == session_file))
}

/// Introduce `key` to the data directory: from this line on, every record
/// and index line is signed. A data directory that already has a key takes
/// a new one only endorsed by a key it has (`endorser`). Returns false when
/// the key was introduced before.
pub fn introduce_key(
    store: &Store,
    key: &SigningKey,
    endorser: Option<&SigningKey>,
    by: &str,
    clock: Clock,
) -> Result<bool, RecordError> {
    let _lock = store.lock()?;
    let mut idx = Index::read_for_write(store)?;
    idx.refuse_fresh_over_records(store)?;
    let keys = idx.keys();
    if keys.iter().any(|(_, k)| *k == key.public_key()) {
        return Ok(false);
    }
    let endorser = match endorser {
        _ if keys.is_empty() => None,
        Some(e) if keys.iter().any(|(_, k)| *k == e.public_key()) => Some(e),
        _ => {
            return Err(RecordError::KeyNeeded {
                keys: keys
                    .iter()
                    .map(|(_, pk)| signing::fingerprint(pk))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    };
    // Records written just before a crash are listed (and signed as the
    // index stands) before the new key's line.
    let store_with_endorser;
    let signing_store = match endorser {
        Some(e) => {
            store_with_endorser = store.clone().with_signer(e.clone());
            &store_with_endorser
        }
        None => store,
    };
    idx.adopt_pending(signing_store)?;
    let line = IndexLine::SigningKey(KeyIntroduction {
        public_key: key.public_key(),
        at: clock::timestamp(clock),
        by: by.to_string(),
        endorsed_by: endorser.map(SigningKey::public_key),
        endorsement: None,
        signing_key: None,
        signature: None,
    });
    idx.append_values(vec![line.to_value()], |body, seq, prev| {
        sign_line(body, seq, prev, key);
        if let Some(e) = endorser {
            let endorsement = e.sign(&line_message(seq, prev, body));
            body.as_object_mut()
                .expect("an object")
                .insert("endorsement".into(), endorsement.into());
        }
    })?;
    Ok(true)
}
