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
    Ambient, FlagKind, Judgement, LambSource, MeasurementSet, MeterFlag, MeterSetup, Origin,
    Position, ResponseReading, UniformityReading,
};
use crate::numbers::uncertainty::MeterPerformance;
use crate::records::clock::{self, Clock};
use crate::records::confirmation::Confirmation;
use crate::records::journal::{self, Journal, JournalError};
use crate::records::values::{self, ValueError};
use crate::standards::criteria::TestType;
use crate::standards::procedure::step_id;

/// The format name written in every header.
pub const FORMAT: &str = "monqc-session";
/// The format version this build writes. Version 2 added the meter's flags
/// on each reading, the background of a response series, the surface the
/// patterns went out on, the meters' stated performance and the analysis
/// scope; a version-1 session reads as it was written.
pub const VERSION: u32 = 2;
/// The oldest format version this build reads.
pub const OLDEST_VERSION: u32 = 1;

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
    /// What the maker states of the meter's accuracy and repeatability,
    /// as known when the session started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance: Option<MeterPerformance>,
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
    /// The items to judge (`--only`: ids, short names, `visual`); none: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<Vec<String>>,
    /// The site's own tolerance on the change of L'max from the baseline,
    /// in % (site.toml `[constancy] lmax_change_percent`; unsourced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lmax_change_limit_percent: Option<f64>,
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
        /// How the step's physical actions were confirmed (none: journalled
        /// by a monqc that did not record it; empty: nothing physical was needed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirmed: Option<Vec<Confirmation>>,
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
        /// How the step's physical actions were confirmed (none: journalled
        /// by a monqc that did not record it; empty: nothing physical was needed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirmed: Option<Vec<Confirmation>>,
        /// What the meter warned about the reading.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        flags: Vec<MeterFlag>,
        /// When (RFC 3339).
        at: String,
    },
    /// Illuminance at the display face.
    Illuminance {
        /// lx.
        illuminance_lx: f64,
        /// The meter's reply bytes, as text.
        raw: String,
        /// How the step's physical actions were confirmed (none: journalled
        /// by a monqc that did not record it; empty: nothing physical was needed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirmed: Option<Vec<Confirmation>>,
        /// What the meter warned about the reading.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        flags: Vec<MeterFlag>,
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
        /// How the step's physical actions were confirmed (none: journalled
        /// by a monqc that did not record it; empty: nothing physical was needed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirmed: Option<Vec<Confirmation>>,
        /// What the meter warned about the reading (an unsettled reading
        /// carries the `unsettled` flag).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        flags: Vec<MeterFlag>,
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
        /// How the step's physical actions were confirmed (none: journalled
        /// by a monqc that did not record it; empty: nothing physical was needed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirmed: Option<Vec<Confirmation>>,
        /// What the meter warned about the reading (an unsettled reading
        /// carries the `unsettled` flag).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        flags: Vec<MeterFlag>,
        /// When (RFC 3339).
        at: String,
    },
    /// The background DDL of a response series on the background at 20 % of
    /// the maximum luminance, found from the display's own response.
    Background {
        /// The series (`JIRA-BN-L20`).
        series: String,
        /// The background DDL shown with every patch of the series.
        ddl: u16,
        /// The display's maximum luminance it was found from (without
        /// ambient where Lamb was measured), cd/m².
        lmax_cd_m2: f64,
        /// The luminance aimed at, cd/m².
        target_cd_m2: f64,
        /// How it was found.
        method: String,
        /// When (RFC 3339).
        at: String,
    },
    /// What the pattern window put on the screen, when it differs from what
    /// the session asked (a 10-bit session on an 8-bit surface).
    Surface {
        /// Bits per channel the frames went out with.
        output_bits: u8,
        /// The surface format, as the graphics driver names it.
        format: String,
        /// What it means for the readings.
        note: String,
        /// When (RFC 3339).
        at: String,
    },
}

impl SessionEntry {
    /// How this step's physical actions were confirmed: `None` for a note,
    /// and for a step journalled by a monqc that did not record it.
    pub fn confirmed(&self) -> Option<&[Confirmation]> {
        match self {
            Self::Note { .. } | Self::Surface { .. } => None,
            // Found from the journal: nothing physical was needed.
            Self::Background { .. } => Some(&[]),
            Self::Judgement { confirmed, .. }
            | Self::AmbientLuminance { confirmed, .. }
            | Self::Illuminance { confirmed, .. }
            | Self::Response { confirmed, .. }
            | Self::Uniformity { confirmed, .. } => confirmed.as_deref(),
        }
    }

    /// The procedure step this entry completes, if it is a reading: its
    /// [`step_id`], as the plan names it.
    pub fn step(&self) -> Option<String> {
        match self {
            Self::Note { .. } | Self::Surface { .. } => None,
            Self::Background { series, .. } => Some(step_id::background(series)),
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
#[non_exhaustive]
pub enum SessionWriteError {
    /// A reading could not be appended; the file keeps the ones before it.
    #[error("{0}; the readings before this one are safe in the file")]
    Journal(#[from] JournalError),
    /// A value that cannot be right was refused before it was journalled.
    #[error("{0}; it was not written to the session file")]
    Value(Box<ValueError>),
    /// The session file could not be made: nothing was measured yet.
    #[error("cannot start the session file: {0}; nothing was measured or written yet")]
    Create(Box<JournalError>),
}

// Boxed: keeps the error small enough to pass by value (clippy's
// result_large_err) through the rig's `Interrupted` error.
impl From<ValueError> for SessionWriteError {
    fn from(e: ValueError) -> Self {
        Self::Value(Box::new(e))
    }
}

/// Appends readings to a session journal, each synced before returning.
pub struct SessionWriter {
    journal: Journal,
    clock: Clock,
    /// Every entry in the journal, so a step can read what earlier ones
    /// measured (the background of a JIRA BN L20 series).
    entries: Vec<SessionEntry>,
}

impl SessionWriter {
    /// Create `path` (which must not exist) and write the header; `clock`
    /// stamps the readings that follow.
    pub fn create(
        path: &Path,
        header: &SessionHeader,
        clock: Clock,
    ) -> Result<Self, SessionWriteError> {
        values::header(header)?;
        let body = serde_json::to_value(header).expect("header serialises");
        let journal =
            Journal::create(path, &body).map_err(|e| SessionWriteError::Create(Box::new(e)))?;
        Ok(Self { journal, clock, entries: Vec::new() })
    }

    /// Continue the session at `path`: verify it, cut off a torn last line,
    /// and return it with what it holds. Every resume is journalled (REDTEAM
    /// W7): how many lines the journal held and the hash of the last, and
    /// how many bytes of a torn line were cut, so lines removed from the end
    /// before a resume leave a trace in the record (see [`resume_note`]).
    pub fn resume(path: &Path, clock: Clock) -> Result<(Self, Session), SessionResumeError> {
        let (journal, verified) = Journal::open_append(path)?;
        let session = Session::from_verified(&verified, path)?;
        values::session(&session, path)?;
        let mut writer = Self { journal, clock, entries: session.entries.clone() };
        writer
            .append(&SessionEntry::Note { text: resume_note(&verified), at: writer.timestamp() })?;
        Ok((writer, session))
    }

    /// Append one reading and sync it to disk.
    pub fn append(&mut self, entry: &SessionEntry) -> Result<(), SessionWriteError> {
        // The DDL's range is checked when the session is read (the header
        // holds the bit depth); every number is checked here.
        values::entry(entry, 16)?;
        let body = serde_json::to_value(entry).expect("entry serialises");
        self.journal.append(&body)?;
        self.entries.push(entry.clone());
        Ok(())
    }

    /// The entries in the journal, the ones of earlier runs included.
    pub fn entries(&self) -> &[SessionEntry] {
        &self.entries
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

/// The note a resume journals: `resumed after N lines (last line hash H)`
/// and, when a torn line was cut, `; B bytes of a reading interrupted while
/// being written were discarded and that reading is taken again`.
pub fn resume_note(verified: &journal::Verified) -> String {
    let mut text = format!(
        "resumed after {} lines (last line hash {})",
        verified.lines.len(),
        verified.head()
    );
    if verified.torn_tail_bytes > 0 {
        text.push_str(&format!(
            "; {} bytes of a reading interrupted while being written were discarded and that \
             reading is taken again",
            verified.torn_tail_bytes
        ));
    }
    text
}

/// A session's identity: the hash of its first journal line (the header,
/// which holds the display, the meters and the start time to the
/// millisecond). Two files with the same identity hold the same session,
/// whatever they are called; a copy renamed is still the same session, and
/// two sessions that share a file name are not (REDTEAM W1).
pub fn identity(verified: &journal::Verified) -> Option<&str> {
    verified.lines.first().map(|l| l.hash.as_str())
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

/// Parse session text and check its values ([`values::session`]); `path`
/// is used in messages.
pub fn parse(text: &str, path: &Path) -> Result<Session, SessionFileError> {
    let verified = journal::verify(text, path)?;
    let session = Session::from_verified(&verified, path)?;
    values::session(&session, path)?;
    Ok(session)
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
        if header.format != FORMAT || !(OLDEST_VERSION..=VERSION).contains(&header.version) {
            return Err(SessionFileError::Content {
                origin: at(1),
                problem: format!(
                    "format {} version {} is not {FORMAT} version {OLDEST_VERSION} to \
                     {VERSION}; use the monqc version that wrote it ({})",
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
        let mut on_background: Vec<ResponseReading> = Vec::new();
        let mut uniformity: Vec<UniformityReading> = Vec::new();
        let mut judgements: Vec<Judgement> = Vec::new();
        let mut ambient_luminance = None;
        let mut illuminance = None;
        let (mut background_ddl, mut shown_bits) = (None, None);
        // A reading that did not settle carries the flag (journals written
        // before flags were journalled say so only in `settle`).
        let with_settle = |flags: &[MeterFlag], settle: &Option<Settle>| {
            let mut flags = flags.to_vec();
            if settle.is_some_and(|s| !s.converged)
                && !flags.iter().any(|f| f.kind == FlagKind::Unsettled)
            {
                flags.push(MeterFlag {
                    kind: FlagKind::Unsettled,
                    words: "consecutive readings did not agree".into(),
                });
            }
            flags
        };
        for (i, e) in self.entries.iter().enumerate() {
            // Header is line 1, entries follow (blank lines are never written).
            let origin = Origin { path: Some(path.to_owned()), line: Some(i + 2) };
            match e {
                SessionEntry::Note { .. } => {}
                SessionEntry::Surface { output_bits, .. } => shown_bits = Some(*output_bits),
                SessionEntry::Background { ddl, .. } => background_ddl = Some(*ddl),
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
                SessionEntry::AmbientLuminance { luminance_cd_m2, flags, .. } => {
                    ambient_luminance = Some((*luminance_cd_m2, flags.clone()))
                }
                SessionEntry::Illuminance { illuminance_lx, flags, .. } => {
                    illuminance = Some((*illuminance_lx, flags.clone()))
                }
                SessionEntry::Response {
                    pattern,
                    ddl,
                    luminance_cd_m2,
                    chromaticity,
                    settle,
                    flags,
                    ..
                } => {
                    let series = if step_id::on_background(pattern) {
                        &mut on_background
                    } else {
                        &mut response
                    };
                    series.retain(|r| r.ddl != *ddl);
                    series.push(ResponseReading {
                        ddl: *ddl,
                        luminance_cd_m2: *luminance_cd_m2,
                        chromaticity: *chromaticity,
                        flags: with_settle(flags, settle),
                        origin,
                    });
                }
                SessionEntry::Uniformity {
                    position,
                    ddl,
                    luminance_cd_m2,
                    chromaticity,
                    settle,
                    flags,
                    ..
                } => {
                    // One reading per position of each field: a field at
                    // another DDL (TG18-UN10 beside UN80) is kept apart.
                    uniformity.retain(|u| u.position != *position || u.ddl != *ddl);
                    uniformity.push(UniformityReading {
                        position: *position,
                        ddl: *ddl,
                        luminance_cd_m2: *luminance_cd_m2,
                        chromaticity: *chromaticity,
                        flags: with_settle(flags, settle),
                    });
                }
            }
        }
        response.sort_by_key(|r| r.ddl);
        on_background.sort_by_key(|r| r.ddl);
        uniformity.sort_by_key(|u| (std::cmp::Reverse(u.ddl), u.position));
        let h = &self.header;
        // A display-off luminance reading is Lamb itself; otherwise derive it
        // from the illuminance and Rd (IEC 62563-1 Annex B; AAPM TG18).
        let (ambient, ambient_flags) = match (ambient_luminance, illuminance, h.rd_cd_m2_per_lx) {
            (Some((l, flags)), e, _) => (
                Some(Ambient {
                    lamb_cd_m2: l,
                    source: LambSource::MeasuredDisplayOff,
                    illuminance_lx: e.map(|(e, _)| e),
                }),
                flags,
            ),
            (None, Some((e, flags)), Some(rd)) => (
                Some(Ambient {
                    lamb_cd_m2: rd * e,
                    source: LambSource::DiffuseReflection { rd_cd_m2_per_lx: rd },
                    illuminance_lx: Some(e),
                }),
                flags,
            ),
            _ => (None, Vec::new()),
        };
        // The meter that read the illuminance: the separate one, else the
        // luminance meter in its illuminance mode.
        let illuminance_meter =
            h.illuminance_meter.as_ref().unwrap_or(&h.meter).performance.clone();
        MeasurementSet {
            source: Some(path.to_owned()),
            setup: h.setup,
            ambient,
            bit_depth: h.bit_depth,
            response,
            uniformity,
            judgements,
            ambient_flags,
            response_on_background: on_background,
            background_ddl,
            luminance_meter: h.meter.performance.clone(),
            illuminance_meter,
            shown_bits,
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
            only: None,
            lmax_change_limit_percent: None,
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
            confirmed: None,
            flags: Vec::new(),
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
            confirmed: None,
            flags: Vec::new(),
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
            Err(SessionWriteError::Create(e)) if matches!(*e, JournalError::Exists { .. })
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
            matches!(&s.entries[1], SessionEntry::Note { at, text } if at == "2026-11-26T07:00:00.125Z"
                && text.starts_with("resumed after 2 lines (last line hash ")
                && text.contains("; 16 bytes of a reading interrupted")),
            "the resume is on record, stamped by the clock given: {:?}",
            s.entries[1]
        );
        assert_eq!(s.entries.len(), 3);
    }

    /// REDTEAM D7: a NaN reading was journalled as `null` and the session
    /// could never be read again. Now it is refused before it is written.
    #[test]
    fn impossible_values_are_never_journalled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut w = SessionWriter::create(&path, &header(), fixed_clock).unwrap();
        for bad in [response(0, f64::NAN), response(0, -219.4), response(0, f64::INFINITY)] {
            let err = w.append(&bad).unwrap_err().to_string();
            assert!(err.contains("it was not written"), "{err}");
        }
        let ill = SessionEntry::Illuminance {
            illuminance_lx: -50.0,
            raw: String::new(),
            confirmed: None,
            flags: Vec::new(),
            at: String::new(),
        };
        assert!(w.append(&ill).unwrap_err().to_string().contains("cannot be negative"));
        w.append(&response(0, 0.5)).unwrap();
        let s = read(&path).unwrap();
        assert_eq!(s.entries.len(), 1, "only the good reading is in the file");
    }

    /// REDTEAM C2 and W5: a header with 40 bits per DDL or a negative Rd.
    #[test]
    fn a_header_that_cannot_be_right_is_refused_when_written_and_when_read() {
        let dir = tempfile::tempdir().unwrap();
        for (h, want) in [
            (SessionHeader { bit_depth: 40, ..header() }, "bit_depth 40: use 8 or 10"),
            (
                SessionHeader { rd_cd_m2_per_lx: Some(-1.0), ..header() },
                "Rd -1: Rd must be above 0",
            ),
        ] {
            let path = dir.path().join(format!("{}.jsonl", h.bit_depth));
            let err = SessionWriter::create(&path, &h, fixed_clock).err().unwrap().to_string();
            assert!(err.contains(want), "{err}");
            // The same header written by hand (a crafted or foreign file).
            let body = serde_json::to_value(&h).unwrap();
            drop(Journal::create(&path, &body).unwrap());
            let err = read(&path).unwrap_err().to_string();
            assert!(err.contains(":1: ") && err.contains(want), "{err}");
            assert!(SessionWriter::resume(&path, fixed_clock).is_err());
            std::fs::remove_file(&path).unwrap();
        }
    }

    #[test]
    fn every_resume_is_journalled_with_what_it_saw() {
        // REDTEAM W7: lines cut off the end before a resume leave a trace.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut w = SessionWriter::create(&path, &header(), fixed_clock).unwrap();
        for ddl in [0, 15, 30] {
            w.append(&response(ddl, 1.0 + f64::from(ddl))).unwrap();
        }
        drop(w);
        let text = std::fs::read_to_string(&path).unwrap();
        let cut: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        std::fs::write(&path, &cut).unwrap();
        let (w, s) = SessionWriter::resume(&path, fixed_clock).unwrap();
        drop(w);
        assert_eq!(s.entries.len(), 1);
        let after = read(&path).unwrap();
        let SessionEntry::Note { text, .. } = &after.entries[1] else {
            panic!("{:?}", after.entries)
        };
        assert!(text.starts_with("resumed after 2 lines (last line hash "), "{text}");
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

    /// Journals written before confirmations were recorded read as "not
    /// recorded"; new entries keep theirs, and an empty list (nothing
    /// physical needed) is kept apart from a missing one.
    #[test]
    fn confirmations_are_an_addition_old_entries_read_without_them() {
        use crate::records::confirmation::{Action, ConfirmedBy};
        let old = r#"{"kind":"response","pattern":"JIRA-BN01","ddl":0,"luminance_cd_m2":0.5,"chromaticity":null,"raw":"","at":"t"}"#;
        let e: SessionEntry = serde_json::from_str(old).unwrap();
        assert_eq!(e.confirmed(), None);
        assert_eq!(serde_json::to_string(&e).unwrap(), old, "an old entry writes back as it was");
        let place = Confirmation {
            action: Action::PlaceMeter,
            position: Some(Position::Centre),
            by: ConfirmedBy::OperatorAtTerminal,
        };
        let new = SessionEntry::AmbientLuminance {
            luminance_cd_m2: 0.2,
            raw: String::new(),
            confirmed: Some(vec![place]),
            flags: Vec::new(),
            at: "t".into(),
        };
        let text = serde_json::to_string(&new).unwrap();
        assert!(text.contains(r#""confirmed":[{"action":"place-meter","position":"centre","by":"operator-at-terminal"}]"#), "{text}");
        let back: SessionEntry = serde_json::from_str(&text).unwrap();
        assert_eq!(back.confirmed(), Some(&[place][..]));
        let none_needed = SessionEntry::Illuminance {
            illuminance_lx: 1.0,
            raw: String::new(),
            confirmed: Some(Vec::new()),
            flags: Vec::new(),
            at: "t".into(),
        };
        let text = serde_json::to_string(&none_needed).unwrap();
        assert!(text.contains(r#""confirmed":[]"#), "{text}");
        assert_eq!(serde_json::from_str::<SessionEntry>(&text).unwrap().confirmed(), Some(&[][..]));
    }
}
