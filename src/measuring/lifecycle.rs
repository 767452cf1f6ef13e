//! A test session from start to record: its id and journal header, its
//! plan, and finalising it into a record against the right baseline.
//!
//! The steps between (opening the meters, walking the plan) are the
//! [`Rig`](crate::measuring::rig::Rig)'s; who answers the operator's
//! questions is the caller's choice.

use std::path::{Path, PathBuf};

use crate::numbers::contrast_response::JndInverse;
use crate::numbers::measurement::MeterSetup;
use crate::records::SOFTWARE;
use crate::records::clock::{self, Clock};
use crate::records::record::{self, Finalising, Record, RecordError};
use crate::records::session::{self, MeterInfo, SessionHeader};
use crate::records::store::Store;
use crate::standards::analysis::AnalysisOptions;
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
}

/// The id of a new session: `prefix` and the time, to the millisecond
/// (`rr1-acceptance-20261126T070045.222Z`). It names the journal file.
pub fn session_id(prefix: &str, clock: Clock) -> String {
    format!("{prefix}-{}", clock().format("%Y%m%dT%H%M%S%.3fZ"))
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

/// The record a session is compared with: for a constancy test, `chosen`
/// (a record id or unique prefix) or else the display's latest acceptance
/// record; none for other tests, or when the display has no acceptance
/// record yet.
pub fn choose_baseline(
    store: &Store,
    header: &SessionHeader,
    chosen: Option<&str>,
) -> Result<Option<String>, RecordError> {
    Ok(match (header.test, chosen) {
        (TestType::Constancy, Some(b)) => Some(record::resolve(store, b)?),
        (TestType::Constancy, None) => record::index(store)?
            .into_iter()
            .rev()
            .find(|e| e.display_id == header.display_id && e.test == TestType::Acceptance)
            .map(|e| e.record),
        _ => None,
    })
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
    let session = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    record::finalise(
        store,
        Finalising {
            session_path: path,
            by: &header.operator,
            software: SOFTWARE,
            criteria: &criteria,
            options: AnalysisOptions {
                grade: header.grade.clone(),
                test: header.test,
                expected_contrast: None,
                jnd_inverse: JndInverse::Exact,
            },
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
