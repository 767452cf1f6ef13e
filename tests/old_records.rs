//! Records finalised by an earlier monqc (the format of commit 6bfd05b)
//! still verify as finalised and still print: their analysis is recomputed
//! by the rules of its own edition (edition 1: PASS unless something
//! failed), while a new analysis of the same readings follows today's
//! (INCOMPLETE when an item was not evaluated).

use std::path::Path;
use std::process::Command;

use monqc::records::record::{self, CheckState};
use monqc::records::store::Store;
use monqc::standards::analysis::{self, AnalysisOptions, Outcome};

/// An acceptance record of 6bfd05b whose chromaticity item was not
/// evaluated (an LS-100 reads no colour), with the index it was listed in.
const FIXTURE: &str = "tests/data/records-6bfd05b/records";
const ID: &str = "57dd49028bbc7fec6fcf257f5eae6ec6f5081de9a2e5caa9e7bc8a2bc76fe532";

fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    std::fs::create_dir_all(&records).unwrap();
    for name in [format!("{ID}.json"), "index.jsonl".to_string()] {
        std::fs::copy(Path::new(FIXTURE).join(&name), records.join(&name)).unwrap();
    }
    dir
}

#[test]
fn an_old_record_verifies_and_prints_as_finalised() {
    let dir = data_dir();
    let monqc = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_monqc"))
            .args(args)
            .env("MONQC_DATA_DIR", dir.path())
            .output()
            .unwrap()
    };
    let out = monqc(&["verify", ID]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains("NOT VERIFIED"), "{stdout}");
    // Finalised on Linux (glibc): recomputed here, identical on Linux, and
    // the same results to rounding under mingw-w64's math library (the
    // Windows CI runs this test under Wine).
    assert!(!stdout.contains("DIFFERS") && !stdout.contains("computes differently"), "{stdout}");
    if cfg!(windows) {
        assert!(stdout.contains("recomputed from the readings: "), "{stdout}");
    } else {
        assert!(stdout.contains("recomputed from the readings: identical"), "{stdout}");
    }
    let pdf = dir.path().join("old.pdf");
    let out = monqc(&["report", ID, "--lang", "en", "-o", pdf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    // Verification read nothing but what was finalised: the bytes are untouched.
    let original = std::fs::read(Path::new(FIXTURE).join(format!("{ID}.json"))).unwrap();
    let now = std::fs::read(dir.path().join("records").join(format!("{ID}.json"))).unwrap();
    assert_eq!(original, now);
}

#[test]
fn the_old_rules_stay_with_the_old_record_and_the_new_ones_judge_anew() {
    let dir = data_dir();
    let store = Store::open(dir.path()).unwrap();
    let rec = record::load(&store, ID).unwrap();
    assert_eq!(rec.version, 1);
    assert_eq!(rec.options.edition, 1, "a record without an edition is edition 1");
    assert_eq!(rec.analysis.overall, Outcome::Pass, "as finalised in 6bfd05b");
    let set = rec.session().unwrap().measurement_set(Path::new(&rec.session_file));
    let criteria = rec.criteria().unwrap();
    let again = analysis::analyse(&set, &criteria, &rec.options, None).unwrap();
    assert_eq!(again.overall, rec.analysis.overall);
    let verification = record::verify(&store, ID).unwrap();
    let check = verification.iter().find(|c| c.what == "analysis").unwrap();
    assert_eq!(check.state, CheckState::Holds, "{check:?}");
    if cfg!(windows) {
        // mingw-w64's log10, pow and exp round differently from glibc's,
        // where the record was finalised (in a thread with Windows's x87
        // precision, as libtest's are under Wine): the same results to
        // rounding, which verify's analysis check accepts.
        assert!(check.detail.starts_with("recomputed from the readings: "), "{check:?}");
        eprintln!("analysis check on Windows: {}", check.detail);
    } else {
        assert_eq!(again, rec.analysis, "edition 1 recomputes to the stored analysis");
        assert_eq!(check.detail, "recomputed from the readings: identical");
    }
    let today = AnalysisOptions::new(rec.options.grade.clone(), rec.options.test);
    let today = analysis::analyse(&set, &criteria, &today, None).unwrap();
    assert_eq!(today.overall, Outcome::Incomplete);
    assert_eq!(today.not_judged[0].item, "chromaticity-uniformity");
}
