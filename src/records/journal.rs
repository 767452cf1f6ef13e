//! An append-only, hash-chained JSON-lines file.
//!
//! Each line is `{"seq":n,"prev":"…","body":{…},"hash":"…"}` where `hash` is
//! the SHA-256 of `prev`, a newline and the canonical JSON of `body` (keys
//! sorted, numbers as serde_json writes them), and `prev` is the previous
//! line's hash (64 zeros for the first line). Changing, removing or
//! reordering any line breaks the chain at that line.
//!
//! Every append is one `write` followed by `sync_data`, so a reading is on
//! disk before the caller goes on. A crash can leave at most one torn last
//! line (no newline); [`Journal::open_append`] cuts it off and says so, and
//! [`read`] ignores it with a warning. Any other damage is an error naming
//! the line.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::numbers::digest::sha256_hex;

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

/// Read and verify the journal at `path`.
pub fn read(path: &Path) -> Result<Verified, JournalError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| JournalError::Io { path: path.to_owned(), source })?;
    verify(&text, path)
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
    /// is written under a temporary name, synced, then linked into place,
    /// which fails if the name exists), so a crash never leaves an empty
    /// journal; the directory is synced so the name survives a power cut.
    pub fn create(path: &Path, first: &Value) -> Result<Self, JournalError> {
        let io = |p: &Path| {
            let p = p.to_owned();
            move |source| JournalError::Io { path: p, source }
        };
        if path.exists() {
            return Err(JournalError::Exists { path: path.to_owned() });
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.tmp"));
        let line = Line {
            seq: 0,
            prev: GENESIS.into(),
            body: first.clone(),
            hash: line_hash(GENESIS, first),
        };
        let mut bytes = serde_json::to_vec(&line).expect("serialises");
        bytes.push(b'\n');
        let written = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)
                .map_err(io(&tmp))?;
            f.write_all(&bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
            std::fs::hard_link(&tmp, path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    JournalError::Exists { path: path.to_owned() }
                } else {
                    JournalError::Io { path: path.to_owned(), source: e }
                }
            })
        })();
        let _ = std::fs::remove_file(&tmp);
        written?;
        sync_parent(path)?;
        let mut file = OpenOptions::new().append(true).open(path).map_err(io(path))?;
        file.seek(SeekFrom::End(0)).map_err(io(path))?;
        Ok(Self { path: path.to_owned(), file, seq: 1, head: line.hash })
    }

    /// Open an existing journal to continue it: verify the chain, cut off a
    /// torn last line (returned as its byte count), and position at the end.
    pub fn open_append(path: &Path) -> Result<(Self, Verified), JournalError> {
        let verified = read(path)?;
        let io = |source| JournalError::Io { path: path.to_owned(), source };
        let mut file = OpenOptions::new().read(true).write(true).open(path).map_err(io)?;
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

/// Sync the directory holding `path`, so a newly created file's name is durable.
fn sync_parent(path: &Path) -> Result<(), JournalError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // Directories cannot be opened for sync on every platform; where they
    // can, a failure is real.
    if let Ok(d) = File::open(dir) {
        d.sync_all().map_err(|source| JournalError::Io { path: dir.to_owned(), source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
