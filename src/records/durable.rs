//! How monqc puts a file on disk so that a crash, a second process or a
//! planted symbolic link can never leave half of it, mix two of them, or
//! write somewhere else (issue 12: D1, D2, D6, P3).
//!
//! - A new file is first written under a unique hidden name in the same
//!   directory, opened with `O_CREAT | O_EXCL` (never an existing file, never
//!   through a link), synced, and only then given its name: by `link` when the
//!   name must not exist yet ([`create_new`]), by `rename` when it replaces a
//!   whole file ([`replace`]). The directory is synced so the name survives a
//!   power cut.
//! - Files monqc reads back from its data directory are opened with
//!   `O_NOFOLLOW` ([`read`], [`open_append`]): a symbolic link there is an
//!   error, not a way out of the directory.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The prefix and suffix of monqc's temporary files: `.NAME.RANDOM.tmp`.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Open options that never follow a symbolic link in the last component.
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW)
    }
    #[cfg(not(unix))]
    {
        options
    }
}

/// A clearer error for `ELOOP` from an `O_NOFOLLOW` open: the path is a link.
fn explain_link(path: &Path, e: std::io::Error) -> std::io::Error {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return std::io::Error::other(format!(
            "{} is a symbolic link; monqc does not follow links inside its data directory \
             (replace it with the file itself)",
            path.display()
        ));
    }
    let _ = path;
    e
}

/// Refuse `path` when it is a symbolic link (platforms without `O_NOFOLLOW`
/// and paths opened for purposes other than reading or appending).
pub fn refuse_link(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(std::io::Error::other(format!(
            "{} is a symbolic link; monqc does not follow links inside its data directory \
             (replace it with the file itself)",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// Open `path` for reading without following a link.
pub fn open_read(path: &Path) -> std::io::Result<File> {
    #[cfg(not(unix))]
    refuse_link(path)?;
    no_follow(OpenOptions::new().read(true)).open(path).map_err(|e| explain_link(path, e))
}

/// Read all of `path` without following a link.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    open_read(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Open an existing `path` for reading and writing (to append), without
/// following a link.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    #[cfg(not(unix))]
    refuse_link(path)?;
    no_follow(OpenOptions::new().read(true).write(true))
        .open(path)
        .map_err(|e| explain_link(path, e))
}

/// Open (creating) a lock file without following a link.
pub fn open_lock(path: &Path) -> std::io::Result<File> {
    #[cfg(not(unix))]
    refuse_link(path)?;
    no_follow(OpenOptions::new().create(true).truncate(false).write(true))
        .open(path)
        .map_err(|e| explain_link(path, e))
}

/// The directory `path` is in ("." for a bare name).
pub fn parent(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// A new, empty temporary file beside `path`, created exclusively under a
/// unique hidden name (`.NAME.RANDOM.tmp`): two processes never share one.
pub fn create_temp(path: &Path) -> std::io::Result<(PathBuf, File)> {
    let dir = parent(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    loop {
        let tmp = dir.join(format!(".{name}.{:016x}{TEMP_SUFFIX}", fastrand::u64(..)));
        // create_new is O_CREAT | O_EXCL: it never opens an existing file
        // and never follows a link.
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// True when `name` is one of monqc's temporary files.
pub fn is_temp(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(TEMP_SUFFIX)
}

/// Sync the directory holding `path`, so a new name in it is durable.
pub fn sync_parent(path: &Path) -> std::io::Result<()> {
    // Directories cannot be opened for sync on every platform; where they
    // can, a failure is real.
    if let Ok(d) = File::open(parent(path)) {
        d.sync_all()?;
    }
    Ok(())
}

/// Why [`create_new`] did not make the file.
#[derive(Debug)]
pub enum CreateError {
    /// Something already has that name (a file, a link, a directory).
    Exists,
    /// The OS refused.
    Io(std::io::Error),
}

/// Create `path` holding `bytes`, failing if the name exists: the bytes are
/// written and synced under a unique temporary name, then linked to `path`
/// (which fails atomically if the name exists), so `path` never exists
/// partly written and never replaces anything.
pub fn create_new(path: &Path, bytes: &[u8]) -> Result<(), CreateError> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(CreateError::Exists);
    }
    let (tmp, mut file) = create_temp(path).map_err(CreateError::Io)?;
    let linked = (|| {
        file.write_all(bytes).map_err(CreateError::Io)?;
        file.sync_all().map_err(CreateError::Io)?;
        std::fs::hard_link(&tmp, path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => CreateError::Exists,
            _ => CreateError::Io(e),
        })
    })();
    let _ = std::fs::remove_file(&tmp);
    linked?;
    sync_parent(path).map_err(CreateError::Io)
}

/// Replace `path` (or create it) with `bytes`, atomically: written and
/// synced under a unique temporary name, then renamed over `path`. A crash
/// leaves the old file or the new one, never a mix; a link at `path` is
/// replaced, never followed. Returns whether a file was replaced.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    let existed = std::fs::symlink_metadata(path).is_ok();
    let (tmp, mut file) = create_temp(path)?;
    let written = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        // Leave no partial file behind (a full disk, a read-only store).
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    sync_parent(path)?;
    Ok(existed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_new_never_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        create_new(&p, b"one\n").unwrap();
        assert!(matches!(create_new(&p, b"two\n"), Err(CreateError::Exists)));
        assert_eq!(std::fs::read(&p).unwrap(), b"one\n");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn links_are_neither_followed_nor_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, b"keep").unwrap();
        let link = dir.path().join("index.jsonl");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let err = read(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(open_append(&link).is_err());
        assert!(matches!(create_new(&link, b"x"), Err(CreateError::Exists)));
        assert!(replace(&link, b"new").unwrap(), "the link itself is replaced");
        assert_eq!(std::fs::read(&outside).unwrap(), b"keep", "the target is untouched");
        assert!(!std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }

    #[test]
    fn temporary_names_are_unique() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("site.toml");
        let names: std::collections::BTreeSet<_> =
            (0..50).map(|_| create_temp(&p).unwrap().0).collect();
        assert_eq!(names.len(), 50);
        assert!(names.iter().all(|n| is_temp(&n.file_name().unwrap().to_string_lossy())));
    }
}
