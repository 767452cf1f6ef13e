//! monqc's session file: a hash-chained [`journal`] whose
//! first line holds a [`SessionHeader`] and every further line one
//! [`SessionEntry`], appended and synced to disk the moment each reading is
//! taken, so a crash or a pulled cable never loses a reading already made.
//!
//! A last line cut short by a crash is ignored with a warning (and cut off
//! when the session is resumed); any other damage is an error naming the line.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::numbers::colour::Chromaticity;
use crate::numbers::measurement::{
    Ambient, Judgement, LambSource, MeasurementSet, MeterSetup, Origin, Position, ResponseReading,
    UniformityReading,
};
use crate::records::clock::{self, Clock};
use crate::records::journal::{self, Journal, JournalError};
use crate::standards::criteria::TestType;
use crate::standards::procedure::step_id;

/// The format name written in every header.
pub const FORMAT: &str = "monqc-session";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The meter that took the readings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct MeterInfo {
    /// How the meter was reached (`ls100:/dev/ttyUSB0`, `sim-ls100`, …),
    /// so a resumed session opens the same meter.
    #[serde(default)]
    pub selector: String,
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
    /// The display's id in the site configuration.
    pub display_id: String,
    /// Display identification (free text: maker, model, serial, location).
    pub display: String,
    /// Who runs the session.
    pub operator: String,
    /// Diffuse reflection coefficient Rd of the display, cd·m⁻²·lx⁻¹, when
    /// Lamb is derived from illuminance.
    pub rd_cd_m2_per_lx: Option<f64>,
    /// The luminance meter.
    pub meter: MeterInfo,
    /// A separate illuminance meter, if one was used.
    #[serde(default)]
    pub illuminance_meter: Option<MeterInfo>,
    /// When the session started (RFC 3339).
    pub started: String,
}

/// How a patch reading settled: read until two consecutive readings agreed,
/// or read once after the display's settling time that the session
/// measured that way on its first patch (drivers' `Settler`); never after a
/// fixed sleep.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settle {
    /// Time from the pattern change (journals before `basis` was kept: from
    /// the first request) to the reading used, in seconds.
    pub seconds: f64,
    /// Readings taken for this patch (the last is the one used).
    pub readings: usize,
    /// Whether it settled: the last two agreed, or one reading was taken
    /// after the learned settling time (false: the time or reading limit
    /// ended it).
    pub converged: bool,
    /// How the reading earned its trust. Absent in journals written before
    /// it was kept, where every patch was read to agreement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<SettleBasis>,
}

/// How a patch reading earned its trust.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SettleBasis {
    /// Consecutive readings agreed (or, not converged, failed to).
    Agreement,
    /// One reading, taken once the settling time the session measured on
    /// its first patch had passed since the pattern changed.
    LearnedDelay,
}

/// One reading, as appended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SessionEntry {
    /// The operator's judgement of a visual test item.
    Judgement {
        /// The item (overall, greyscale, artefacts, uniformity, …).
        item: String,
        /// The pattern shown.
        pattern: String,
        /// What the operator was asked.
        question: String,
        /// Whether the criterion is met.
        passed: bool,
        /// The operator's note.
        note: Option<String>,
        /// When (RFC 3339).
        at: String,
    },
    /// Something that happened to the session itself (resumed, …).
    Note {
        /// What happened.
        text: String,
        /// When (RFC 3339).
        at: String,
    },
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
        /// How the reading settled (repeated until consecutive readings agreed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        settle: Option<Settle>,
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
        /// How the reading settled (repeated until consecutive readings agreed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        settle: Option<Settle>,
        /// When (RFC 3339).
        at: String,
    },
}

impl SessionEntry {
    /// The procedure step this entry completes, if it is a reading: its
    /// [`step_id`], as the plan names it.
    pub fn step(&self) -> Option<String> {
        match self {
            Self::Note { .. } => None,
            Self::Judgement { item, .. } => Some(step_id::visual(item)),
            Self::AmbientLuminance { .. } => Some(step_id::AMBIENT_LUMINANCE.into()),
            Self::Illuminance { .. } => Some(step_id::ILLUMINANCE.into()),
            Self::Response { pattern, .. } => Some(step_id::response(pattern)),
            Self::Uniformity { pattern, position, .. } => {
                Some(step_id::uniformity(pattern, *position))
            }
        }
    }
}

/// Why a session file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SessionWriteError {
    /// The journal could not be created or appended to.
    #[error("{0}; the readings before this one are safe in the file")]
    Journal(#[from] JournalError),
}

/// Appends readings to a session journal, each synced before returning.
pub struct SessionWriter {
    journal: Journal,
    clock: Clock,
}

impl SessionWriter {
    /// Create `path` (which must not exist) and write the header; `clock`
    /// stamps the readings that follow.
    pub fn create(
        path: &Path,
        header: &SessionHeader,
        clock: Clock,
    ) -> Result<Self, SessionWriteError> {
        let body = serde_json::to_value(header).expect("header serialises");
        Ok(Self { journal: Journal::create(path, &body)?, clock })
    }

    /// Continue the session at `path`: verify it, cut off a torn last line
    /// (recording that in the journal), and return it with what it holds.
    pub fn resume(path: &Path, clock: Clock) -> Result<(Self, Session), SessionResumeError> {
        let (journal, verified) = Journal::open_append(path)?;
        let session = Session::from_verified(&verified, path)?;
        let mut writer = Self { journal, clock };
        if verified.torn_tail_bytes > 0 {
            writer.append(&SessionEntry::Note {
                text: format!(
                    "resumed: {} bytes of a reading interrupted while being written were \
                     discarded; that reading is taken again",
                    verified.torn_tail_bytes
                ),
                at: writer.timestamp(),
            })?;
        }
        Ok((writer, session))
    }

    /// Append one reading and sync it to disk.
    pub fn append(&mut self, entry: &SessionEntry) -> Result<(), SessionWriteError> {
        let body = serde_json::to_value(entry).expect("entry serialises");
        Ok(self.journal.append(&body)?)
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        self.journal.path()
    }

    /// Now, as the entries' `at` records it.
    pub fn timestamp(&self) -> String {
        clock::timestamp(self.clock)
    }
}

/// Why a session file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionFileError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}", path = .path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The journal is damaged or was changed.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The journal is sound but its content is not a valid session.
    #[error("{origin}: {problem}")]
    Content {
        /// File and line.
        origin: Origin,
        /// What is wrong.
        problem: String,
    },
}

/// Why a session could not be resumed.
#[derive(Debug, thiserror::Error)]
pub enum SessionResumeError {
    /// The journal is damaged or unreadable.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The journal is sound but its content is not a session.
    #[error(transparent)]
    Content(#[from] SessionFileError),
    /// Recording the resume failed.
    #[error(transparent)]
    Write(#[from] SessionWriteError),
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
    text.starts_with("{\"seq\":0,") && text.lines().next().is_some_and(|l| l.contains(FORMAT))
}

/// Read a session file, verifying its hash chain.
pub fn read(path: &Path) -> Result<Session, SessionFileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| SessionFileError::Io { path: path.to_owned(), source })?;
    parse(&text, path)
}

/// Parse session text; `path` is used in messages.
pub fn parse(text: &str, path: &Path) -> Result<Session, SessionFileError> {
    let verified = journal::verify(text, path)?;
    Session::from_verified(&verified, path)
}

impl Session {
    /// The session held by verified journal lines (a live file or a record's copy).
    pub fn from_verified(
        verified: &journal::Verified,
        path: &Path,
    ) -> Result<Self, SessionFileError> {
        let at = |line: usize| Origin { path: Some(path.to_owned()), line: Some(line) };
        let first = verified.lines.first().ok_or_else(|| SessionFileError::Content {
            origin: at(1),
            problem: "the header line is incomplete; the session never started".into(),
        })?;
        let header: SessionHeader =
            serde_json::from_value(first.body.clone()).map_err(|e| SessionFileError::Content {
                origin: at(1),
                problem: format!("not a monqc session header: {e}"),
            })?;
        if header.format != FORMAT || header.version != VERSION {
            return Err(SessionFileError::Content {
                origin: at(1),
                problem: format!(
                    "format {} version {} is not {FORMAT} version {VERSION}; use the monqc \
                     version that wrote it ({})",
                    header.format, header.version, header.software
                ),
            });
        }
        let entries = verified.lines[1..]
            .iter()
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_value(l.body.clone()).map_err(|e| SessionFileError::Content {
                    origin: at(i + 2),
                    problem: format!("malformed reading: {e}"),
                })
            })
            .collect::<Result<Vec<SessionEntry>, _>>()?;
        let mut warnings = Vec::new();
        if verified.torn_tail_bytes > 0 {
            warnings.push(format!(
                "{}: the last line is incomplete (the session was interrupted while writing \
                 it) and was ignored; `monqc resume` takes that reading again",
                at(verified.lines.len() + 1)
            ));
        }
        Ok(Self { header, entries, warnings })
    }

    /// The steps already done, by [`SessionEntry::step`].
    pub fn steps_done(&self) -> std::collections::BTreeSet<String> {
        self.entries.iter().filter_map(SessionEntry::step).collect()
    }

    /// The measurement set for analysis. When a reading was repeated, the
    /// last one counts (a re-measurement replaces the earlier reading).
    pub fn measurement_set(&self, path: &Path) -> MeasurementSet {
        let mut response: Vec<ResponseReading> = Vec::new();
        let mut uniformity: Vec<UniformityReading> = Vec::new();
        let mut judgements: Vec<Judgement> = Vec::new();
        let mut ambient_luminance = None;
        let mut illuminance = None;
        for (i, e) in self.entries.iter().enumerate() {
            // Header is line 1, entries follow (blank lines are never written).
            let origin = Origin { path: Some(path.to_owned()), line: Some(i + 2) };
            match e {
                SessionEntry::Note { .. } => {}
                SessionEntry::Judgement { item, pattern, question, passed, note, .. } => {
                    judgements.retain(|j| &j.item != item);
                    judgements.push(Judgement {
                        item: item.clone(),
                        pattern: pattern.clone(),
                        question: question.clone(),
                        passed: *passed,
                        note: note.clone(),
                    });
                }
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
            judgements,
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
            display_id: "d1".into(),
            display: "test display".into(),
            operator: "tester".into(),
            rd_cd_m2_per_lx: Some(0.005),
            meter: MeterInfo::default(),
            illuminance_meter: None,
            started: "2026-11-26T00:00:00Z".into(),
        }
    }

    fn fixed_clock() -> chrono::DateTime<chrono::Utc> {
        "2026-11-26T07:00:00.125Z".parse().unwrap()
    }

    fn response(ddl: u16, l: f64) -> SessionEntry {
        SessionEntry::Response {
            pattern: "JIRA-BN".into(),
            ddl,
            luminance_cd_m2: l,
            chromaticity: None,
            raw: String::new(),
            settle: None,
            at: String::new(),
        }
    }

    #[test]
    fn written_readings_read_back_and_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut w = SessionWriter::create(&path, &header(), fixed_clock).unwrap();
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
        assert!(read(&path).unwrap().warnings.is_empty());
        assert!((set.lamb_cd_m2() - 0.2).abs() < 1e-12, "Rd · E = 0.005 · 40");
        assert!(matches!(
            SessionWriter::create(&path, &header(), fixed_clock),
            Err(SessionWriteError::Journal(JournalError::Exists { .. }))
        ));
    }

    #[test]
    fn a_torn_last_line_is_dropped_with_a_warning_and_cut_on_resume() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut w = SessionWriter::create(&path, &header(), fixed_clock).unwrap();
        w.append(&response(0, 0.5)).unwrap();
        drop(w);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"seq\":2,\"prev\":");
        std::fs::write(&path, &text).unwrap();
        let s = read(&path).unwrap();
        assert_eq!(s.entries.len(), 1);
        assert!(s.warnings[0].contains("s.jsonl:3"), "{:?}", s.warnings);
        let (mut w, s) = SessionWriter::resume(&path, fixed_clock).unwrap();
        assert_eq!(s.steps_done().into_iter().collect::<Vec<_>>(), vec!["JIRA-BN".to_string()]);
        w.append(&response(15, 1.0)).unwrap();
        let s = read(&path).unwrap();
        assert!(s.warnings.is_empty());
        assert!(
            matches!(&s.entries[1], SessionEntry::Note { at, .. } if at == "2026-11-26T07:00:00.125Z"),
            "the resume is on record, stamped by the clock given"
        );
        assert_eq!(s.entries.len(), 3);
    }

    #[test]
    fn an_edited_reading_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut w = SessionWriter::create(&path, &header(), fixed_clock).unwrap();
        w.append(&response(0, 0.5)).unwrap();
        w.append(&response(255, 400.0)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap().replace("400.0", "450.0");
        let err = parse(&text, &path).unwrap_err().to_string();
        assert!(err.contains("s.jsonl:3") && err.contains("hash chain is broken"), "{err}");
    }
}
