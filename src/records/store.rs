//! The data directory: session journals, finalised records and the site
//! configuration, as plain files.
//!
//! A directory of files rather than a database: every journal and record is
//! readable with a text editor and verifiable on its own, copying the
//! directory is a complete backup, and appends with `sync_data` give the
//! durability a reading needs without a database engine in between.
//!
//! ```text
//! <data>/site.toml                        displays, meters, operators
//! <data>/sessions/<session>.jsonl         one journal per session
//! <data>/records/<sha256>.json            finalised records, named by content hash
//! <data>/records/<sha256>.amendments.jsonl  corrections, hash-chained to the record
//! <data>/records/index.jsonl              every record finalised, hash-chained
//! ```

use std::path::{Path, PathBuf};

/// Why the data directory cannot be used.
#[derive(Debug, thiserror::Error)]
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
}

/// The data directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Use `root`, creating its sub-directories when missing.
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        for dir in [root.to_path_buf(), root.join("sessions"), root.join("records")] {
            std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io { path: dir, source })?;
        }
        Ok(Self { root: root.to_path_buf() })
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

    /// The journal of session `id`.
    pub fn session_path(&self, id: &str) -> PathBuf {
        self.sessions_dir().join(format!("{id}.jsonl"))
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
}
