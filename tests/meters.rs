//! `monqc meters` end to end: the first-contact check and its transcript,
//! replayed against the driver; readings in what the meter measures; the
//! transcript of a whole session.

use std::path::Path;
use std::process::{Command, Output};

use monqc_drivers::transcript::{EventKind, Transcript};
use monqc_drivers::{MeterKind, check, open_replay};

fn monqc(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_monqc"))
        .args(args)
        .env("MONQC_DATA_DIR", data_dir)
        .output()
        .expect("run monqc")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Issue 13's "done when": `monqc meters check sim-ls100 --transcript
/// t.txt` writes a transcript that the LS-100 driver replays.
#[test]
fn meters_check_writes_a_transcript_the_driver_replays() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.txt");
    let out =
        monqc(&["meters", "check", "sim-ls100", "--transcript", t.to_str().unwrap()], dir.path());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    for step in ["identify", "luminance reading", "error probe"] {
        let line = stdout.lines().find(|l| l.starts_with(step)).unwrap_or_else(|| {
            panic!("no {step} step in:\n{stdout}");
        });
        assert!(line.contains(" PASS "), "{line}");
    }
    assert!(stdout.contains("overall: the meter answered as its protocol says"), "{stdout}");
    assert!(stderr.contains(&format!("transcript: {}", t.display())), "{stderr}");

    let recorded = Transcript::read(&t).unwrap();
    assert_eq!(recorded.header("version"), Some(concat!("monqc ", env!("CARGO_PKG_VERSION"))));
    assert_eq!(recorded.header("meter"), Some("sim-ls100"));
    assert!(recorded.header("started").is_some());
    assert!(
        matches!(&recorded.events[0].kind,
            EventKind::Port(p) if p.contains("4800 baud, 7 data bits, even parity")),
        "the port settings come first: {:?}",
        recorded.events[0]
    );
    let sent = recorded.events.iter().filter(|e| matches!(e.kind, EventKind::Sent(_))).count();
    let received =
        recorded.events.iter().filter(|e| matches!(e.kind, EventKind::Received(_))).count();
    assert!(sent >= 3 && received >= 3, "{sent} sent, {received} received");
    let (mut meter, progress) = open_replay(MeterKind::Ls100, &recorded, 0.0).unwrap();
    let report = check::check(meter.as_mut());
    assert!(report.passed(), "{report}");
    assert!(progress.finished(), "the replay used every recorded byte");
}

#[test]
fn meters_check_fails_on_a_meter_that_does_not_answer_and_says_where_to_look() {
    let dir = tempfile::tempdir().unwrap();
    let out = monqc(&["meters", "check", "ls100:/dev/monqc-no-such-port"], dir.path());
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("could not open ls100:/dev/monqc-no-such-port"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn meters_read_reads_what_the_meter_measures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An illuminance-only meter gives lux unasked.
    for meter in ["sim-t10a", "sim-cl200a"] {
        let out = monqc(&["meters", "read", meter], d);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{meter}: {stderr}");
        let mut words = stdout.split_whitespace();
        assert_eq!(words.next(), Some("1"), "{stdout}");
        let lx: f64 = words.next().unwrap().parse().unwrap();
        assert!((lx - 50.0).abs() < 1.0 && words.next() == Some("lx"), "{meter}: {stdout}");
    }
    // A luminance-only meter asked for lux says so, and what to use.
    let out = monqc(&["meters", "read", "sim-ls100", "--illuminance"], d);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Konica Minolta LS-100 measures luminance (cd/m²) only"), "{stderr}");
    assert!(stderr.contains("T-10A or CL-200A"), "{stderr}");
    let out = monqc(&["meters", "read", "sim-t10a", "--luminance"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("T-10A measures illuminance (lx) only"), "{}", text(&out).1);
    // A MAVO driver offers both (its sensor shows only when a unit is
    // refused): luminance unless asked; the twin's MAVO-MONITOR refuses lux,
    // and the hint says which sensor measures what.
    let out = monqc(&["meters", "read", "sim-mavo", "--count", "2"], d);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.lines().filter(|l| l.contains(" cd/m²")).count(), 2, "{stdout}");
    let out = monqc(&["meters", "read", "sim-mavo", "--illuminance"], d);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("MAVO error 202"), "{stderr}");
    assert!(stderr.contains("hint: a MAVO-MONITOR or MAVO-SPOT measures luminance"), "{stderr}");
    // Zero readings is refused, not an empty success.
    let out = monqc(&["meters", "read", "sim-ls100", "--count", "0"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("--count"), "{}", text(&out).1);
    // `none` is no meter.
    let out = monqc(&["meters", "read", "none"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("`none` is no meter"), "{}", text(&out).1);
}

#[test]
fn meters_read_and_identify_record_a_transcript() {
    let dir = tempfile::tempdir().unwrap();
    for (command, meter) in [("read", "sim-t10a"), ("identify", "sim-pr655")] {
        let t = dir.path().join(format!("{command}.txt"));
        let out =
            monqc(&["meters", command, meter, "--transcript", t.to_str().unwrap()], dir.path());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
        let recorded = Transcript::read(&t).unwrap();
        assert_eq!(recorded.header("meter"), Some(meter));
        assert!(!recorded.sent().is_empty(), "{command}");
    }
}

/// `monqc demo --transcript`: the luminance meter's whole session, with
/// the separate illuminance meter's beside it, each replayable.
#[test]
fn a_session_records_each_meters_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("session.txt");
    let out = monqc(
        &[
            "demo",
            "--meter",
            "sim-k10",
            "--illuminance-meter",
            "sim-cl200a",
            "--time-scale",
            "0.02",
            "--transcript",
            t.to_str().unwrap(),
        ],
        dir.path(),
    );
    let (_, stderr) = text(&out);
    // The demo judges no visual item: INCOMPLETE (3), never an error.
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let other = dir.path().join("session.illuminance.txt");
    for (path, kind) in [(&t, MeterKind::K10), (&other, MeterKind::Cl200a)] {
        assert!(stderr.contains(&format!("transcript: {}", path.display())), "{stderr}");
        let recorded = Transcript::read(path).unwrap();
        assert_eq!(recorded.header("meter"), Some(format!("sim-{kind}").as_str()));
        let (mut meter, _) = open_replay(kind, &recorded, 0.0).unwrap();
        meter.identify().unwrap_or_else(|e| panic!("{kind}: {e}"));
    }
}

/// `monqc run --transcript`: every reading the session journalled went
/// through the transcript (one `MES` per reading the LS-100 took, the
/// settling readings included), and the LS-100 driver replays it.
#[test]
fn run_records_the_sessions_bytes_in_a_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let add = monqc(
        &["displays", "add", "--id", "d1", "--grade", "1a", "--setup", "telescopic", "--simulated"],
        d,
    );
    assert_eq!(add.status.code(), Some(0), "{}", text(&add).1);
    let t = d.join("run.txt");
    let out = monqc(
        &[
            "run",
            "acceptance",
            "--display",
            "d1",
            "--meter",
            "sim-ls100",
            "--illuminance-meter",
            "sim-t10a",
            "--yes",
            "--time-scale",
            "0.02",
            "--transcript",
            t.to_str().unwrap(),
        ],
        d,
    );
    let (_, stderr) = text(&out);
    assert!(matches!(out.status.code(), Some(0 | 1 | 3)), "{stderr}");
    assert!(stderr.contains(&format!("transcript: {}", t.display())), "{stderr}");
    let recorded = Transcript::read(&t).unwrap();
    assert_eq!(recorded.header("meter"), Some("sim-ls100"));
    let measures = recorded
        .events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Sent(b) if b.as_slice() == b"MES\r\n"))
        .count();
    // The journal: every patch with the readings it took, and Lamb.
    let sessions = d.join("sessions");
    let journal = std::fs::read_dir(&sessions)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .unwrap();
    let session = monqc::records::session::read(&journal).unwrap();
    let mut readings = 0;
    for e in &session.entries {
        match serde_json::to_value(e).unwrap()["settle"]["readings"].as_u64() {
            Some(n) => readings += n as usize,
            None if matches!(e, monqc::records::session::SessionEntry::AmbientLuminance { .. }) => {
                readings += 1
            }
            None => {}
        }
    }
    assert!(readings > 20, "{readings}");
    assert_eq!(measures, readings, "one MES in the transcript per reading journalled");
    let (mut meter, _) = open_replay(MeterKind::Ls100, &recorded, 0.0).unwrap();
    meter.identify().unwrap();
}
