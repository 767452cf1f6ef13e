//! A test session driven through the library alone, as `monqc run` and
//! `monqc resume` drive it but without the binary: open the meters on the
//! simulated bench, write the header, walk the plan, choose the baseline,
//! finalise; and a session cut off by a pulled cable, resumed and
//! finalised once.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use monqc::measuring::lifecycle::{self, FinaliseError, NewSession};
use monqc::measuring::prompts::Instruction;
use monqc::measuring::rig::{Rig, RigError, SimSettings};
use monqc::measuring::sequence::{Console, Judged, Operator, Presence, Question, SequenceError};
use monqc::measuring::simulated_display::DisplayModel;
use monqc::numbers::measurement::MeterSetup;
use monqc::office::report;
use monqc::records::confirmation::ConfirmedBy;
use monqc::records::record;
use monqc::records::session::{SessionHeader, SessionWriter};
use monqc::records::store::Store;
use monqc::standards::analysis::Outcome;
use monqc::standards::criteria::TestType;
use monqc_drivers::twin::Fault;
use monqc_reports::Lang;

/// A person at the terminal who fails the visual item `fails`, if any, and
/// passes the rest.
struct AtTerminal {
    fails: Option<&'static str>,
}

impl Operator for AtTerminal {
    fn presence(&self) -> Presence {
        Presence::Person
    }
    fn instruct(
        &mut self,
        _: &Instruction,
        _: Option<&dyn Console>,
    ) -> Result<ConfirmedBy, SequenceError> {
        Ok(ConfirmedBy::OperatorAtTerminal)
    }
    fn judge(
        &mut self,
        question: &Question<'_>,
        _: Option<&dyn Console>,
    ) -> Result<Judged, SequenceError> {
        let passed = self.fails != Some(question.item);
        Ok(Judged { passed, note: Some("seen".into()), by: ConfirmedBy::OperatorAtTerminal })
    }
}

fn at_nine() -> DateTime<Utc> {
    "2026-11-26T09:00:00.125Z".parse().unwrap()
}

fn at_ten() -> DateTime<Utc> {
    "2026-11-26T10:00:00.250Z".parse().unwrap()
}

/// Open the rig and start the session: what `monqc run` does before walking.
fn start(
    store: &Store,
    display_id: &str,
    test: TestType,
    meter: &str,
    fault: Fault,
    clock: fn() -> DateTime<Utc>,
) -> (Rig, SessionHeader, SessionWriter) {
    let id = lifecycle::session_id(&format!("{display_id}-{test}"), clock);
    let sim = SimSettings::for_session(Some(DisplayModel::default()), 0.02, fault, &id);
    let mut rig = Rig::open(meter, Some("sim"), MeterSetup::Contact, 8, &sim, None).unwrap();
    let site = monqc::measuring::rig::SiteMeter {
        serial: None,
        calibration_date: Some("2026-04-01".into()),
    };
    let (meter, illuminance) =
        rig.meter_infos(meter, site, Some("sim"), Default::default()).unwrap();
    let new = NewSession {
        standard: "jesra-x0093".into(),
        grade: "1A".into(),
        test,
        setup: MeterSetup::Contact,
        bit_depth: 8,
        display_id: display_id.into(),
        display: "EIZO, RX660".into(),
        operator: "Keiko Tanaka".into(),
        rd_cd_m2_per_lx: Some(0.005),
        only: None,
        lmax_change_limit_percent: None,
    };
    let header = lifecycle::header(new, meter, illuminance, clock);
    let writer = SessionWriter::create(&store.session_path(&id), &header, clock).unwrap();
    (rig, header, writer)
}

fn walk_all(rig: &mut Rig, header: &SessionHeader, writer: &mut SessionWriter) -> Vec<String> {
    let plan = lifecycle::plan(header, true).unwrap();
    let mut ran = Vec::new();
    rig.walk(&plan, &BTreeSet::new(), &mut AtTerminal { fails: None }, writer, &mut |s| {
        ran.push(s.id)
    })
    .unwrap();
    ran
}

#[test]
fn acceptance_then_constancy_against_it_without_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();

    let (mut rig, header, mut writer) =
        start(&store, "rr1", TestType::Acceptance, "sim", Fault::None, at_nine);
    assert_eq!(header.started, "2026-11-26T09:00:00.125Z");
    assert_eq!(header.grade, "1a", "grades are recorded in lower case");
    assert_eq!(header.software, format!("monqc {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(header.meter.calibration_date.as_deref(), Some("2026-04-01"));
    let ran = walk_all(&mut rig, &header, &mut writer);
    assert_eq!(
        ran.len(),
        48,
        "5 visual items, illuminance, BN01–BN18, the 20 % background and BN01–BN18 on it, \
         5 uniformity points: {ran:?}"
    );
    drop(rig);
    let path = writer.path().to_path_buf();
    assert_eq!(
        lifecycle::choose_baseline(&store, &header, None).unwrap(),
        None,
        "an acceptance test has no baseline"
    );
    let (acceptance, rec) = lifecycle::finalise(&store, &path, &header, None, at_nine).unwrap();
    assert_eq!(rec.finalised_at, "2026-11-26T09:00:00.125Z");
    assert_eq!(rec.analysis.overall, Outcome::Pass);
    assert!(record::verify(&store, &acceptance).unwrap().iter().all(|c| c.ok));
    // Its report, from the library: one language at a time, the same bytes every time.
    let en = report::document(&store, &acceptance, &rec, Lang::En).unwrap();
    assert_eq!(en.title, "Acceptance test report");
    let text = serde_json::to_string(&en).unwrap();
    for phrase in ["Maximum luminance L'max", "Ambient luminance Lamb", "Tested by"] {
        assert!(text.contains(phrase), "{phrase}");
    }
    let ja = serde_json::to_string(&report::document(&store, &acceptance, &rec, Lang::Ja).unwrap());
    let ja = ja.unwrap();
    for phrase in ["最大輝度 L'max", "環境光輝度 Lamb", "確認者"] {
        assert!(ja.contains(phrase), "{phrase}");
    }
    let pdf = report::pdf(&store, &acceptance, Lang::Ja).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(pdf, report::pdf(&store, &acceptance, Lang::Ja).unwrap());

    // A constancy test is held to the display's latest acceptance record…
    let (mut rig, header, mut writer) =
        start(&store, "rr1", TestType::Constancy, "sim", Fault::None, at_ten);
    walk_all(&mut rig, &header, &mut writer);
    drop(rig);
    let baseline = lifecycle::choose_baseline(&store, &header, None).unwrap();
    assert_eq!(baseline.as_deref(), Some(acceptance.as_str()));
    // …or to the one named, by a unique prefix.
    assert_eq!(
        lifecycle::choose_baseline(&store, &header, Some(&acceptance[..12])).unwrap(),
        baseline
    );
    let (constancy, rec) =
        lifecycle::finalise(&store, writer.path(), &header, baseline.as_deref(), at_ten).unwrap();
    assert_eq!(rec.baseline_record.as_deref(), Some(acceptance.as_str()));
    let against = rec.analysis.baseline.as_ref().expect("compared with the baseline");
    assert!(against.lmax_change_percent.abs() < 2.0, "{}", against.lmax_change_percent);
    assert!(record::verify(&store, &constancy).unwrap().iter().all(|c| c.ok));

    // Another display has no acceptance record to compare with.
    let other = SessionHeader { display_id: "rr2".into(), ..header };
    assert_eq!(lifecycle::choose_baseline(&store, &other, None).unwrap(), None);
}

#[test]
fn a_pulled_cable_keeps_the_readings_and_the_session_resumes_and_finalises_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // The LS-100 twin speaks its protocol over a pseudo-terminal; its cable
    // is pulled when the 5th reading starts.
    let (mut rig, header, mut writer) =
        start(&store, "rr1", TestType::Acceptance, "sim-ls100", Fault::HangUpAtReading(5), at_nine);
    let plan = lifecycle::plan(&header, true).unwrap();
    let err = rig.walk(
        &plan,
        &BTreeSet::new(),
        &mut AtTerminal { fails: None },
        &mut writer,
        &mut |_| {},
    );
    let err = err.expect_err("the cable was pulled");
    let path = writer.path().to_path_buf();
    let session = path.file_stem().unwrap().to_string_lossy().into_owned();
    assert!(matches!(err, RigError::Interrupted { .. }), "{err}");
    assert!(
        err.to_string().ends_with(&format!("continue it with: monqc resume {session}")),
        "{err}"
    );
    drop((rig, writer));

    // Resume: what is in the journal is not asked for again.
    let (mut writer, read) = SessionWriter::resume(&path, at_ten).unwrap();
    let done = read.steps_done();
    assert!(!done.is_empty() && done.len() < plan.len(), "{done:?}");
    let sim = SimSettings::for_session(Some(DisplayModel::default()), 0.02, Fault::None, &session);
    let mut rig = Rig::open("sim-ls100", Some("sim"), MeterSetup::Contact, 8, &sim, None).unwrap();
    let mut ran = 0;
    rig.walk(&plan, &done, &mut AtTerminal { fails: None }, &mut writer, &mut |_| ran += 1)
        .unwrap();
    assert_eq!(ran + done.len(), plan.len());
    drop((rig, writer));
    let (id, rec) = lifecycle::finalise(&store, &path, &read.header, None, at_ten).unwrap();
    // The LS-100 reads no colour: the chromaticity item is not judged, and
    // the test is INCOMPLETE (判定保留), not PASS.
    assert_eq!(rec.analysis.overall, Outcome::Incomplete);
    let missing: Vec<&str> = rec.analysis.not_judged.iter().map(|n| n.item.as_str()).collect();
    assert_eq!(missing, ["chromaticity-uniformity"]);
    // Its readings carry the LS-100's stated accuracy, so each luminance
    // figure carries its uncertainty.
    let lmax = rec.analysis.verdicts.iter().find(|v| v.item.id() == "lmax").unwrap();
    assert!(lmax.uncertainty.is_some_and(|u| u.expanded > 0.0), "{lmax:?}");
    // Finalising again (a crash after the record was written) gives the same record.
    let (again, _) = lifecycle::finalise(&store, &path, &read.header, None, at_ten).unwrap();
    assert_eq!(again, id);
    assert_eq!(record::index(&store).unwrap().len(), 1);
}

#[test]
fn a_session_that_cannot_be_finalised_says_how_to_finish_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (mut rig, header, mut writer) =
        start(&store, "rr1", TestType::Acceptance, "sim", Fault::None, at_nine);
    walk_all(&mut rig, &header, &mut writer);
    let path = writer.path().to_path_buf();
    drop((rig, writer));
    // A reading torn by a crash at the end of the journal.
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"seq\":30,\"prev\":\"ab");
    std::fs::write(&path, text).unwrap();
    let err = lifecycle::finalise(&store, &path, &header, None, at_nine).unwrap_err();
    let session = Path::new(&path).file_stem().unwrap().to_string_lossy().into_owned();
    assert!(matches!(err, FinaliseError::Record { .. }), "{err}");
    assert!(
        err.to_string().ends_with(&format!("finalise it with: monqc resume {session}")),
        "{err}"
    );
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert!(cause.contains("the last reading is incomplete"), "{cause}");
    assert!(record::index(&store).unwrap().is_empty(), "no record was made");
}

/// REDTEAM W4: the baseline of a constancy test is an acceptance test of
/// the same display that passed; anything else is refused by name, before
/// a reading is taken, and the automatic choice skips a failed acceptance.
#[test]
fn a_baseline_is_the_same_displays_passed_acceptance_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let finalised = |display: &str, test, operator: &mut dyn Operator, clock| {
        let (mut rig, header, mut writer) = start(&store, display, test, "sim", Fault::None, clock);
        let plan = lifecycle::plan(&header, true).unwrap();
        rig.walk(&plan, &BTreeSet::new(), operator, &mut writer, &mut |_| {}).unwrap();
        drop(rig);
        let path = writer.path().to_path_buf();
        lifecycle::finalise(&store, &path, &header, None, clock).unwrap()
    };
    let (passed, rec) =
        finalised("rr1", TestType::Acceptance, &mut AtTerminal { fails: None }, at_nine);
    assert_eq!(rec.analysis.overall, Outcome::Pass);
    let (failed, rec) = finalised(
        "rr1",
        TestType::Acceptance,
        &mut AtTerminal { fails: Some("greyscale") },
        at_ten,
    );
    assert_eq!(rec.analysis.overall, Outcome::Fail);
    let (other, _) =
        finalised("rr2", TestType::Acceptance, &mut AtTerminal { fails: None }, at_ten);

    // A constancy session of rr1, checked before it measures anything.
    let (mut rig, header, mut writer) =
        start(&store, "rr1", TestType::Constancy, "sim", Fault::None, at_twelve);
    assert_eq!(
        lifecycle::choose_baseline(&store, &header, None).unwrap().as_deref(),
        Some(passed.as_str()),
        "the latest acceptance failed: the one that passed is the baseline"
    );
    let refused = |chosen: &str| {
        lifecycle::choose_baseline(&store, &header, Some(chosen)).unwrap_err().to_string()
    };
    let e = refused(&other);
    assert!(e.contains("is of display rr2, not rr1"), "{e}");
    let e = refused(&failed);
    assert!(e.contains("did not pass (overall FAIL)"), "{e}");
    let (constancy, _) =
        finalised("rr1", TestType::Constancy, &mut AtTerminal { fails: None }, at_eleven);
    let e = refused(&constancy);
    assert!(e.contains("is a constancy test"), "{e}");
    // Finalising against a wrong baseline is refused too.
    walk_all(&mut rig, &header, &mut writer);
    drop(rig);
    let err = lifecycle::finalise(&store, writer.path(), &header, Some(&other), at_twelve);
    assert!(matches!(err, Err(FinaliseError::NotABaseline(_))), "{:?}", err.err());
}

fn at_eleven() -> DateTime<Utc> {
    "2026-11-26T11:00:00.500Z".parse().unwrap()
}

fn at_twelve() -> DateTime<Utc> {
    "2026-11-26T12:00:00.750Z".parse().unwrap()
}
