//! The data directory: session journals, finalised records and the site
//! configuration, as plain files.
//!
//! A directory of files rather than a database: every journal and record is
//! readable with a text editor and verifiable on its own, copying the
//! directory is a complete backup, and appends with `sync_data` give the
//! durability a reading needs without a database engine in between.
//!
//! ```text
//! <data>/site.toml                        displays, meters, operators, signing keys
//! <data>/sessions/<session>.jsonl         one journal per session
//! <data>/records/<sha256>.json            finalised records, named by content hash
//! <data>/records/<sha256>.amendments.jsonl  corrections, hash-chained to the record
//! <data>/records/index.jsonl              every record finalised, amendment made and
//!                                         key introduced, hash-chained (and signed)
//! <data>/records/index.head               the index's line count and last hash
//! <data>/records/.lock                    the data directory's lock
//! ```
//!
//! Every file is created through [`durable`](super::durable): under a unique
//! temporary name, then linked or renamed into place. Every
//! read-modify-write of a shared file (site.toml, the index, an amendment
//! chain) holds the data directory's lock ([`Store::lock`]). Names that come
//! from people (display ids, session ids) are checked by [`check_id`] before
//! they become file names.

use std::path::{Path, PathBuf};

use super::durable;
use super::signing::SigningKey;

/// Why the data directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A directory could not be created or read.
    #[error(
        "cannot use the data directory {path}: {source}; check it exists and is writable, \
         or point MONQC_DATA_DIR at one that is",
        path = .path.display()
    )]
    Io {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The data directory's path is empty.
    #[error(
        "the data directory path is empty; give a directory (MONQC_DATA_DIR) or leave it unset"
    )]
    EmptyPath,
    /// A folder of the data directory is a symbolic link or not a folder.
    #[error(
        "{path} is {what}; monqc writes only into real folders of its data directory (replace \
         it with a folder, or point MONQC_DATA_DIR at the folder it leads to)",
        path = .path.display()
    )]
    NotAFolder {
        /// The path.
        path: PathBuf,
        /// "a symbolic link" or "not a folder".
        what: &'static str,
    },
    /// An id cannot be a file name.
    #[error(
        "{what} `{id}` {problem}; use 1 to {max} letters, digits, `.`, `_` or `-`, not starting \
         with `.`"
    )]
    InvalidId {
        /// What kind of id (display id, session id).
        what: &'static str,
        /// The id, escaped.
        id: String,
        /// What is wrong with it.
        problem: &'static str,
        /// The longest allowed.
        max: usize,
    },
    /// An output file would land inside the data directory.
    #[error(
        "{path} is among the files of the data directory {root} (records/, sessions/, \
         site.toml); monqc never writes reports or exports there: choose another path",
        path = .path.display(),
        root = .root.display()
    )]
    InsideDataDir {
        /// The output path.
        path: PathBuf,
        /// The data directory.
        root: PathBuf,
    },
    /// Writing an output file failed.
    #[error("cannot write {path}: {source}", path = .path.display())]
    Output {
        /// The output path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The longest id that becomes (part of) a file name.
pub const ID_MAX_LEN: usize = 64;

/// The longest session id: a display id, the test and the time
/// (`rr1-acceptance-20261126T070045.222Z`), with room for a `-2` suffix.
pub const SESSION_ID_MAX_LEN: usize = 128;

/// Check that `id` is safe as a file-name component: 1 to 64 of
/// `[A-Za-z0-9._-]`, not starting with `.` (so never `.`, `..`, a hidden
/// file or a path). `what` names it in the error (`display id`).
pub fn check_id(what: &'static str, id: &str) -> Result<(), StoreError> {
    check_name(what, id, ID_MAX_LEN)
}

fn check_name(what: &'static str, id: &str, max: usize) -> Result<(), StoreError> {
    let invalid =
        |problem| StoreError::InvalidId { what, id: id.escape_debug().to_string(), problem, max };
    if id.is_empty() {
        return Err(invalid("is empty"));
    }
    if id.len() > max {
        return Err(invalid("is too long"));
    }
    if id.starts_with('.') {
        return Err(invalid("starts with `.`"));
    }
    if !id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
        return Err(invalid("has a character other than a letter, digit, `.`, `_` or `-`"));
    }
    Ok(())
}

/// The data directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    root: PathBuf,
    signer: Option<SigningKey>,
}

/// The data directory's lock, held until dropped.
#[derive(Debug)]
pub struct StoreLock {
    file: std::fs::File,
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        // Closing the file releases the lock even if unlock fails.
        let _ = self.file.unlock();
    }
}

impl Store {
    /// Use `root`, creating its sub-directories when missing. `sessions/`
    /// and `records/` must be real folders, not links.
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        if root.as_os_str().is_empty() {
            return Err(StoreError::EmptyPath);
        }
        std::fs::create_dir_all(root)
            .map_err(|source| StoreError::Io { path: root.to_owned(), source })?;
        for dir in [root.join("sessions"), root.join("records")] {
            match std::fs::symlink_metadata(&dir) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(StoreError::NotAFolder { path: dir, what: "a symbolic link" });
                }
                Ok(m) if !m.is_dir() => {
                    return Err(StoreError::NotAFolder { path: dir, what: "not a folder" });
                }
                Ok(_) => {}
                Err(_) => std::fs::create_dir(&dir)
                    .or_else(|e| if dir.is_dir() { Ok(()) } else { Err(e) })
                    .map_err(|source| StoreError::Io { path: dir.clone(), source })?,
            }
        }
        Ok(Self { root: root.to_path_buf(), signer: None })
    }

    /// This store, signing what it finalises with `key` (when the data
    /// directory has introduced that key; see `record::introduce_key`).
    pub fn with_signer(mut self, key: SigningKey) -> Self {
        self.signer = Some(key);
        self
    }

    /// The signing key, if one was given.
    pub fn signer(&self) -> Option<&SigningKey> {
        self.signer.as_ref()
    }

    /// Take the data directory's lock (waiting for another monqc process to
    /// release it). Every read-modify-write of site.toml, the index or an
    /// amendment chain holds it.
    pub fn lock(&self) -> Result<StoreLock, StoreError> {
        let path = self.records_dir().join(".lock");
        let io = |source| StoreError::Io { path: path.clone(), source };
        let file = durable::open_lock(&path).map_err(io)?;
        file.lock().map_err(io)?;
        Ok(StoreLock { file })
    }

    /// The data directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The site configuration file.
    pub fn site_file(&self) -> PathBuf {
        self.root.join("site.toml")
    }

    /// Where session journals live.
    pub fn sessions_dir(&self) -> PathBuf {
        self.root.join("sessions")
    }

    /// The journal of session `id` (not checked; see [`Store::new_session_path`]).
    pub fn session_path(&self, id: &str) -> PathBuf {
        self.sessions_dir().join(format!("{id}.jsonl"))
    }

    /// The journal of session `id`, after checking that `id` is a safe file name.
    pub fn checked_session_path(&self, id: &str) -> Result<PathBuf, StoreError> {
        check_name("session id", id, SESSION_ID_MAX_LEN)?;
        Ok(self.session_path(id))
    }

    /// Where records live.
    pub fn records_dir(&self) -> PathBuf {
        self.root.join("records")
    }

    /// The record with content hash `id`.
    pub fn record_path(&self, id: &str) -> PathBuf {
        self.records_dir().join(format!("{id}.json"))
    }

    /// The amendments of record `id`.
    pub fn amendments_path(&self, id: &str) -> PathBuf {
        self.records_dir().join(format!("{id}.amendments.jsonl"))
    }

    /// The index of every record finalised.
    pub fn index_path(&self) -> PathBuf {
        self.records_dir().join("index.jsonl")
    }

    /// The index's line count and last hash, written after the index
    /// (`records/index.head`): cutting lines off the index's end shows.
    pub fn index_head_path(&self) -> PathBuf {
        self.records_dir().join("index.head")
    }

    /// The ids of the record files in `records/`, sorted.
    pub fn record_files(&self) -> Result<Vec<String>, StoreError> {
        let dir = self.records_dir();
        let entries = std::fs::read_dir(&dir)
            .map_err(|source| StoreError::Io { path: dir.clone(), source })?;
        let mut ids: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let id = name.strip_suffix(".json")?;
                (id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then(|| id.to_string())
            })
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// True when `path` is, or would be, inside the data directory (links
    /// resolved as far as the path exists).
    pub fn contains(&self, path: &Path) -> bool {
        self.resolve_inside(path).is_some()
    }

    /// True when `path` is, or would be, one of monqc's own files: in
    /// `records/` or `sessions/`, or the site configuration.
    pub fn owns(&self, path: &Path) -> bool {
        self.resolve_inside(path).is_some_and(|rel| {
            rel.starts_with("records")
                || rel.starts_with("sessions")
                || rel == Path::new("site.toml")
        })
    }

    /// `path` relative to the data directory, when it is inside it.
    fn resolve_inside(&self, path: &Path) -> Option<PathBuf> {
        let root = self.root.canonicalize().ok()?;
        let full = Self::resolve(path)?;
        full.strip_prefix(&root).ok().map(Path::to_path_buf)
    }

    /// `path` made absolute, links resolved as far as it exists.
    fn resolve(path: &Path) -> Option<PathBuf> {
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(path)
        };
        // Resolve the longest existing ancestor, then add the rest (with
        // `..` taken lexically there, as nothing below exists to link).
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        loop {
            if let Ok(real) = existing.canonicalize() {
                let mut full = real;
                for c in rest.iter().rev() {
                    if c == std::ffi::OsStr::new("..") {
                        full.pop();
                    } else if c != std::ffi::OsStr::new(".") {
                        full.push(c);
                    }
                }
                return Some(full);
            }
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => return None,
            }
        }
    }

    /// Write an output file (a report, an export) at `path`: refused
    /// where monqc keeps its own files ([`Store::owns`]); written whole
    /// under a temporary name and renamed into place, so an existing file
    /// is replaced atomically or not at all (a full disk leaves it as it
    /// was). Returns whether an existing file was replaced, for the caller
    /// to say so.
    pub fn write_output(&self, path: &Path, bytes: &[u8]) -> Result<bool, StoreError> {
        if self.owns(path) {
            return Err(StoreError::InsideDataDir {
                path: path.to_owned(),
                root: self.root.clone(),
            });
        }
        if path.is_dir() {
            return Err(StoreError::Output {
                path: path.to_owned(),
                source: std::io::Error::other("it is a folder; give a file name"),
            });
        }
        durable::replace(path, bytes)
            .map_err(|source| StoreError::Output { path: path.to_owned(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_are_not_plain_file_names_are_refused() {
        for good in ["rr1", "RX660-3F.b_2", "a", &"x".repeat(64)] {
            assert!(check_id("display id", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "../../../escape",
            "a/b",
            "a\\b",
            "a b",
            "a\nb",
            "読影室",
            "a\"b",
            &"x".repeat(65),
        ] {
            let err = check_id("display id", bad).unwrap_err().to_string();
            assert!(err.contains("display id") && err.contains("1 to 64"), "{bad}: {err}");
        }
    }

    #[test]
    fn output_is_refused_inside_the_data_directory_and_replaced_atomically_outside() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data")).unwrap();
        for inside in [
            store.index_path(),
            store.records_dir().join("new.pdf"),
            store.root().join("sessions/../records/x.json"),
            store.site_file(),
        ] {
            assert!(
                matches!(store.write_output(&inside, b"x"), Err(StoreError::InsideDataDir { .. })),
                "{}",
                inside.display()
            );
        }
        assert!(
            !store.write_output(&store.root().join("report.pdf"), b"x").unwrap(),
            "beside them is fine"
        );
        let out = dir.path().join("r.pdf");
        assert!(!store.write_output(&out, b"one").unwrap());
        assert!(store.write_output(&out, b"two").unwrap(), "replaced, and says so");
        assert_eq!(std::fs::read(&out).unwrap(), b"two");
    }

    #[cfg(unix)]
    #[test]
    fn linked_folders_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("elsewhere");
        std::fs::create_dir_all(&outside).unwrap();
        let root = dir.path().join("data");
        std::fs::create_dir_all(&root).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("sessions")).unwrap();
        let err = Store::open(&root).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(matches!(Store::open(Path::new("")), Err(StoreError::EmptyPath)));
    }
}
