//! An append-only, hash-chained JSON-lines file.
//!
//! Each line is `{"seq":n,"prev":"…","body":{…},"hash":"…"}` where `hash` is
//! the SHA-256 of `prev`, a newline and the canonical JSON of `body` (keys
//! sorted, numbers as serde_json writes them), and `prev` is the previous
//! line's hash (64 zeros for the first line). Changing, removing or
//! reordering any line breaks the chain at that line.
//!
//! A session journal is appended to: every append is one `write` followed
//! by `sync_data`, so a reading is on disk before the caller goes on. A
//! crash can leave at most one torn last line (no newline);
//! [`Journal::open_append`] cuts it off and says so, and [`read`] ignores it
//! with a warning. The record index and the amendment chains are appended
//! to by replacing the whole file ([`append_atomically`]): they are never
//! torn by monqc, so a torn last line there is damage, reported and never
//! cut without an explicit repair. Any other damage is an error naming the
//! line.
//!
//! A hash chain shows a changed or removed line; it cannot show lines cut
//! off the end, or a file rewritten whole with fresh hashes. Those are shown
//! by what is written elsewhere about the chain (a record's copy of its
//! journal, the index's count and head of each amendment chain, the notes a
//! resume journals) and by signatures ([`signing`](super::signing)).

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::numbers::digest::sha256_hex;
use crate::records::durable;

/// The `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One line of a journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// 0-based position in the chain.
    pub seq: u64,
    /// Hash of the previous line.
    pub prev: String,
    /// The content.
    pub body: Value,
    /// SHA-256 of `prev`, a newline and the canonical JSON of `body`.
    pub hash: String,
}

/// The hash of a line with `prev` and `body`.
pub fn line_hash(prev: &str, body: &Value) -> String {
    // serde_json's Value keeps object keys sorted (no preserve_order
    // feature), so this serialisation is canonical.
    let canonical = serde_json::to_string(body).expect("a Value always serialises");
    sha256_hex(format!("{prev}\n{canonical}").as_bytes())
}

/// Why a journal could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The OS refused (disk full, read-only, removed, …).
    #[error("{path}: {source}", path = .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file exists where a new journal was to be made.
    #[error("{path} already exists; a journal is never overwritten", path = .path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A line is not a journal line.
    #[error("{path}:{line}: not a journal line ({problem}); the file was damaged or edited", path = .path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Parser message.
        problem: String,
    },
    /// A line's hash or link does not match: the file was changed.
    #[error(
        "{path}:{line}: the hash chain is broken ({problem}); this journal was changed after \
         it was written and cannot be trusted",
        path = .path.display()
    )]
    ChainBroken {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What does not match.
        problem: String,
    },
    /// The file has no lines.
    #[error("{path} is empty; it is not a journal", path = .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The last line has no end: cut short by a crash or an edit. Only a
    /// session journal is cut back automatically (on resume); elsewhere it
    /// is reported until someone repairs it.
    #[error(
        "{path}: the last line is incomplete ({bytes} bytes without an end of line): a crash or \
         an edit cut it short. Nothing is dropped automatically; `monqc repair` keeps those \
         bytes in a side file, cuts them off and records the repair",
        path = .path.display()
    )]
    TornTail {
        /// The file.
        path: PathBuf,
        /// Bytes after the last complete line.
        bytes: usize,
    },
    /// Another monqc process has the journal open for writing.
    #[error(
        "{path} is being written by another monqc process; wait for it to finish (a session \
         is continued by one process at a time)",
        path = .path.display()
    )]
    InUse {
        /// The file.
        path: PathBuf,
    },
}

/// A journal read back and verified.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// Its lines, in order.
    pub lines: Vec<Line>,
    /// Bytes of a torn last line that was ignored, if any.
    pub torn_tail_bytes: usize,
}

impl Verified {
    /// The hash of the last line (the journal's head).
    pub fn head(&self) -> &str {
        self.lines.last().map_or(GENESIS, |l| l.hash.as_str())
    }
}

/// Verify `text` as a journal; `path` names it in messages.
pub fn verify(text: &str, path: &Path) -> Result<Verified, JournalError> {
    let (complete, torn) = match text.rfind('\n') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None => ("", text),
    };
    let mut lines = Vec::new();
    let mut prev = GENESIS.to_string();
    for (i, raw) in complete.lines().enumerate() {
        let n = i + 1;
        let line: Line = serde_json::from_str(raw).map_err(|e| JournalError::Malformed {
            path: path.to_owned(),
            line: n,
            problem: e.to_string(),
        })?;
        let broken =
            |problem: String| JournalError::ChainBroken { path: path.to_owned(), line: n, problem };
        if line.seq != i as u64 {
            return Err(broken(format!("sequence number {} where {i} belongs", line.seq)));
        }
        if line.prev != prev {
            return Err(broken("it does not link to the line before".into()));
        }
        if line_hash(&line.prev, &line.body) != line.hash {
            return Err(broken("its content does not match its hash".into()));
        }
        // Re-serialising must give the same bytes: catches edits that JSON
        // parsing would silently normalise (spacing, key order, number form).
        if serde_json::to_string(&line).expect("serialises") != raw {
            return Err(broken("the line is not in the form monqc writes".into()));
        }
        prev = line.hash.clone();
        lines.push(line);
    }
    if lines.is_empty() && torn.is_empty() {
        return Err(JournalError::Empty { path: path.to_owned() });
    }
    Ok(Verified { lines, torn_tail_bytes: torn.len() })
}

/// Verify lines already parsed (a record's copy of its journal): the
/// sequence, the links and the hashes; `path` names the journal in messages.
pub fn verify_lines(lines: &[Line], path: &Path) -> Result<Verified, JournalError> {
    let mut prev = GENESIS;
    for (i, line) in lines.iter().enumerate() {
        let broken = |problem: String| JournalError::ChainBroken {
            path: path.to_owned(),
            line: i + 1,
            problem,
        };
        if line.seq != i as u64 {
            return Err(broken(format!("sequence number {} where {i} belongs", line.seq)));
        }
        if line.prev != prev {
            return Err(broken("it does not link to the line before".into()));
        }
        if line_hash(&line.prev, &line.body) != line.hash {
            return Err(broken("its content does not match its hash".into()));
        }
        prev = &line.hash;
    }
    if lines.is_empty() {
        return Err(JournalError::Empty { path: path.to_owned() });
    }
    Ok(Verified { lines: lines.to_vec(), torn_tail_bytes: 0 })
}

/// Read and verify the journal at `path` (following a link: for files
/// people name, such as `monqc analyze FILE`).
pub fn read(path: &Path) -> Result<Verified, JournalError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| JournalError::Io { path: path.to_owned(), source })?;
    verify(&text, path)
}

/// Read and verify the journal at `path` inside a data directory: a link is
/// an error, not followed.
pub fn read_in_store(path: &Path) -> Result<Verified, JournalError> {
    let io = |source| JournalError::Io { path: path.to_owned(), source };
    let bytes = durable::read(path).map_err(io)?;
    let text = String::from_utf8(bytes)
        .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
    verify(&text, path)
}

/// The bytes of `lines` as a journal file.
fn serialise(lines: &[Line]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in lines {
        serde_json::to_writer(&mut bytes, line).expect("serialises");
        bytes.push(b'\n');
    }
    bytes
}

/// The line that would follow `prev` at position `seq` with `body`.
pub fn next_line(seq: u64, prev: &str, body: Value) -> Line {
    let hash = line_hash(prev, &body);
    Line { seq, prev: prev.to_string(), body, hash }
}

/// Append `bodies` to the journal at `path` by replacing the whole file
/// (written under a temporary name, synced, renamed): a crash leaves the
/// journal as it was or with every new line, never a torn line. `existing`
/// is the journal as the caller read it (holding the data directory's lock,
/// so nothing changed since); `None` creates the journal with `header` as
/// line 0. A torn tail in `existing` is refused. Returns the new lines.
pub fn append_atomically(
    path: &Path,
    existing: Option<&Verified>,
    header: &Value,
    bodies: Vec<Value>,
) -> Result<Vec<Line>, JournalError> {
    let mut lines = match existing {
        Some(v) if v.torn_tail_bytes > 0 => {
            return Err(JournalError::TornTail { path: path.to_owned(), bytes: v.torn_tail_bytes });
        }
        Some(v) => v.lines.clone(),
        None => vec![next_line(0, GENESIS, header.clone())],
    };
    let first_new = lines.len();
    for body in bodies {
        let (seq, prev) =
            (lines.len() as u64, lines.last().map_or(GENESIS, |l| &l.hash).to_string());
        lines.push(next_line(seq, &prev, body));
    }
    durable::replace(path, &serialise(&lines))
        .map_err(|source| JournalError::Io { path: path.to_owned(), source })?;
    Ok(lines.split_off(first_new))
}

/// A journal open for appending.
pub struct Journal {
    path: PathBuf,
    file: File,
    seq: u64,
    head: String,
}

impl Journal {
    /// Create a new journal at `path` (which must not exist) with `first`
    /// as line 0. The file appears with its first line already on disk (it
    /// is written under a unique temporary name, synced, then linked into
    /// place, which fails if the name exists), so a crash never leaves an
    /// empty journal and two processes never share a file; the directory
    /// is synced so the name survives a power cut. The journal is held
    /// open, locked against a second writer, until dropped.
    pub fn create(path: &Path, first: &Value) -> Result<Self, JournalError> {
        let line = next_line(0, GENESIS, first.clone());
        match durable::create_new(path, &serialise(std::slice::from_ref(&line))) {
            Ok(()) => {}
            Err(durable::CreateError::Exists) => {
                return Err(JournalError::Exists { path: path.to_owned() });
            }
            Err(durable::CreateError::Io(source)) => {
                return Err(JournalError::Io { path: path.to_owned(), source });
            }
        }
        let mut file = Self::open_locked(path)?;
        file.seek(SeekFrom::End(0))
            .map_err(|source| JournalError::Io { path: path.to_owned(), source })?;
        Ok(Self { path: path.to_owned(), file, seq: 1, head: line.hash })
    }

    /// Open `path` to append, without following a link, and take its
    /// writer's lock (refused while another process holds it).
    fn open_locked(path: &Path) -> Result<File, JournalError> {
        let io = |source| JournalError::Io { path: path.to_owned(), source };
        let file = durable::open_append(path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(JournalError::InUse { path: path.to_owned() })
            }
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// Open an existing journal to continue it: verify the chain, cut off a
    /// torn last line (returned as its byte count), and position at the end.
    pub fn open_append(path: &Path) -> Result<(Self, Verified), JournalError> {
        // Lock first, then read: what is read is what this process continues.
        let mut file = Self::open_locked(path)?;
        let verified = read_in_store(path)?;
        let io = |source| JournalError::Io { path: path.to_owned(), source };
        let len = file.metadata().map_err(io)?.len();
        if verified.torn_tail_bytes > 0 {
            file.set_len(len - verified.torn_tail_bytes as u64).map_err(io)?;
            file.sync_data().map_err(io)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        let journal = Self {
            path: path.to_owned(),
            file,
            seq: verified.lines.len() as u64,
            head: verified.head().to_string(),
        };
        Ok((journal, verified))
    }

    /// Append `body` as the next line and sync it to disk.
    pub fn append(&mut self, body: &Value) -> Result<(), JournalError> {
        let hash = line_hash(&self.head, body);
        let line = Line { seq: self.seq, prev: self.head.clone(), body: body.clone(), hash };
        let mut bytes = serde_json::to_vec(&line).expect("serialises");
        bytes.push(b'\n');
        let io = |source| JournalError::Io { path: self.path.clone(), source };
        // One write call per line: a crash leaves a whole line or a torn tail.
        self.file.write_all(&bytes).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.seq += 1;
        self.head = line.hash;
        Ok(())
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The hash of the last line written.
    pub fn head(&self) -> &str {
        &self.head
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::fs::OpenOptions;

    fn journal_with(n: usize) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut j = Journal::create(&path, &json!({"header": 1})).unwrap();
        for i in 0..n {
            j.append(&json!({"reading": i, "value": 0.1 + i as f64 / 3.0})).unwrap();
        }
        (dir, path)
    }

    #[test]
    fn chain_verifies_and_resumes_after_a_torn_line() {
        let (_dir, path) = journal_with(3);
        assert_eq!(read(&path).unwrap().lines.len(), 4);
        // A crash mid-write leaves a torn tail.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        let torn = b"{\"seq\":4,\"prev\":\"ab";
        f.write_all(torn).unwrap();
        let v = read(&path).unwrap();
        assert_eq!((v.lines.len(), v.torn_tail_bytes), (4, torn.len()));
        let (mut j, v) = Journal::open_append(&path).unwrap();
        assert_eq!(v.torn_tail_bytes, torn.len());
        j.append(&json!({"reading": 3})).unwrap();
        let v = read(&path).unwrap();
        assert_eq!((v.lines.len(), v.torn_tail_bytes), (5, 0));
        assert_eq!(v.lines[4].body, json!({"reading": 3}));
    }

    #[test]
    fn every_single_byte_change_is_detected() {
        let (_dir, path) = journal_with(2);
        let original = std::fs::read(&path).unwrap();
        let last_newline = original.len() - 1;
        for i in 0..original.len() {
            let mut bytes = original.clone();
            bytes[i] ^= 0x01;
            let text = String::from_utf8_lossy(&bytes);
            let result = verify(&text, &path);
            // Flipping the final newline turns the last line into a torn
            // tail: still detected, as a shorter journal with a warning.
            if i == last_newline {
                assert_eq!(
                    result.unwrap().torn_tail_bytes,
                    original.len()
                        - 1
                        - original[..last_newline].iter().rposition(|b| *b == b'\n').unwrap()
                );
                continue;
            }
            assert!(result.is_err(), "byte {i} ({:?}) changed undetected", original[i] as char);
        }
    }

    #[test]
    fn reordering_or_dropping_lines_breaks_the_chain() {
        let (_dir, path) = journal_with(3);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let dropped = [lines[0], lines[2], lines[3]].join("\n") + "\n";
        assert!(matches!(verify(&dropped, &path), Err(JournalError::ChainBroken { line: 2, .. })));
        let swapped = [lines[0], lines[2], lines[1], lines[3]].join("\n") + "\n";
        assert!(verify(&swapped, &path).is_err());
    }

    #[test]
    fn never_overwrites() {
        let (_dir, path) = journal_with(0);
        assert!(matches!(Journal::create(&path, &json!({})), Err(JournalError::Exists { .. })));
    }

    #[test]
    fn atomic_appends_refuse_a_torn_tail_and_never_tear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.jsonl");
        let header = json!({"format": "monqc-record-index"});
        let new = append_atomically(&path, None, &header, vec![json!({"n": 1})]).unwrap();
        assert_eq!((new.len(), new[0].seq), (1, 1));
        let v = read(&path).unwrap();
        append_atomically(&path, Some(&v), &header, vec![json!({"n": 2}), json!({"n": 3})])
            .unwrap();
        let v = read(&path).unwrap();
        assert_eq!(v.lines.len(), 4);
        assert_eq!(v.lines[3].prev, v.lines[2].hash);
        // A torn tail is reported, and the file is left exactly as it was.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 1);
        std::fs::write(&path, &bytes).unwrap();
        let v = read(&path).unwrap();
        let err = append_atomically(&path, Some(&v), &header, vec![json!({"n": 4})]).unwrap_err();
        assert!(matches!(err, JournalError::TornTail { .. }), "{err}");
        assert!(err.to_string().contains("monqc repair"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }

    #[test]
    fn a_journal_has_one_writer_at_a_time() {
        let (_dir, path) = journal_with(1);
        let (first, _) = Journal::open_append(&path).unwrap();
        assert!(matches!(Journal::open_append(&path), Err(JournalError::InUse { .. })));
        drop(first);
        assert!(Journal::open_append(&path).is_ok());
    }
}
