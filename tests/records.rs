//! Finalised records: verification catches every change; amendments keep
//! the original readable.

use std::path::Path;
use std::process::Command;

use monqc::numbers::contrast_response::JndInverse;
use monqc::records::record::{self, Amendment, Finalising};
use monqc::records::store::Store;
use monqc::standards::analysis::AnalysisOptions;
use monqc::standards::criteria::{Criteria, TestType};

fn demo_session(dir: &Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let path = dir.join(name);
    let status = Command::new(env!("CARGO_BIN_EXE_monqc"))
        .args(["demo", "--session", path.to_str().unwrap()])
        .args(extra)
        // The demo keeps its own record in its own data directory; these
        // tests finalise the session themselves.
        .env("MONQC_DATA_DIR", dir.join("demo-data"))
        .output()
        .unwrap()
        .status;
    // The demo judges no visual item: INCOMPLETE (3), or FAIL (1).
    assert!(matches!(status.code(), Some(0 | 1 | 3)), "{status}");
    path
}

fn finalise(
    store: &Store,
    session: &Path,
    test: TestType,
    baseline: Option<(&str, &record::Record)>,
) -> (String, record::Record) {
    let criteria = Criteria::built_in_for("jesra-x0093").unwrap();
    record::finalise(
        store,
        Finalising {
            session_path: session,
            by: "physicist",
            software: "monqc test",
            criteria: &criteria,
            options: AnalysisOptions {
                jnd_inverse: JndInverse::Exact,
                ..AnalysisOptions::new("1a", test)
            },
            baseline,
            clock: finalised_clock,
        },
    )
    .unwrap()
}

/// The clock the records are finalised by: fixed, so the test says when.
fn finalised_clock() -> chrono::DateTime<chrono::Utc> {
    "2026-11-26T08:30:00.250Z".parse().unwrap()
}

/// A changed byte anywhere is caught, and verify reports it rather than
/// failing on the damaged file. Every byte of the first and last KiB (the
/// record's head, signature and tail) and every 13th byte between them,
/// about 6 000 verifications across every part of the record (all 55 000
/// bytes took four minutes in a debug build).
#[test]
fn a_fresh_record_verifies_and_a_changed_byte_anywhere_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let session = demo_session(dir.path(), "s.jsonl", &[]);
    let (id, rec) = finalise(&store, &session, TestType::Acceptance, None);
    assert_eq!(rec.journal.len(), 45);
    assert_eq!(rec.finalised_at, "2026-11-26T08:30:00.250Z", "stamped by the clock given");
    let checks = record::verify(&store, &id).unwrap();
    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");

    let path = store.record_path(&id);
    let original = std::fs::read(&path).unwrap();
    let mut caught = 0;
    let ends = |i: usize| i < 1024 || i + 1024 >= original.len();
    let positions: Vec<usize> = (0..original.len()).filter(|&i| ends(i) || i % 13 == 0).collect();
    for &i in &positions {
        let mut bytes = original.clone();
        bytes[i] ^= 0x20;
        std::fs::write(&path, &bytes).unwrap();
        let checks = record::verify(&store, &id).unwrap();
        assert!(checks.iter().any(|c| !c.ok), "byte {i} changed undetected");
        caught += 1;
    }
    std::fs::write(&path, &original).unwrap();
    assert_eq!(caught, positions.len());
    assert!(caught > 5_000, "{caught} positions");
    assert!(record::verify(&store, &id).unwrap().iter().all(|c| c.ok));
}

#[test]
fn a_record_rewritten_under_a_new_hash_is_not_in_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let session = demo_session(dir.path(), "s.jsonl", &[]);
    let (id, _) = finalise(&store, &session, TestType::Acceptance, None);
    // A forger changes the finaliser and renames the file to its new hash.
    let text = std::fs::read_to_string(store.record_path(&id)).unwrap();
    let forged = text.replace("\"finalised_by\": \"physicist\"", "\"finalised_by\": \"someone\"");
    let forged_id = monqc::numbers::digest::sha256_hex(forged.as_bytes());
    std::fs::write(store.record_path(&forged_id), &forged).unwrap();
    let checks = record::verify(&store, &forged_id).unwrap();
    let index = checks.iter().find(|c| c.what == "index").unwrap();
    assert!(!index.ok, "{checks:#?}");
}

#[test]
fn amendments_append_and_leave_the_original_intact() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let session = demo_session(dir.path(), "s.jsonl", &[]);
    let (id, _) = finalise(&store, &session, TestType::Acceptance, None);
    let before = std::fs::read(store.record_path(&id)).unwrap();
    let a = Amendment {
        who: "physicist".into(),
        at: "2026-11-26T10:00:00Z".into(),
        why: "serial number mistyped at set-up".into(),
        field: "display".into(),
        value: "serial 12345678".into(),
    };
    record::amend(&store, &id, &a).unwrap();
    assert_eq!(std::fs::read(store.record_path(&id)).unwrap(), before);
    assert_eq!(record::amendments(&store, &id).unwrap(), vec![a]);
    assert!(record::verify(&store, &id).unwrap().iter().all(|c| c.ok));
    // Editing an amendment breaks its chain.
    let p = store.amendments_path(&id);
    let t = std::fs::read_to_string(&p).unwrap().replace("mistyped", "mis-typed");
    std::fs::write(&p, t).unwrap();
    let checks = record::verify(&store, &id).unwrap();
    assert!(!checks.iter().find(|c| c.what == "amendments").unwrap().ok);
}

#[test]
fn constancy_record_verifies_against_its_baseline_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let accept = demo_session(dir.path(), "a.jsonl", &[]);
    let (base_id, base) = finalise(&store, &accept, TestType::Acceptance, None);
    let later = demo_session(dir.path(), "c.jsonl", &["--lmax", "330", "--seed", "9"]);
    let (id, rec) = finalise(&store, &later, TestType::Constancy, Some((&base_id, &base)));
    let change = rec.analysis.baseline.as_ref().unwrap().lmax_change_percent;
    assert!((-20.0..-15.0).contains(&change), "{change}");
    assert!(record::verify(&store, &id).unwrap().iter().all(|c| c.ok));
    assert_eq!(record::index(&store).unwrap().len(), 2);
}

#[test]
fn concurrent_finalisations_keep_the_index_chain_intact() {
    let dir = tempfile::tempdir().unwrap();
    let sessions: Vec<_> = (0..6)
        .map(|i| demo_session(dir.path(), &format!("s{i}.jsonl"), &["--seed", &i.to_string()]))
        .collect();
    let root = dir.path();
    std::thread::scope(|scope| {
        for s in &sessions {
            scope.spawn(move || {
                let store = Store::open(root).unwrap();
                // Twice each: the second call returns the first record.
                let a = finalise(&store, s, TestType::Acceptance, None).0;
                let b = finalise(&store, s, TestType::Acceptance, None).0;
                assert_eq!(a, b);
            });
        }
    });
    let store = Store::open(dir.path()).unwrap();
    let index = record::index(&store).unwrap();
    assert_eq!(index.len(), sessions.len(), "one record per session, chain intact");
}
