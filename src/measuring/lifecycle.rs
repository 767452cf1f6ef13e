//! A test session from start to record: its id and journal header, its
//! plan, and finalising it into a record against the right baseline.
//!
//! The steps between (opening the meters, walking the plan) are the
//! [`Rig`](crate::measuring::rig::Rig)'s; who answers the operator's
//! questions is the caller's choice.

use std::path::{Path, PathBuf};

use crate::numbers::measurement::MeterSetup;
use crate::records::SOFTWARE;
use crate::records::clock::{self, Clock};
use crate::records::record::{self, Finalising, IndexEntry, Record, RecordError};
use crate::records::session::{
    self, MeterInfo, Session, SessionHeader, SessionResumeError, SessionWriteError, SessionWriter,
};
use crate::records::store::{Store, StoreError};
use crate::standards::analysis::{AnalysisOptions, Outcome};
use crate::standards::criteria::{Criteria, CriteriaError, TestType};
use crate::standards::procedure::{PlannedStep, Procedure, ProcedureError};

/// What a new session is about: everything its header records besides the
/// meters and the start time.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSession {
    /// Standard id.
    pub standard: String,
    /// Grade id (any case; recorded in lower case).
    pub grade: String,
    /// Test type.
    pub test: TestType,
    /// How the meter looks at the display.
    pub setup: MeterSetup,
    /// Bits per DDL of the patterns.
    pub bit_depth: u8,
    /// The display's id in the site configuration.
    pub display_id: String,
    /// Display identification (maker, model, serial, location).
    pub display: String,
    /// Who runs the session.
    pub operator: String,
    /// The display's Rd, cd·m⁻²·lx⁻¹, when Lamb is to be derived from the
    /// illuminance.
    pub rd_cd_m2_per_lx: Option<f64>,
    /// The items to judge (`--only`); none: all.
    pub only: Option<Vec<String>>,
    /// The site's own tolerance on the change of L'max from the baseline, %.
    pub lmax_change_limit_percent: Option<f64>,
}

/// The id of a new session: `prefix` and the time, to the millisecond
/// (`rr1-acceptance-20261126T070045.222Z`). It names the journal file.
pub fn session_id(prefix: &str, clock: Clock) -> String {
    format!("{prefix}-{}", clock().format("%Y%m%dT%H%M%S%.3fZ"))
}

/// Why a new session's journal could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The id cannot be a file name (a display id such as `../x`).
    #[error(transparent)]
    Id(#[from] StoreError),
    /// The journal could not be created.
    #[error(transparent)]
    Write(#[from] SessionWriteError),
}

/// Start the journal of a new session with `header` in `store`, under `id`
/// or, when another process started a session under that id in the same
/// millisecond, under `id-2`, `id-3`, … (REDTEAM D1: the journal is created
/// exclusively, so a collision never touches the other process's file).
/// Returns the id used and the writer.
pub fn create_session(
    store: &Store,
    id: &str,
    header: &SessionHeader,
    clock: Clock,
) -> Result<(String, SessionWriter), StartError> {
    let mut n = 1;
    loop {
        let candidate = if n == 1 { id.to_string() } else { format!("{id}-{n}") };
        let path = store.checked_session_path(&candidate)?;
        match SessionWriter::create(&path, header, clock) {
            Ok(writer) => return Ok((candidate, writer)),
            Err(SessionWriteError::Create(e))
                if n < 100
                    && matches!(*e, crate::records::journal::JournalError::Exists { .. }) =>
            {
                n += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// What resuming a session found.
pub enum Resumed {
    /// The session was finalised already (perhaps just before a crash, in
    /// which case its record is now listed): nothing is written to it.
    Finalised {
        /// The record id.
        id: String,
        /// The record.
        record: Box<Record>,
    },
    /// The session continues: its journal is open, the resume journalled.
    Continue {
        /// Appends the readings still to take.
        writer: SessionWriter,
        /// What the journal held.
        session: Box<Session>,
    },
}

/// Why a session could not be resumed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// Its record cannot be looked up (or the file is not that record's session).
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The journal cannot be continued.
    #[error(transparent)]
    Journal(#[from] SessionResumeError),
}

/// Resume the session journalled at `path`: a session already finalised
/// (found by its content, not its file name) is shown, never written to;
/// otherwise its journal is opened, a torn last line cut, and the resume
/// journalled with the count of lines it found.
pub fn resume(store: &Store, path: &Path, clock: Clock) -> Result<Resumed, ResumeError> {
    if let Some((id, record)) = record::record_of_session(store, path)? {
        return Ok(Resumed::Finalised { id, record: Box::new(record) });
    }
    let (writer, session) = SessionWriter::resume(path, clock)?;
    Ok(Resumed::Continue { writer, session: Box::new(session) })
}

/// The journal header of a new session, started now by `clock`.
pub fn header(
    session: NewSession,
    meter: MeterInfo,
    illuminance_meter: Option<MeterInfo>,
    clock: Clock,
) -> SessionHeader {
    SessionHeader {
        format: session::FORMAT.into(),
        version: session::VERSION,
        software: SOFTWARE.into(),
        standard: session.standard,
        grade: session.grade.to_ascii_lowercase(),
        test: session.test,
        setup: session.setup,
        bit_depth: session.bit_depth,
        display_id: session.display_id,
        display: session.display,
        operator: session.operator,
        rd_cd_m2_per_lx: session.rd_cd_m2_per_lx,
        meter,
        illuminance_meter,
        started: clock::timestamp(clock),
        only: session.only,
        lmax_change_limit_percent: session.lmax_change_limit_percent,
    }
}

/// How the session with `header` is judged: its grade and test, the visual
/// items its procedure asks for, its `--only` and the site's L'max-change
/// tolerance, by the current rules.
pub fn analysis_options(header: &SessionHeader) -> AnalysisOptions {
    AnalysisOptions {
        visual_items: Procedure::built_in(&header.standard, header.test)
            .map(|p| p.visual_items())
            .unwrap_or_default(),
        only: header.only.clone(),
        lmax_change_limit_percent: header.lmax_change_limit_percent,
        ..AnalysisOptions::new(header.grade.clone(), header.test)
    }
}

/// The steps of the session with `header`: its standard's procedure for its
/// test, set-up and bit depth. `judge` false leaves out the visual items.
pub fn plan(header: &SessionHeader, judge: bool) -> Result<Vec<PlannedStep>, ProcedureError> {
    Ok(Procedure::built_in(&header.standard, header.test)?.plan(
        header.setup,
        header.bit_depth,
        judge,
    ))
}

/// Why a record cannot be a constancy test's baseline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// The record cannot be found or read.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The record is of another display.
    #[error(
        "record {record} is of display {theirs}, not {ours}: a constancy test is compared \
         with its own display's acceptance record; `monqc history {ours}` lists them"
    )]
    OtherDisplay {
        /// The record.
        record: String,
        /// Its display.
        theirs: String,
        /// The session's display.
        ours: String,
    },
    /// The record is not an acceptance test.
    #[error(
        "record {record} is a {test} test: the baseline (基準値) is taken from the display's \
         accepted state, an acceptance test that passed"
    )]
    NotAcceptance {
        /// The record.
        record: String,
        /// Its test.
        test: TestType,
    },
    /// The acceptance test did not pass.
    #[error(
        "record {record} is an acceptance test that did not pass ({why}): a display is \
         compared with the state in which it was accepted; repeat the acceptance test first"
    )]
    NotPassed {
        /// The record.
        record: String,
        /// Its verdict, and what was not judged.
        why: String,
    },
}

/// Whether `record` can be a baseline for `header`'s display.
fn check_baseline(id: &str, record: &Record, header: &SessionHeader) -> Result<(), BaselineError> {
    let theirs = record.session()?.header.display_id;
    if theirs != header.display_id {
        return Err(BaselineError::OtherDisplay {
            record: id.into(),
            theirs,
            ours: header.display_id.clone(),
        });
    }
    let a = &record.analysis;
    if a.test != TestType::Acceptance {
        return Err(BaselineError::NotAcceptance { record: id.into(), test: a.test });
    }
    // Records finalised before INCOMPLETE existed say PASS with items not
    // evaluated: they are no accepted state either.
    let unjudged: Vec<&str> = a
        .verdicts
        .iter()
        .filter(|v| !v.optional && v.result != Outcome::Pass && v.result != Outcome::Fail)
        .map(|v| v.item.id())
        .collect();
    if a.overall != Outcome::Pass || !unjudged.is_empty() {
        let why = if unjudged.is_empty() {
            format!("overall {}", a.overall.word())
        } else {
            format!("{} not judged", unjudged.join(", "))
        };
        return Err(BaselineError::NotPassed { record: id.into(), why });
    }
    Ok(())
}

/// The record a session is compared with: for a constancy test, `chosen`
/// (a record id or unique prefix), which must be an acceptance test of the
/// same display that passed, or else the display's latest such record; none
/// for other tests, or when the display has none. Call it before measuring,
/// so a wrong `--baseline` costs no readings.
pub fn choose_baseline(
    store: &Store,
    header: &SessionHeader,
    chosen: Option<&str>,
) -> Result<Option<String>, BaselineError> {
    if header.test != TestType::Constancy {
        return Ok(None);
    }
    if let Some(b) = chosen {
        let id = record::resolve(store, b)?;
        let rec = record::load(store, &id)?;
        check_baseline(&id, &rec, header)?;
        return Ok(Some(id));
    }
    let candidates: Vec<IndexEntry> = record::index(store)?
        .into_iter()
        .rev()
        .filter(|e| {
            e.display_id == header.display_id
                && e.test == TestType::Acceptance
                && e.overall == Outcome::Pass
        })
        .collect();
    for e in candidates {
        let rec = record::load(store, &e.record)?;
        if check_baseline(&e.record, &rec, header).is_ok() {
            return Ok(Some(e.record));
        }
    }
    Ok(None)
}

/// Why a session could not be finalised.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FinaliseError {
    /// The session's standard has no criteria table.
    #[error(transparent)]
    Criteria(#[from] CriteriaError),
    /// The baseline record cannot be read.
    #[error(transparent)]
    Baseline(#[from] RecordError),
    /// The baseline record cannot be a baseline.
    #[error(transparent)]
    NotABaseline(#[from] BaselineError),
    /// The record could not be made; the journal keeps every reading.
    #[error(
        "every reading of session {session} is kept in {path}; once the cause is fixed, \
         finalise it with: monqc resume {session}",
        path = .path.display()
    )]
    Record {
        /// The session id.
        session: String,
        /// Its journal.
        path: PathBuf,
        /// Why.
        source: Box<RecordError>,
    },
}

/// Finalise the session journalled at `path` (with `header`) into a record
/// in `store`, judged against its standard's built-in criteria and, for a
/// constancy test, the record `baseline` (see [`choose_baseline`]).
/// Finalising a session again returns the record already made.
pub fn finalise(
    store: &Store,
    path: &Path,
    header: &SessionHeader,
    baseline: Option<&str>,
    clock: Clock,
) -> Result<(String, Record), FinaliseError> {
    let criteria = Criteria::built_in_for(&header.standard)?;
    let baseline_record = baseline.map(|id| record::load(store, id)).transpose()?;
    if let (Some(id), Some(rec)) = (baseline, baseline_record.as_ref()) {
        check_baseline(id, rec, header)?;
    }
    let session = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    record::finalise(
        store,
        Finalising {
            session_path: path,
            by: &header.operator,
            software: SOFTWARE,
            criteria: &criteria,
            options: analysis_options(header),
            baseline: baseline.zip(baseline_record.as_ref()),
            clock,
        },
    )
    .map_err(|source| FinaliseError::Record {
        session,
        path: path.to_owned(),
        source: Box::new(source),
    })
}
