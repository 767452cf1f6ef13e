//! monqc's session file: one JSON object per line, appended and synced to
//! disk the moment each reading is taken, so a crash or a pulled cable never
//! loses a reading already made.
//!
//! Line 1 is a [`SessionHeader`]; every further line is a [`SessionEntry`].
//! A last line cut short by a crash is ignored with a warning; any other
//! malformed line is an error naming its line number.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::criteria::TestType;
use crate::measurement::{
    Ambient, Chromaticity, InputError, LambSource, MeasurementSet, MeterSetup, Origin, Position,
    ResponseReading, UniformityReading,
};

/// The format name written in every header.
pub const FORMAT: &str = "monqc-session";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The meter that took the readings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct MeterInfo {
    /// Manufacturer.
    pub vendor: String,
    /// Model.
    pub model: String,
    /// Serial number.
    pub serial: Option<String>,
    /// Calibration date (ISO 8601).
    pub calibration_date: Option<String>,
}

/// The first line of a session file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionHeader {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version.
    pub version: u32,
    /// monqc version that wrote the file.
    pub software: String,
    /// Standard id.
    pub standard: String,
    /// Grade id.
    pub grade: String,
    /// Test type.
    pub test: TestType,
    /// Meter set-up.
    pub setup: MeterSetup,
    /// Bits per DDL of the patterns.
    pub bit_depth: u8,
    /// Display identification (free text: maker, model, serial).
    pub display: String,
    /// Diffuse reflection coefficient Rd of the display, cd·m⁻²·lx⁻¹, when
    /// Lamb is derived from illuminance.
    pub rd_cd_m2_per_lx: Option<f64>,
    /// The luminance meter.
    pub meter: MeterInfo,
    /// When the session started (RFC 3339).
    pub started: String,
}

/// One reading, as appended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SessionEntry {
    /// Luminance at the viewing position with the display off (Lamb).
    AmbientLuminance {
        /// cd/m².
        luminance_cd_m2: f64,
        /// The meter's reply bytes, as text.
        raw: String,
        /// When (RFC 3339).
        at: String,
    },
    /// Illuminance at the display face.
    Illuminance {
        /// lx.
        illuminance_lx: f64,
        /// The meter's reply bytes, as text.
        raw: String,
        /// When (RFC 3339).
        at: String,
    },
    /// A luminance-response patch centre.
    Response {
        /// Pattern name (JIRA-BN01 …).
        pattern: String,
        /// DDL of the patch.
        ddl: u16,
        /// cd/m² as read.
        luminance_cd_m2: f64,
        /// Chromaticity, when measured.
        chromaticity: Option<Chromaticity>,
        /// The meter's reply bytes, as text.
        raw: String,
        /// When (RFC 3339).
        at: String,
    },
    /// A uniformity reading.
    Uniformity {
        /// Pattern name (TG18-UN80 …).
        pattern: String,
        /// Where.
        position: Position,
        /// DDL of the field.
        ddl: u16,
        /// cd/m² as read.
        luminance_cd_m2: f64,
        /// Chromaticity, when measured.
        chromaticity: Option<Chromaticity>,
        /// The meter's reply bytes, as text.
        raw: String,
        /// When (RFC 3339).
        at: String,
    },
}

/// Why a session file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SessionWriteError {
    /// The file exists: sessions are never overwritten.
    #[error("{path} already exists; monqc never overwrites a session — choose another path")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Writing or syncing failed (disk full, read-only, removed).
    #[error(
        "cannot write session file {path}: {source}; the readings before this one are safe in the file"
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Appends readings to a new session file, each synced before returning.
pub struct SessionWriter {
    path: PathBuf,
    file: File,
}

impl SessionWriter {
    /// Create `path` (which must not exist) and write the header.
    pub fn create(path: &Path, header: &SessionHeader) -> Result<Self, SessionWriteError> {
        let file = OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                SessionWriteError::Exists { path: path.to_owned() }
            } else {
                SessionWriteError::Io { path: path.to_owned(), source: e }
            }
        })?;
        let mut writer = Self { path: path.to_owned(), file };
        writer.write_line(&serde_json::to_string(header).expect("header serialises"))?;
        Ok(writer)
    }

    /// Append one reading and sync it to disk.
    pub fn append(&mut self, entry: &SessionEntry) -> Result<(), SessionWriteError> {
        self.write_line(&serde_json::to_string(entry).expect("entry serialises"))
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_line(&mut self, line: &str) -> Result<(), SessionWriteError> {
        let io = |source| SessionWriteError::Io { path: self.path.clone(), source };
        // One write per line keeps a crash from interleaving half lines.
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        self.file.write_all(&buf).map_err(io)?;
        self.file
            .sync_data()
            .map_err(|source| SessionWriteError::Io { path: self.path.clone(), source })
    }
}

/// A session read back.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// Its header.
    pub header: SessionHeader,
    /// Its readings in the order taken.
    pub entries: Vec<SessionEntry>,
    /// Problems that did not stop reading (a torn last line).
    pub warnings: Vec<String>,
}

/// True when `text` starts like a session file (so `analyze` can tell it
/// from a CSV).
pub fn looks_like_session(text: &str) -> bool {
    text.trim_start().starts_with('{') && text.contains(FORMAT)
}

/// Read a session file.
pub fn read(path: &Path) -> Result<Session, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| InputError::Io { path: path.to_owned(), source })?;
    parse(&text, path)
}

/// Parse session text; `path` is used in messages.
pub fn parse(text: &str, path: &Path) -> Result<Session, InputError> {
    let at = |line: usize| Origin { path: Some(path.to_owned()), line: Some(line) };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let (n, first) = lines.next().ok_or_else(|| InputError::Empty { path: path.to_owned() })?;
    let header: SessionHeader = serde_json::from_str(first).map_err(|e| InputError::Session {
        origin: at(n),
        problem: format!("not a monqc session header: {e}"),
    })?;
    if header.format != FORMAT || header.version != VERSION {
        return Err(InputError::Session {
            origin: at(n),
            problem: format!(
                "format {} version {} is not {FORMAT} version {VERSION}; use the monqc version \
                 that wrote it ({})",
                header.format, header.version, header.software
            ),
        });
    }
    let ends_with_newline = text.ends_with('\n');
    let all: Vec<(usize, &str)> = lines.filter(|(_, l)| !l.trim().is_empty()).collect();
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for (idx, (n, line)) in all.iter().enumerate() {
        match serde_json::from_str::<SessionEntry>(line) {
            Ok(e) => entries.push(e),
            // Only a last line without its newline can be a write cut short.
            Err(_) if idx + 1 == all.len() && !ends_with_newline => warnings.push(format!(
                "{}: the last line is incomplete (the session was interrupted while writing \
                 it) and was ignored; measure that reading again",
                at(*n)
            )),
            Err(e) => {
                return Err(InputError::Session {
                    origin: at(*n),
                    problem: format!("malformed reading: {e}"),
                });
            }
        }
    }
    Ok(Session { header, entries, warnings })
}

impl Session {
    /// The measurement set for analysis. When a reading was repeated, the
    /// last one counts (a re-measurement replaces the earlier reading).
    pub fn measurement_set(&self, path: &Path) -> MeasurementSet {
        let mut response: Vec<ResponseReading> = Vec::new();
        let mut uniformity: Vec<UniformityReading> = Vec::new();
        let mut ambient_luminance = None;
        let mut illuminance = None;
        for (i, e) in self.entries.iter().enumerate() {
            // Header is line 1, entries follow (blank lines are never written).
            let origin = Origin { path: Some(path.to_owned()), line: Some(i + 2) };
            match e {
                SessionEntry::AmbientLuminance { luminance_cd_m2, .. } => {
                    ambient_luminance = Some(*luminance_cd_m2)
                }
                SessionEntry::Illuminance { illuminance_lx, .. } => {
                    illuminance = Some(*illuminance_lx)
                }
                SessionEntry::Response { ddl, luminance_cd_m2, chromaticity, .. } => {
                    response.retain(|r| r.ddl != *ddl);
                    response.push(ResponseReading {
                        ddl: *ddl,
                        luminance_cd_m2: *luminance_cd_m2,
                        chromaticity: *chromaticity,
                        origin,
                    });
                }
                SessionEntry::Uniformity {
                    position, ddl, luminance_cd_m2, chromaticity, ..
                } => {
                    uniformity.retain(|u| u.position != *position);
                    uniformity.push(UniformityReading {
                        position: *position,
                        ddl: *ddl,
                        luminance_cd_m2: *luminance_cd_m2,
                        chromaticity: *chromaticity,
                    });
                }
            }
        }
        response.sort_by_key(|r| r.ddl);
        uniformity.sort_by_key(|u| u.position);
        let h = &self.header;
        // A display-off luminance reading is Lamb itself; otherwise derive it
        // from the illuminance and Rd (IEC 62563-1 Annex B; AAPM TG18).
        let ambient = match (ambient_luminance, illuminance, h.rd_cd_m2_per_lx) {
            (Some(l), e, _) => Some(Ambient {
                lamb_cd_m2: l,
                source: LambSource::MeasuredDisplayOff,
                illuminance_lx: e,
            }),
            (None, Some(e), Some(rd)) => Some(Ambient {
                lamb_cd_m2: rd * e,
                source: LambSource::DiffuseReflection { rd_cd_m2_per_lx: rd },
                illuminance_lx: Some(e),
            }),
            _ => None,
        };
        MeasurementSet {
            source: Some(path.to_owned()),
            setup: h.setup,
            ambient,
            bit_depth: h.bit_depth,
            response,
            uniformity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> SessionHeader {
        SessionHeader {
            format: FORMAT.into(),
            version: VERSION,
            software: "test".into(),
            standard: "jesra-x0093".into(),
            grade: "1a".into(),
            test: TestType::Acceptance,
            setup: MeterSetup::Contact,
            bit_depth: 8,
            display: "test display".into(),
            rd_cd_m2_per_lx: Some(0.005),
            meter: MeterInfo::default(),
            started: "2026-11-26T00:00:00Z".into(),
        }
    }

    fn response(ddl: u16, l: f64) -> SessionEntry {
        SessionEntry::Response {
            pattern: "JIRA-BN".into(),
            ddl,
            luminance_cd_m2: l,
            chromaticity: None,
            raw: String::new(),
            at: String::new(),
        }
    }

    #[test]
    fn written_readings_read_back_and_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut w = SessionWriter::create(&path, &header()).unwrap();
        w.append(&SessionEntry::Illuminance {
            illuminance_lx: 40.0,
            raw: "r".into(),
            at: "t".into(),
        })
        .unwrap();
        w.append(&response(0, 0.5)).unwrap();
        w.append(&response(255, 400.0)).unwrap();
        w.append(&response(0, 0.6)).unwrap(); // re-measured
        let s = read(&path).unwrap();
        assert_eq!(s.entries.len(), 4);
        let set = s.measurement_set(&path);
        assert_eq!(set.response.len(), 2);
        assert_eq!(set.response[0].luminance_cd_m2, 0.6);
        assert_eq!(set.response[0].origin.line, Some(5));
        assert!((set.lamb_cd_m2() - 0.2).abs() < 1e-12, "Rd · E = 0.005 · 40");
        assert!(matches!(
            SessionWriter::create(&path, &header()),
            Err(SessionWriteError::Exists { .. })
        ));
    }

    #[test]
    fn a_torn_last_line_is_dropped_with_a_warning_other_damage_is_an_error() {
        let h = serde_json::to_string(&header()).unwrap();
        let ok = serde_json::to_string(&response(0, 0.5)).unwrap();
        let torn = format!("{h}\n{ok}\n{{\"kind\":\"response\",\"ddl\":1");
        let s = parse(&torn, Path::new("s.jsonl")).unwrap();
        assert_eq!(s.entries.len(), 1);
        assert!(s.warnings[0].contains("s.jsonl:3"), "{:?}", s.warnings);
        let damaged = format!("{h}\n{{garbage}}\n{ok}\n");
        let err = parse(&damaged, Path::new("s.jsonl")).unwrap_err().to_string();
        assert!(err.contains("s.jsonl:2"), "{err}");
    }
}
