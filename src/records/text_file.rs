//! Reading a text file someone gives monqc — a measurement CSV, a session
//! to analyse, a criteria table, the site configuration: only a regular
//! file (never a pipe or a device that could block or never end), at most
//! [`MAX_BYTES`], and UTF-8. Each refusal names the cause and the fix, so a
//! Shift-JIS export from Japanese Excel or a UTF-16 "Unicode text" file is
//! told apart from a wrong path.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest text file monqc reads: 64 MiB, hundreds of times the
/// largest session or measurement file a display test makes.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// How to save a file as UTF-8, for the messages.
const SAVE_AS_UTF8: &str = "save it as UTF-8 (in Excel: Save As › “CSV UTF-8 (Comma delimited)”; in an editor: \
     encoding UTF-8)";

/// Why a text file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TextFileError {
    /// The OS refused (no such file, no permission, …).
    #[error("cannot read {path}: {source}; check the path", path = .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A directory, pipe, device or socket.
    #[error("{path} is {kind}, not a regular file; give the path of a file", path = .path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// Over [`MAX_BYTES`].
    #[error(
        "{path} is {size} bytes; monqc reads files of at most {limit} bytes (64 MiB); check \
         that this is the right file",
        path = .path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size, or how much was read before stopping.
        size: u64,
        /// [`MAX_BYTES`].
        limit: u64,
    },
    /// UTF-16 text (starts with a UTF-16 byte-order mark).
    #[error("{path} is UTF-16 text ({endian}), not UTF-8; {SAVE_AS_UTF8}", path = .path.display())]
    Utf16 {
        /// The file.
        path: PathBuf,
        /// "little-endian" or "big-endian".
        endian: &'static str,
    },
    /// Bytes that are not UTF-8.
    #[error(
        "{path}:{line}: byte 0x{byte:02X} is not UTF-8: the file is in another encoding \
         (Shift-JIS from Japanese Excel, Latin-1, …) or is not text; {SAVE_AS_UTF8}",
        path = .path.display()
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first bad byte.
        line: usize,
        /// The byte.
        byte: u8,
    },
    /// A NUL byte: binary data, or UTF-16 without a byte-order mark.
    #[error(
        "{path}:{line}: a NUL byte: this is not a text file, or it is UTF-16 without a \
         byte-order mark; {SAVE_AS_UTF8}",
        path = .path.display()
    )]
    Nul {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first NUL.
        line: usize,
    },
}

impl TextFileError {
    /// True when the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// What a non-regular file is, for the message.
fn kind_of(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Read `path` as UTF-8 text: a regular file of at most [`MAX_BYTES`].
pub fn read(path: &Path) -> Result<String, TextFileError> {
    let io = |source| TextFileError::Io { path: path.to_owned(), source };
    // Look before opening: opening a FIFO with no writer would block.
    let meta = std::fs::metadata(path).map_err(io)?;
    if let Some(kind) = kind_of(&meta) {
        return Err(TextFileError::NotAFile { path: path.to_owned(), kind });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // The name may have been swapped since; look at what was opened.
    let meta = file.metadata().map_err(io)?;
    if let Some(kind) = kind_of(&meta) {
        return Err(TextFileError::NotAFile { path: path.to_owned(), kind });
    }
    let too_large =
        |size| TextFileError::TooLarge { path: path.to_owned(), size, limit: MAX_BYTES };
    if meta.len() > MAX_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    decode(bytes, path)
}

/// `bytes` as UTF-8 text, or why not; `path` names the file in messages.
pub fn decode(bytes: Vec<u8>, path: &Path) -> Result<String, TextFileError> {
    let line_at = |bytes: &[u8], at: usize| bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    match bytes.get(..2) {
        Some([0xFF, 0xFE]) => {
            return Err(TextFileError::Utf16 { path: path.to_owned(), endian: "little-endian" });
        }
        Some([0xFE, 0xFF]) => {
            return Err(TextFileError::Utf16 { path: path.to_owned(), endian: "big-endian" });
        }
        _ => {}
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        TextFileError::NotUtf8 { path: path.to_owned(), line: line_at(bytes, at), byte: bytes[at] }
    })?;
    if let Some(at) = text.find('\0') {
        return Err(TextFileError::Nul {
            path: path.to_owned(),
            line: line_at(text.as_bytes(), at),
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8]) -> Result<String, String> {
        decode(bytes.to_vec(), Path::new("m.csv")).map_err(|e| e.to_string())
    }

    #[test]
    fn each_encoding_problem_is_named() {
        assert_eq!(decoded("ddl,輝度\n".as_bytes()).unwrap(), "ddl,輝度\n");
        // "輝度" in Shift-JIS: 0x8B 0x50 0x93 0x78.
        let e = decoded(b"ddl,luminance\n0,1\n# \x8b\x50\x93\x78\n").unwrap_err();
        assert!(e.starts_with("m.csv:3: byte 0x8B is not UTF-8") && e.contains("Shift-JIS"), "{e}");
        let e = decoded(b"\xff\xfed\x00d\x00l\x00").unwrap_err();
        assert!(e.contains("UTF-16 text (little-endian)") && e.contains("CSV UTF-8"), "{e}");
        let e = decoded(b"d\x00d\x00l\x00").unwrap_err();
        assert!(e.starts_with("m.csv:1: a NUL byte"), "{e}");
        let e = decoded(b"[facility]\nname = \"\xff\"\n").unwrap_err();
        assert!(e.starts_with("m.csv:2: byte 0xFF"), "{e}");
    }

    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let e = read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory, not a regular file"), "{e}");
        #[cfg(unix)]
        {
            let e = read(Path::new("/dev/zero")).unwrap_err().to_string();
            assert!(e.contains("is a device"), "{e}");
        }
        let big = dir.path().join("big.csv");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_BYTES + 1).unwrap(); // sparse: no disk used
        let e = read(&big).unwrap_err().to_string();
        assert!(
            e.contains("67108865 bytes") && e.contains("at most 67108864 bytes (64 MiB)"),
            "{e}"
        );
        let ok = dir.path().join("ok.csv");
        std::fs::write(&ok, "ddl,luminance\n").unwrap();
        assert_eq!(read(&ok).unwrap(), "ddl,luminance\n");
        assert!(read(&dir.path().join("none")).unwrap_err().is_not_found());
    }
}
