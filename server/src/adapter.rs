//! The server's one door to the monqc library (and its leaf crates).
//!
//! Every use of `monqc`, `monqc_reports` and `monqc_drivers` in the server is
//! in this file, so when the library's module paths or record format change
//! only this file follows. Nothing here re-implements a check: the server
//! rebuilds the part of a workstation's data directory a record needs in a
//! scratch directory (the record, its baseline, the workstation's record
//! index, its amendments) and calls the library's own `verify`, `index`,
//! `load` and `amendments` on it, exactly as `monqc verify` does on the
//! workstation.
//!
//! What the rest of the server sees are plain types defined here
//! ([`RecordFacts`], [`RecordView`], [`Check`], [`IndexLine`], …) and the
//! server's own vocabulary ([`TestKind`], [`Verdict`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use monqc::measuring::lifecycle::{self, NewSession};
use monqc::measuring::prompts::{Instruction, Language};
use monqc::measuring::rig::{self, SiteMeter};
use monqc::measuring::sequence::{
    self, Console, Judged, Meters, Operator, Presence, Question, SequenceError,
};
use monqc::measuring::simulated_display::{DisplayModel, Panel, SimulatedDisplay};
use monqc::numbers::measurement::MeterSetup;
use monqc::office::report::{self, ReportInputs};
use monqc::office::site::Facility;
use monqc::records::confirmation::ConfirmedBy;
use monqc::records::journal::Line;
use monqc::records::record::{self, IndexEntry};
use monqc::records::session::{MeterInfo, SessionEntry};
use monqc::records::store::Store;
use monqc::standards::analysis::{Outcome, format_value};
use monqc::standards::criteria::{Criteria, TestType};
use monqc::standards::procedure::Procedure;
use monqc_drivers::SimulatedPhotometer;
use monqc_reports::{Lang, PdfWriter};
use serde::Serialize;

/// Why the library could not do what the server asked.
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    /// The scratch directory could not be written.
    #[error("scratch directory {path}: {source}", path = .path.display())]
    Scratch {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The library refused (a damaged chain, a record it cannot read, …).
    #[error("{0}")]
    Library(String),
}

fn lib(e: impl std::fmt::Display) -> AdapterError {
    AdapterError::Library(e.to_string())
}

/// The software name and version written into records the server makes
/// (only the simulated fleet).
pub fn software() -> String {
    format!("monqc {}", env!("CARGO_PKG_VERSION"))
}

/// The kind of test, in the server's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestKind {
    /// At installation, after repair or change.
    Acceptance,
    /// Periodic, against the baseline.
    Constancy,
    /// The visual check on each day of use.
    Daily,
}

impl TestKind {
    /// Every kind, in the order pages list them.
    pub const ALL: [TestKind; 3] = [Self::Acceptance, Self::Constancy, Self::Daily];

    /// The word stored in the database.
    pub fn id(self) -> &'static str {
        match self {
            Self::Acceptance => "acceptance",
            Self::Constancy => "constancy",
            Self::Daily => "daily",
        }
    }

    /// Parse [`TestKind::id`].
    pub fn from_id(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == s)
    }

    fn from_lib(t: TestType) -> Self {
        match t {
            TestType::Acceptance => Self::Acceptance,
            TestType::Constancy => Self::Constancy,
            TestType::Daily => Self::Daily,
        }
    }

    fn to_lib(self) -> TestType {
        match self {
            Self::Acceptance => TestType::Acceptance,
            Self::Constancy => TestType::Constancy,
            Self::Daily => TestType::Daily,
        }
    }
}

/// A record's overall verdict, in the server's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every criterion met.
    Pass,
    /// A criterion failed.
    Fail,
    /// An item met its limit on readings the meter flagged (the library's
    /// "unconfirmed"; items only, never a record's overall verdict).
    Unconfirmed,
    /// Something could not be judged: an item "not evaluated", or a record
    /// whose required items were not all judged (the library's INCOMPLETE,
    /// exit code 3 of `monqc`).
    Incomplete,
}

impl Verdict {
    /// The word stored in the database.
    pub fn id(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Unconfirmed => "unconfirmed",
            Self::Incomplete => "incomplete",
        }
    }

    /// Parse [`Verdict::id`].
    pub fn from_id(s: &str) -> Option<Self> {
        [Self::Pass, Self::Fail, Self::Unconfirmed, Self::Incomplete]
            .into_iter()
            .find(|v| v.id() == s)
    }

    fn from_lib(o: Outcome) -> Self {
        match o {
            Outcome::Pass => Self::Pass,
            Outcome::Fail => Self::Fail,
            Outcome::Unconfirmed => Self::Unconfirmed,
            Outcome::NotEvaluated | Outcome::Incomplete => Self::Incomplete,
        }
    }
}

/// Whether the test procedures shipped with the library define `test` for
/// `standard` (what a display under that standard must have done).
pub fn procedure_defines(standard: &str, test: TestKind) -> bool {
    // Parsing a procedure file per display would dominate the overview
    // page: every built-in standard's answer is worked out once.
    static DEFINED: OnceLock<Vec<(String, TestKind)>> = OnceLock::new();
    DEFINED
        .get_or_init(|| {
            Criteria::built_in()
                .iter()
                .flat_map(|c| TestKind::ALL.map(|t| (c.standard.id.clone(), t)))
                .filter(|(s, t)| Procedure::built_in(s, t.to_lib()).is_ok())
                .collect()
        })
        .iter()
        .any(|(s, t)| *t == test && s.eq_ignore_ascii_case(standard))
}

/// A standard the library knows.
#[derive(Clone, Debug, PartialEq)]
pub struct StandardChoice {
    /// Id (`jesra-x0093`, …).
    pub id: String,
    /// Name and edition as printed.
    pub name: String,
    /// Its grades: (id, name as printed).
    pub grades: Vec<(String, String)>,
}

/// The standards the library knows, with their grades.
pub fn standards() -> Vec<StandardChoice> {
    Criteria::built_in()
        .into_iter()
        .map(|c| StandardChoice {
            grades: c.grades.iter().map(|g| (g.id.clone(), g.name.clone())).collect(),
            id: c.standard.id,
            name: c.standard.name,
        })
        .collect()
}

/// One check made by the library's `verify`.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
    /// Detail.
    pub detail: String,
}

/// A limit a trend figure draws (from the record's own verdicts).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct TrendLimit {
    /// `lmax`, `luminance-ratio` or `kdelta`.
    pub item: String,
    /// `≥`, `>`, `≤` or `<`.
    pub comparison: String,
    /// The limit in the item's unit.
    pub value: f64,
}

/// What the server files a record under: all read from the record itself
/// (never from what a client says about it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordFacts {
    /// The display's id on its workstation.
    pub display_id: String,
    /// The display as the session describes it (maker, model, serial, location).
    pub display_description: String,
    /// Standard id.
    pub standard: String,
    /// Grade id.
    pub grade: String,
    /// Test type.
    pub test: TestKind,
    /// Overall verdict.
    pub overall: Verdict,
    /// When the test was done: the session's start (RFC 3339, as written).
    pub performed_at: String,
    /// When the record was finalised (RFC 3339).
    pub finalised_at: String,
    /// The operator named in the session.
    pub operator: String,
    /// The session journal's file name.
    pub session_file: String,
    /// The baseline record (constancy).
    pub baseline: Option<String>,
    /// L'max, cd/m².
    pub lmax_cd_m2: Option<f64>,
    /// r'.
    pub luminance_ratio: Option<f64>,
    /// Kδ, %.
    pub kdelta_percent: Option<f64>,
    /// Uniformity, %.
    pub uniformity_percent: Option<f64>,
    /// The limits of L'max, r' and Kδ this record was judged against.
    pub limits: Vec<TrendLimit>,
}

/// One line of a workstation's record index, as pushed.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexLine {
    /// 0-based position in the chain.
    pub seq: u64,
    /// The previous line's hash.
    pub prev: String,
    /// This line's hash.
    pub hash: String,
    /// The record it lists (none for the header line).
    pub record: Option<String>,
    /// What the line says about the record (none for the header line).
    pub says: Option<IndexSays>,
    /// An amendment anchor: the record whose amendment chain now ends at
    /// the line with this hash.
    pub anchors: Option<(String, String)>,
}

/// What an index line says about its record, to compare with the record.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexSays {
    /// Display id.
    pub display_id: String,
    /// Test.
    pub test: TestKind,
    /// Overall verdict.
    pub overall: Verdict,
    /// When finalised.
    pub finalised_at: String,
    /// The session file.
    pub session: String,
}

/// Parse one pushed index line (the chain itself is checked by
/// [`Scratch::check_index`], which reads the whole file with the library).
/// Lines of the other kinds the index holds (an amendment's anchor, a
/// signing key, a repair note) list no record; the library checks them when
/// it reads the index.
pub fn parse_index_line(text: &str) -> Result<IndexLine, AdapterError> {
    let line: Line =
        serde_json::from_str(text).map_err(|e| lib(format!("not a record index line: {e}")))?;
    let kind = line.body.get("kind").and_then(serde_json::Value::as_str);
    let (record, says) = if line.seq == 0 || kind.is_some() {
        (None, None)
    } else {
        let e: IndexEntry = serde_json::from_value(line.body.clone())
            .map_err(|e| lib(format!("index line {}: not a record entry: {e}", line.seq)))?;
        let says = IndexSays {
            display_id: e.display_id,
            test: TestKind::from_lib(e.test),
            overall: Verdict::from_lib(e.overall),
            finalised_at: e.finalised_at,
            session: e.session,
        };
        (Some(e.record), Some(says))
    };
    let anchors = (kind == Some("amendment"))
        .then(|| {
            let record = line.body.get("record")?.as_str()?;
            let head = line.body.get("head")?.as_str()?;
            Some((record.to_string(), head.to_string()))
        })
        .flatten();
    Ok(IndexLine { seq: line.seq, prev: line.prev, hash: line.hash, record, says, anchors })
}

/// One pushed amendment line: its position and hash.
pub fn parse_amendment_line(text: &str) -> Result<(u64, String), AdapterError> {
    let line: Line = serde_json::from_str(text)
        .map_err(|e| lib(format!("not an amendment journal line: {e}")))?;
    Ok((line.seq, line.hash))
}

/// The baseline a record names, read without trusting anything else in it
/// (so the scratch directory can hold the baseline before `verify` runs).
pub fn baseline_named(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Peek {
        baseline_record: Option<String>,
    }
    serde_json::from_slice::<Peek>(bytes).ok()?.baseline_record
}

/// The hex SHA-256 the library names records by.
pub fn content_hash(bytes: &[u8]) -> String {
    monqc::numbers::digest::sha256_hex(bytes)
}

/// A workstation's data directory, rebuilt in a scratch directory from what
/// the server holds, so the library's checks run on it unchanged.
pub struct Scratch {
    _dir: tempfile::TempDir,
    store: Store,
}

impl Scratch {
    /// A fresh, empty data directory under `parent` (the system's temporary
    /// directory when none).
    pub fn new(parent: Option<&Path>) -> Result<Self, AdapterError> {
        let dir = match parent {
            Some(p) => tempfile::Builder::new().prefix("monqc-verify-").tempdir_in(p),
            None => tempfile::Builder::new().prefix("monqc-verify-").tempdir(),
        }
        .map_err(|source| AdapterError::Scratch {
            path: parent.map_or_else(std::env::temp_dir, Path::to_path_buf),
            source,
        })?;
        let store = Store::open(dir.path()).map_err(lib)?;
        Ok(Self { _dir: dir, store })
    }

    fn write(&self, path: PathBuf, bytes: &[u8]) -> Result<(), AdapterError> {
        std::fs::write(&path, bytes).map_err(|source| AdapterError::Scratch { path, source })
    }

    fn lines(lines: &[String]) -> Vec<u8> {
        let mut text = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        for l in lines {
            text.extend_from_slice(l.as_bytes());
            text.push(b'\n');
        }
        text
    }

    /// Put record `id` in with exactly `bytes`.
    pub fn put_record(&self, id: &str, bytes: &[u8]) -> Result<(), AdapterError> {
        self.write(self.store.record_path(id), bytes)
    }

    /// Put the record index in, one journal line per element.
    pub fn put_index(&self, lines: &[String]) -> Result<(), AdapterError> {
        self.write(self.store.index_path(), &Self::lines(lines))
    }

    /// Put record `id`'s amendments in, one journal line per element.
    pub fn put_amendments(&self, id: &str, lines: &[String]) -> Result<(), AdapterError> {
        if lines.is_empty() {
            return Ok(());
        }
        self.write(self.store.amendments_path(id), &Self::lines(lines))
    }

    /// The library's record index read back: checks the whole chain.
    pub fn check_index(&self) -> Result<usize, AdapterError> {
        record::index(&self.store).map(|e| e.len()).map_err(lib)
    }

    /// `monqc verify` on record `id`: its content hash, its journal's chain,
    /// its criteria table, the analysis recomputed from its readings, its
    /// place in the index and its amendments' chain.
    pub fn verify(&self, id: &str) -> Result<Vec<Check>, AdapterError> {
        let checks = record::verify(&self.store, id).map_err(lib)?;
        Ok(checks.into_iter().map(|c| Check { what: c.what, ok: c.ok, detail: c.detail }).collect())
    }

    /// The facts the server files record `id` under.
    pub fn facts(&self, id: &str) -> Result<RecordFacts, AdapterError> {
        let r = record::load(&self.store, id).map_err(lib)?;
        let session = r.session().map_err(lib)?;
        let h = &session.header;
        let a = &r.analysis;
        let limits = a
            .verdicts
            .iter()
            .filter(|v| {
                matches!(
                    v.item,
                    monqc::standards::criteria::Item::Lmax
                        | monqc::standards::criteria::Item::LuminanceRatio
                        | monqc::standards::criteria::Item::Kdelta
                )
            })
            .map(|v| TrendLimit {
                item: v.item.id().into(),
                comparison: v.comparison.symbol().into(),
                value: v.limit,
            })
            .collect();
        Ok(RecordFacts {
            display_id: h.display_id.clone(),
            display_description: h.display.clone(),
            standard: h.standard.clone(),
            grade: h.grade.clone(),
            test: TestKind::from_lib(a.test),
            overall: Verdict::from_lib(a.overall),
            performed_at: h.started.clone(),
            finalised_at: r.finalised_at.clone(),
            operator: h.operator.clone(),
            session_file: r.session_file.clone(),
            baseline: r.baseline_record.clone(),
            lmax_cd_m2: a.lmax_cd_m2,
            luminance_ratio: a.luminance_ratio,
            kdelta_percent: a.kdelta_percent,
            uniformity_percent: a.uniformity_percent,
            limits,
        })
    }

    /// Everything a record's page shows.
    pub fn view(&self, id: &str) -> Result<RecordView, AdapterError> {
        let r = record::load(&self.store, id).map_err(lib)?;
        let session = r.session().map_err(lib)?;
        let h = session.header.clone();
        let a = &r.analysis;
        let verdicts = a
            .verdicts
            .iter()
            .map(|v| VerdictRow {
                item: v.item.id().into(),
                label: v.label.clone(),
                value: v.value.map(|x| format_value(x, &v.unit)),
                limit: format!("{} {}", v.comparison.symbol(), format_value(v.limit, &v.unit)),
                clause: v.clause.clone(),
                basis: serde_plain(&v.basis),
                result: Verdict::from_lib(v.result),
                reason: v.reason.clone(),
            })
            .collect();
        let visual = a
            .visual
            .iter()
            .map(|j| VisualRow {
                item: j.item.clone(),
                pattern: j.pattern.clone(),
                question: j.question.clone(),
                passed: j.passed,
                note: j.note.clone(),
            })
            .collect();
        let readings = session.entries.iter().map(reading_row).collect();
        let meter = |m: &MeterInfo| {
            let mut s = format!("{} {}", m.vendor, m.model);
            if let Some(serial) = &m.serial {
                s.push_str(&format!(" #{serial}"));
            }
            if let Some(d) = &m.calibration_date {
                s.push_str(&format!(" (cal. {d})"));
            }
            s
        };
        let amendments = record::amendments(&self.store, id)
            .map_err(lib)?
            .into_iter()
            .map(|a| AmendmentView {
                who: a.who,
                at: a.at,
                why: a.why,
                field: a.field,
                value: a.value,
            })
            .collect();
        Ok(RecordView {
            display_id: h.display_id.clone(),
            display: h.display.clone(),
            standard: a.standard.clone(),
            grade: a.grade.clone(),
            test: TestKind::from_lib(a.test),
            setup: serde_plain(&a.setup),
            operator: h.operator.clone(),
            meter: meter(&h.meter),
            illuminance_meter: h.illuminance_meter.as_ref().map(meter),
            started: h.started.clone(),
            finalised_at: r.finalised_at.clone(),
            finalised_by: r.finalised_by.clone(),
            software: r.software.clone(),
            session_file: r.session_file.clone(),
            criteria: format!("{} (SHA-256 {})", r.criteria.origin, r.criteria.sha256),
            baseline: r.baseline_record.clone(),
            overall: Verdict::from_lib(a.overall),
            verdicts,
            visual,
            readings,
            amendments,
        })
    }

    /// The record's PDF report in `lang` (`ja` or `en`), exactly as
    /// `monqc report` makes it on the workstation from the same data
    /// directory: history from this index, the workstation's facility.
    pub fn report_pdf(
        &self,
        id: &str,
        lang: &str,
        facility: (&str, &str),
    ) -> Result<Vec<u8>, AdapterError> {
        let rec = record::load(&self.store, id).map_err(lib)?;
        let amendments = record::amendments(&self.store, id).map_err(lib)?;
        let display = rec.session().map_err(lib)?.header.display_id;
        let mut history: Vec<_> = record::index(&self.store)
            .map_err(lib)?
            .into_iter()
            .filter(|e| e.display_id == display)
            .collect();
        if let Some(pos) = history.iter().position(|e| e.record == id) {
            history.truncate(pos + 1);
        }
        let facility = Facility { name: facility.0.into(), department: facility.1.into() };
        let doc = report::build(&ReportInputs {
            record_id: id,
            record: &rec,
            amendments: &amendments,
            history: &history,
            facility: Some(&facility),
            lang: if lang == "ja" { Lang::Ja } else { Lang::En },
        })
        .map_err(lib)?;
        let options = report::pdf_options(id, &rec, &software());
        pdf_writer()?.write(&doc, &options).map_err(lib)
    }
}

/// Parsing the report font takes tens of milliseconds: once per process.
fn pdf_writer() -> Result<&'static PdfWriter, AdapterError> {
    static WRITER: OnceLock<Result<PdfWriter, String>> = OnceLock::new();
    WRITER
        .get_or_init(|| PdfWriter::new().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| lib(e.clone()))
}

fn serde_plain<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// A record as its page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct RecordView {
    /// Display id.
    pub display_id: String,
    /// Display description.
    pub display: String,
    /// Standard name as printed.
    pub standard: String,
    /// Grade id.
    pub grade: String,
    /// Test.
    pub test: TestKind,
    /// Meter set-up.
    pub setup: String,
    /// Operator.
    pub operator: String,
    /// Luminance meter.
    pub meter: String,
    /// Illuminance meter.
    pub illuminance_meter: Option<String>,
    /// Session start.
    pub started: String,
    /// Finalised at.
    pub finalised_at: String,
    /// Finalised by.
    pub finalised_by: String,
    /// Software.
    pub software: String,
    /// Session file name.
    pub session_file: String,
    /// Criteria origin and hash.
    pub criteria: String,
    /// Baseline record.
    pub baseline: Option<String>,
    /// Overall verdict.
    pub overall: Verdict,
    /// The verdict table.
    pub verdicts: Vec<VerdictRow>,
    /// Visual judgements.
    pub visual: Vec<VisualRow>,
    /// Raw readings in the order taken.
    pub readings: Vec<ReadingRow>,
    /// Amendments, oldest first.
    pub amendments: Vec<AmendmentView>,
}

/// One row of a verdict table.
#[derive(Clone, Debug, Serialize)]
pub struct VerdictRow {
    /// Item id (`lmax`, …).
    pub item: String,
    /// The library's label (English, with symbol).
    pub label: String,
    /// Measured value with unit.
    pub value: Option<String>,
    /// Limit with comparison and unit.
    pub limit: String,
    /// Clause.
    pub clause: String,
    /// standard / secondary / provisional.
    pub basis: String,
    /// Result.
    pub result: Verdict,
    /// Why not evaluated, or a note.
    pub reason: Option<String>,
}

/// One visual judgement.
#[derive(Clone, Debug, Serialize)]
pub struct VisualRow {
    /// Item.
    pub item: String,
    /// Pattern.
    pub pattern: String,
    /// Question asked.
    pub question: String,
    /// Met.
    pub passed: bool,
    /// Note.
    pub note: Option<String>,
}

/// One raw reading or event of the session journal.
#[derive(Clone, Debug, Serialize)]
pub struct ReadingRow {
    /// Kind of entry.
    pub kind: String,
    /// Pattern, position or item.
    pub what: String,
    /// DDL, when a level was shown.
    pub ddl: Option<u16>,
    /// Value with unit, or the judgement.
    pub value: String,
    /// The meter's reply as kept.
    pub raw: String,
    /// When.
    pub at: String,
}

/// One amendment.
#[derive(Clone, Debug, Serialize)]
pub struct AmendmentView {
    /// Who.
    pub who: String,
    /// When.
    pub at: String,
    /// Why.
    pub why: String,
    /// Field.
    pub field: String,
    /// New value.
    pub value: String,
}

fn reading_row(e: &SessionEntry) -> ReadingRow {
    let lum = |v: f64| format_value(v, "cd/m²");
    let xy = |c: &Option<monqc::numbers::colour::Chromaticity>| {
        c.map(|c| format!(" (x {:.4}, y {:.4})", c.x, c.y)).unwrap_or_default()
    };
    let row = |kind: &str, what: String, ddl, value: String, raw: &str, at: &str| ReadingRow {
        kind: kind.into(),
        what,
        ddl,
        value,
        raw: raw.trim_end().into(),
        at: at.into(),
    };
    match e {
        SessionEntry::Judgement { item, pattern, passed, note, at, .. } => row(
            "judgement",
            format!("{item} ({pattern})"),
            None,
            format!(
                "{}{}",
                if *passed { "pass" } else { "FAIL" },
                note.as_deref().map(|n| format!(": {n}")).unwrap_or_default()
            ),
            "",
            at,
        ),
        SessionEntry::Note { text, at } => row("note", text.clone(), None, String::new(), "", at),
        SessionEntry::AmbientLuminance { luminance_cd_m2, raw, flags, at, .. } => row(
            "ambient-luminance",
            "Lamb".into(),
            None,
            format!("{}{}", lum(*luminance_cd_m2), flagged(flags)),
            raw,
            at,
        ),
        SessionEntry::Illuminance { illuminance_lx, raw, flags, at, .. } => row(
            "illuminance",
            "E".into(),
            None,
            format!("{illuminance_lx:.1} lx{}", flagged(flags)),
            raw,
            at,
        ),
        SessionEntry::Response {
            pattern,
            ddl,
            luminance_cd_m2,
            chromaticity,
            raw,
            flags,
            at,
            ..
        } => row(
            "response",
            pattern.clone(),
            Some(*ddl),
            format!("{}{}{}", lum(*luminance_cd_m2), xy(chromaticity), flagged(flags)),
            raw,
            at,
        ),
        SessionEntry::Uniformity {
            pattern,
            position,
            ddl,
            luminance_cd_m2,
            chromaticity,
            raw,
            flags,
            at,
            ..
        } => row(
            "uniformity",
            format!("{pattern} {position}"),
            Some(*ddl),
            format!("{}{}{}", lum(*luminance_cd_m2), xy(chromaticity), flagged(flags)),
            raw,
            at,
        ),
        SessionEntry::Background { series, ddl, lmax_cd_m2, target_cd_m2, method, at } => row(
            "background",
            series.clone(),
            Some(*ddl),
            format!("{} (L'max {}; {method})", lum(*target_cd_m2), lum(*lmax_cd_m2)),
            "",
            at,
        ),
        SessionEntry::Surface { output_bits, format, note, at } => {
            row("surface", format!("{format}, {output_bits} bit"), None, note.clone(), "", at)
        }
    }
}

/// A reading's meter flags, for the value column: none, or each in brackets.
fn flagged(flags: &[monqc::numbers::measurement::MeterFlag]) -> String {
    flags.iter().map(|f| format!(" [{f}]")).collect()
}

// ---------------------------------------------------------------------------
// The simulated fleet: real records made by the library's simulated bench.
// ---------------------------------------------------------------------------

/// One simulated test on one display, finalised into a record in a
/// workstation's data directory.
#[derive(Clone, Debug)]
pub struct SimulatedTest {
    /// Display id.
    pub display_id: String,
    /// Display description for the session header.
    pub description: String,
    /// Standard id.
    pub standard: String,
    /// Grade id.
    pub grade: String,
    /// Test.
    pub test: TestKind,
    /// When the session started (its readings follow from there).
    pub started: chrono::DateTime<chrono::Utc>,
    /// Operator.
    pub operator: String,
    /// The panel's own L'max, cd/m² (ageing lowers it).
    pub lmax_cd_m2: f64,
    /// The panel's own L'min, cd/m².
    pub lmin_cd_m2: f64,
    /// A gamma 2.2 panel instead of a GSDF-calibrated one (fails Kδ).
    pub uncalibrated: bool,
    /// The operator's answer to every visual question.
    pub visual_pass: bool,
    /// Noise seed.
    pub seed: u64,
}

/// The simulated fleet's visual judgements: every item answered `pass` (or
/// `fail`), recorded as given by a script ([`ConfirmedBy::AnswersFile`]),
/// never as a person's.
struct Answering(bool);

impl Operator for Answering {
    fn presence(&self) -> Presence {
        Presence::Unattended { by: ConfirmedBy::AnswersFile }
    }

    fn instruct(
        &mut self,
        instruction: &Instruction,
        _: Option<&dyn Console>,
    ) -> Result<ConfirmedBy, SequenceError> {
        Err(SequenceError::Input(format!(
            "the simulated fleet has no person for: {}",
            instruction.text(Language::En)
        )))
    }

    fn judge(
        &mut self,
        _: &Question<'_>,
        _: Option<&dyn Console>,
    ) -> Result<Judged, SequenceError> {
        Ok(Judged {
            passed: self.0,
            note: (!self.0).then(|| "simulated finding".to_string()),
            by: ConfirmedBy::AnswersFile,
        })
    }
}

thread_local! {
    /// The simulated bench's clock: the time the next stamp reads.
    static SIM_NOW: std::cell::Cell<chrono::DateTime<chrono::Utc>> =
        const { std::cell::Cell::new(chrono::DateTime::UNIX_EPOCH) };
}

/// The library's [`Clock`](monqc::records::clock::Clock) for the simulated
/// fleet: each reading of it is seven seconds after the one before, from the
/// start [`simulate`] sets, as a person at a bench would take them.
fn sim_clock() -> chrono::DateTime<chrono::Utc> {
    SIM_NOW.with(|now| {
        let t = now.get();
        now.set(t + chrono::Duration::seconds(7));
        t
    })
}

/// Run `t` on the simulated bench (simulated display, ideal simulated
/// meters) as `monqc run` does on a workstation: the library's session
/// header, plan, walk, baseline choice and finalising, with a clock that
/// starts at `t.started`. A constancy test is judged against the display's
/// latest acceptance record that passed (none: the record is incomplete).
/// Returns the record id.
pub fn simulate(data_dir: &Path, t: &SimulatedTest) -> Result<String, AdapterError> {
    let store = Store::open(data_dir).map_err(lib)?;
    let setup = MeterSetup::Telescopic;
    let model = DisplayModel {
        panel: if t.uncalibrated { Panel::Gamma22 } else { Panel::Gsdf },
        lmax_cd_m2: t.lmax_cd_m2,
        lmin_cd_m2: t.lmin_cd_m2,
        seed: t.seed,
        ..DisplayModel::default()
    };
    let display = Arc::new(SimulatedDisplay::new(model.clone(), setup));
    let mut luminance = SimulatedPhotometer::new(Arc::clone(&display), t.seed.wrapping_add(1));
    luminance.noise_relative = 0.001;
    let mut illuminance = SimulatedPhotometer::new(Arc::clone(&display), t.seed.wrapping_add(2));
    let measured = t.test != TestKind::Daily;
    let (meter, illuminance_meter) = if measured {
        (
            rig::meter_info("sim", &mut luminance, SiteMeter::default()).map_err(lib)?,
            Some(rig::meter_info("sim", &mut illuminance, SiteMeter::default()).map_err(lib)?),
        )
    } else {
        (MeterInfo { selector: "none".into(), ..MeterInfo::default() }, None)
    };
    SIM_NOW.with(|now| now.set(t.started));
    let header = lifecycle::header(
        NewSession {
            standard: t.standard.clone(),
            grade: t.grade.clone(),
            test: t.test.to_lib(),
            setup,
            bit_depth: model.bit_depth,
            display_id: t.display_id.clone(),
            display: t.description.clone(),
            operator: t.operator.clone(),
            rd_cd_m2_per_lx: None,
            only: None,
            lmax_change_limit_percent: None,
        },
        meter,
        illuminance_meter,
        sim_clock,
    );
    let baseline = lifecycle::choose_baseline(&store, &header, None).map_err(lib)?;
    let plan = lifecycle::plan(&header, true).map_err(lib)?;
    let prefix = format!("{}-{}", t.display_id, t.test.id());
    let (session_id, mut writer) = lifecycle::create_session(
        &store,
        &lifecycle::session_id(&prefix, || SIM_NOW.with(|now| now.get())),
        &header,
        sim_clock,
    )
    .map_err(lib)?;
    let meters = Meters { luminance: &mut luminance, illuminance: Some(&mut illuminance) };
    sequence::run(
        &plan,
        &Default::default(),
        &*display,
        meters,
        &mut Answering(t.visual_pass),
        &mut writer,
        &mut |_| {},
    )
    .map_err(lib)?;
    drop(writer);
    let path = store.session_path(&session_id);
    let (id, _) =
        lifecycle::finalise(&store, &path, &header, baseline.as_deref(), sim_clock).map_err(lib)?;
    Ok(id)
}

/// Append an amendment to record `id` in `data_dir` (the simulated fleet's
/// corrections, made as `monqc amend` makes them).
pub fn amend(
    data_dir: &Path,
    id: &str,
    who: &str,
    at: chrono::DateTime<chrono::Utc>,
    field: &str,
    value: &str,
    why: &str,
) -> Result<(), AdapterError> {
    let store = Store::open(data_dir).map_err(lib)?;
    let amendment = record::Amendment {
        who: who.into(),
        at: stamp(at),
        why: why.into(),
        field: field.into(),
        value: value.into(),
    };
    record::amend(&store, id, &amendment).map_err(lib)
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A workstation's data directory as `monqc push` reads it.
pub struct WorkstationDir {
    store: Store,
}

impl WorkstationDir {
    /// Open `root`.
    pub fn open(root: &Path) -> Result<Self, AdapterError> {
        Ok(Self { store: Store::open(root).map_err(lib)? })
    }

    /// The record index file's lines (checked with the library first).
    pub fn index_lines(&self) -> Result<Vec<String>, AdapterError> {
        record::index(&self.store).map_err(lib)?;
        let path = self.store.index_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text.lines().map(str::to_string).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(AdapterError::Scratch { path, source }),
        }
    }

    /// Record `id`'s file.
    pub fn record_path(&self, id: &str) -> PathBuf {
        self.store.record_path(id)
    }

    /// Record `id`'s amendments file.
    pub fn amendments_path(&self, id: &str) -> PathBuf {
        self.store.amendments_path(id)
    }

    /// Record `id`'s amendment lines (none when it has no amendments).
    pub fn amendment_lines(&self, id: &str) -> Result<Vec<String>, AdapterError> {
        // The library reads the chain first: a damaged file is not pushed.
        record::amendments(&self.store, id).map_err(lib)?;
        let path = self.store.amendments_path(id);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text.lines().map(str::to_string).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(AdapterError::Scratch { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acceptance(dir: &Path) -> String {
        simulate(
            dir,
            &SimulatedTest {
                display_id: "d1".into(),
                description: "test display".into(),
                standard: "jesra-x0093".into(),
                grade: "1a".into(),
                test: TestKind::Acceptance,
                started: chrono::DateTime::parse_from_rfc3339("2025-04-01T09:00:00Z")
                    .unwrap()
                    .with_timezone(&chrono::Utc),
                operator: "sim".into(),
                lmax_cd_m2: 400.0,
                lmin_cd_m2: 0.55,
                uncalibrated: false,
                visual_pass: true,
                seed: 7,
            },
        )
        .unwrap()
    }

    #[test]
    fn a_simulated_record_verifies_in_a_scratch_copy_and_a_changed_byte_does_not() {
        let ws = tempfile::tempdir().unwrap();
        let id = acceptance(ws.path());
        let dir = WorkstationDir::open(ws.path()).unwrap();
        let bytes = std::fs::read(dir.record_path(&id)).unwrap();
        let index = dir.index_lines().unwrap();
        assert_eq!(index.len(), 2);

        let scratch = Scratch::new(None).unwrap();
        scratch.put_record(&id, &bytes).unwrap();
        scratch.put_index(&index).unwrap();
        let checks = scratch.verify(&id).unwrap();
        assert!(checks.iter().all(|c| c.ok), "{checks:?}");
        let facts = scratch.facts(&id).unwrap();
        assert_eq!(facts.performed_at, "2025-04-01T09:00:00.000Z");
        assert_eq!((facts.test, facts.overall), (TestKind::Acceptance, Verdict::Pass));
        assert_eq!(facts.limits.len(), 3);

        let mut changed = bytes.clone();
        let at = changed.len() / 2;
        changed[at] ^= 1;
        let scratch = Scratch::new(None).unwrap();
        scratch.put_record(&id, &changed).unwrap();
        scratch.put_index(&index).unwrap();
        let checks = scratch.verify(&id).unwrap();
        assert!(!checks[0].ok, "content hash must fail: {checks:?}");
    }

    #[test]
    fn index_lines_parse_with_their_record() {
        let ws = tempfile::tempdir().unwrap();
        let id = acceptance(ws.path());
        let lines = WorkstationDir::open(ws.path()).unwrap().index_lines().unwrap();
        let header = parse_index_line(&lines[0]).unwrap();
        assert_eq!((header.seq, header.record), (0, None));
        let entry = parse_index_line(&lines[1]).unwrap();
        assert_eq!(entry.record.as_deref(), Some(id.as_str()));
        assert_eq!(entry.prev, header.hash);
        assert!(parse_index_line("{}").is_err());
    }
}
