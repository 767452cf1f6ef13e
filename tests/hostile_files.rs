//! The file findings of the hostile-input and fault campaign (issue 12:
//! REDTEAM D1–D6, W1, W6, W7, P1–P3, U1) and erasure detection (issue 11
//! item 4), each reproduced through the `monqc` binary (or, where the race
//! cannot be timed from outside, through the library) and checked.
//!
//! `MONQC_TEST_BIN=/path/to/monqc` runs the binary-level tests against
//! another build (an older monqc, to see them fail).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use monqc::records::journal::{self, GENESIS};
use serde_json::Value;

fn bin() -> PathBuf {
    std::env::var_os("MONQC_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_monqc")))
}

/// `monqc` on data directory `data`, its signing key file beside it.
fn monqc(data: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env("MONQC_DATA_DIR", data)
        .env("MONQC_SIGNING_KEY", data.with_extension("key"))
        .stdin(Stdio::null());
    c
}

fn run(data: &Path, args: &[&str]) -> Output {
    monqc(data).args(args).output().expect("run monqc")
}

fn said(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}", said(o));
}

/// A session ran to its verdict: PASS, FAIL or INCOMPLETE (a demo judges no
/// visual item, so it is INCOMPLETE at best).
fn judged(o: &Output) {
    assert!(matches!(o.status.code(), Some(0 | 1 | 3)), "{}", said(o));
}

/// A scratch folder holding a data directory `d`.
fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d");
    (dir, d)
}

/// Record ids in `data`, oldest first by the index.
fn listed(data: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(data.join("records/index.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|l| l["body"]["record"].as_str().map(str::to_string))
        .collect()
}

/// Record files in `data`.
fn record_files(data: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(data.join("records"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".json").filter(|id| id.len() == 64).map(str::to_string))
        .collect();
    v.sort();
    v
}

fn session_files(data: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(data.join("sessions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "jsonl")
                && !p.file_name().unwrap().to_string_lossy().starts_with('.')
        })
        .collect();
    v.sort();
    v
}

/// A demo session and its record in `data`; returns the record id.
fn demo(data: &Path, extra: &[&str]) -> String {
    let before = if data.join("records").is_dir() { record_files(data) } else { Vec::new() };
    let out = run(data, &[&["demo"], extra].concat());
    assert!(matches!(out.status.code(), Some(0 | 1 | 3)), "{}", said(&out));
    let after = record_files(data);
    after.into_iter().find(|id| !before.contains(id)).expect("a new record")
}

/// Rewrite the journal at `path` from its bodies, edited, with every hash
/// recomputed: the re-chaining tool of REDTEAM Appendix A.
fn rechain(path: &Path, edit: impl FnOnce(&mut Vec<Value>)) {
    let v = journal::read(path).unwrap();
    let mut bodies: Vec<Value> = v.lines.iter().map(|l| l.body.clone()).collect();
    edit(&mut bodies);
    let mut prev = GENESIS.to_string();
    let mut out = String::new();
    for (i, b) in bodies.into_iter().enumerate() {
        let line = journal::next_line(i as u64, &prev, b);
        prev = line.hash.clone();
        out += &serde_json::to_string(&line).unwrap();
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}

/// Make `records/index.head` agree with the index, as a forger would.
fn forge_head(data: &Path) {
    let v = journal::read(&data.join("records/index.jsonl")).unwrap();
    let head = serde_json::json!({ "lines": v.lines.len(), "head": v.head() });
    std::fs::write(data.join("records/index.head"), format!("{head}\n")).unwrap();
}

/// Cut the last `n` lines off `path`.
fn cut_lines(path: &Path, n: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let kept: String = lines[..lines.len() - n].iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, kept).unwrap();
}

fn verify(data: &Path, id: &str) -> Output {
    run(data, &["verify", id])
}

fn amend(data: &Path, id: &str, value: &str) -> Output {
    run(
        data,
        &["amend", id, "--field", "note", "--value", value, "--why", "test", "--by", "tester"],
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

// --- D1 --------------------------------------------------------------------

#[test]
fn d1_sessions_started_in_the_same_millisecond_keep_their_own_journals() {
    use monqc::measuring::lifecycle;
    use monqc::records::session::{self, MeterInfo};
    use monqc::records::store::Store;
    // The library: sixteen sessions started at once, in the same
    // millisecond by the clock, each get a journal of their own.
    fn same_ms() -> chrono::DateTime<chrono::Utc> {
        "2026-12-01T12:05:51.128Z".parse().unwrap()
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let id = lifecycle::session_id("demo", same_ms);
    let ids: Vec<(String, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let store = &store;
                let id = &id;
                s.spawn(move || {
                    let new = lifecycle::NewSession {
                        standard: "jesra-x0093".into(),
                        grade: "1a".into(),
                        test: monqc::standards::criteria::TestType::Acceptance,
                        setup: monqc::numbers::measurement::MeterSetup::Telescopic,
                        bit_depth: 8,
                        display_id: format!("d{i}"),
                        display: format!("display {i}"),
                        operator: "t".into(),
                        rd_cd_m2_per_lx: None,
                        only: None,
                        lmax_change_limit_percent: None,
                    };
                    let header = lifecycle::header(new, MeterInfo::default(), None, same_ms);
                    let (id, w) = lifecycle::create_session(store, id, &header, same_ms).unwrap();
                    (id, w.path().to_string_lossy().into_owned())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let distinct: std::collections::BTreeSet<_> = ids.iter().map(|(id, _)| id).collect();
    assert_eq!(distinct.len(), 16, "{ids:?}");
    for (_, path) in &ids {
        let s = session::read(Path::new(path)).unwrap();
        let i: usize = s.header.display_id[1..].parse().unwrap();
        assert_eq!(s.header.display, format!("display {i}"), "its own header, intact");
    }
    // The binary: pairs of demos started together never break each other.
    let (_t, d) = scratch();
    for _ in 0..6 {
        let a = monqc(&d).arg("demo").stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let b = monqc(&d)
            .args(["demo", "--panel", "gamma22"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        for (child, want) in [(a, 3), (b, 1)] {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(want), "{}", said(&out));
        }
    }
    for s in session_files(&d) {
        journal::read(&s).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(session_files(&d).len(), 12);
    assert_eq!(record_files(&d).len(), 12);
}

// --- D2 --------------------------------------------------------------------

#[test]
fn d2_concurrent_displays_add_loses_nothing_and_never_tears_site_toml() {
    let (_t, d) = scratch();
    ok(&run(&d, &["displays", "add", "--id", "base", "--grade", "1a"]));
    for round in 0..3 {
        let children: Vec<_> = (0..10)
            .map(|i| {
                monqc(&d)
                    .args(["displays", "add", "--id", &format!("r{round}d{i}"), "--grade", "1a"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            ok(&c.wait_with_output().unwrap());
        }
    }
    let out = run(&d, &["displays", "list"]);
    ok(&out);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 31, "{}", said(&out));
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// --- D3 --------------------------------------------------------------------

#[test]
fn d3_a_crash_between_the_record_and_the_index_is_completed_never_a_second_record() {
    let (_t, d) = scratch();
    ok(&run(
        &d,
        &["displays", "add", "--id", "d1", "--grade", "1a", "--setup", "telescopic", "--simulated"],
    ));
    let records = d.join("records");
    std::fs::create_dir_all(&records).unwrap();
    // Kill the run at successive opens of the records folder until the
    // record is on disk and the index does not list it (REDTEAM's command).
    let mut reached = false;
    for n in 1..12 {
        let _ = std::fs::remove_dir_all(d.join("sessions"));
        let _ = std::fs::remove_dir_all(&records);
        std::fs::create_dir_all(&records).unwrap();
        let out = Command::new("strace")
            .args(["-f", "-qq", "-o", "/dev/null", "-P"])
            .arg(&records)
            .args(["-e", "trace=openat", "-e", &format!("inject=openat:signal=KILL:when={n}")])
            .arg(bin())
            .args(["run", "acceptance", "--display", "d1", "--meter", "sim", "--yes"])
            .env("MONQC_DATA_DIR", &d)
            .env("MONQC_SIGNING_KEY", d.with_extension("key"))
            .stdin(Stdio::null())
            .output()
            .expect("strace (package strace, installed by .ci/run)");
        if out.status.success() {
            break;
        }
        if record_files(&d).len() == 1 && listed(&d).is_empty() {
            reached = true;
            break;
        }
    }
    assert!(reached, "no kill left a record that the index does not list");
    let orphan = record_files(&d)[0].clone();
    // verify explains instead of crying tamper: exit 3, never "NOT VERIFIED".
    let out = verify(&d, &orphan);
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    assert!(
        said(&out).contains("not listed yet") && !said(&out).contains("NOT VERIFIED"),
        "{}",
        said(&out)
    );
    // resume completes it: the same record, listed once.
    let session = session_files(&d)[0].clone();
    let out = run(&d, &["resume", session.to_str().unwrap(), "--yes"]);
    judged(&out);
    assert!(said(&out).contains("already finalised"), "{}", said(&out));
    assert_eq!(record_files(&d), vec![orphan.clone()], "no second record");
    assert_eq!(listed(&d), vec![orphan.clone()]);
    ok(&verify(&d, &orphan));
    ok(&run(&d, &["verify", "--all"]));
}

// --- D4 --------------------------------------------------------------------

#[test]
fn d4_a_torn_last_line_of_an_amendment_file_is_reported_and_kept() {
    let (_t, d) = scratch();
    let id = demo(&d, &[]);
    ok(&amend(&d, &id, "first"));
    ok(&amend(&d, &id, "second"));
    let path = d.join(format!("records/{id}.amendments.jsonl"));
    let whole = std::fs::read(&path).unwrap();
    // An editor strips the final newline: reported, never dropped.
    std::fs::write(&path, &whole[..whole.len() - 1]).unwrap();
    let out = verify(&d, &id);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains("incomplete") && said(&out).contains("monqc repair"),
        "{}",
        said(&out)
    );
    let out = amend(&d, &id, "third");
    assert_eq!(out.status.code(), Some(2), "the next amendment refuses: {}", said(&out));
    assert_eq!(std::fs::read(&path).unwrap(), &whole[..whole.len() - 1], "nothing cut or added");
    // Repair, asked for, puts the end of line back: the line was whole.
    ok(&run(&d, &["repair", "--by", "physicist"]));
    assert_eq!(std::fs::read(&path).unwrap(), whole);
    ok(&verify(&d, &id));
    // A line torn by a crash of another program: repair keeps its bytes in
    // a side file and records the repair; the amendment it held is lost,
    // and verify says so.
    std::fs::write(&path, &whole[..whole.len() - 30]).unwrap();
    let out = run(&d, &["repair", "--by", "physicist"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("amendment 2"), "{}", said(&out));
    let side: Vec<_> = std::fs::read_dir(d.join("records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".amendments.jsonl.torn-"))
        .collect();
    assert_eq!(side.len(), 1, "{}", said(&out));
    let torn = &whole[..whole.len() - 30];
    assert_eq!(std::fs::read(&side[0]).unwrap(), &torn[torn.rfind_newline() + 1..]);
    let index = std::fs::read_to_string(d.join("records/index.jsonl")).unwrap();
    assert!(index.contains("\"kind\":\"repair\"") && index.contains("physicist"));
    let out = verify(&d, &id);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("amendment 2"), "{}", said(&out));
}

#[test]
fn d4_a_torn_last_line_of_the_index_is_reported_and_never_dropped() {
    let (_t, d) = scratch();
    demo(&d, &[]);
    let id = demo(&d, &["--seed", "2"]);
    let index = d.join("records/index.jsonl");
    let whole = std::fs::read(&index).unwrap();
    let torn = &whole[..whole.len() - 20];
    std::fs::write(&index, torn).unwrap();
    let out = run(&d, &["history", "sim-demo"]);
    assert_eq!(out.status.code(), Some(2), "not a silently shorter history: {}", said(&out));
    assert!(said(&out).contains("monqc repair"), "{}", said(&out));
    assert_eq!(verify(&d, &id).status.code(), Some(1));
    // A new session keeps its readings but is not finalised onto the torn index.
    let out = run(&d, &["demo", "--seed", "3"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("monqc resume"), "{}", said(&out));
    assert_eq!(std::fs::read(&index).unwrap(), torn, "the index is untouched");
    // Repair keeps the bytes aside; the index is then shorter than
    // index.head says, which only an explicit acceptance goes past.
    let out = run(&d, &["repair"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("--accept-index"), "{}", said(&out));
    let side = std::fs::read_dir(d.join("records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("index.jsonl.torn-"))
        .expect("the torn bytes are kept");
    assert_eq!(std::fs::read(side).unwrap(), &torn[torn.rfind_newline() + 1..]);
    // Accepted, the record whose line was torn is listed again from its
    // own file (it names its place in the index), and all verifies.
    ok(&run(&d, &["repair", "--accept-index"]));
    ok(&verify(&d, &id));
    ok(&run(&d, &["verify", "--all"]));
}

trait RfindNewline {
    fn rfind_newline(&self) -> usize;
}

impl RfindNewline for [u8] {
    fn rfind_newline(&self) -> usize {
        self.iter().rposition(|b| *b == b'\n').unwrap()
    }
}

// --- D5 and issue 11 item 4: erasure --------------------------------------

#[test]
fn d5_deleting_or_cutting_an_amendment_file_fails_verify() {
    let (_t, d) = scratch();
    let id = demo(&d, &[]);
    ok(&amend(&d, &id, "first"));
    ok(&amend(&d, &id, "second"));
    ok(&verify(&d, &id));
    let path = d.join(format!("records/{id}.amendments.jsonl"));
    let original = std::fs::read(&path).unwrap();
    cut_lines(&path, 1);
    let out = verify(&d, &id);
    assert_eq!(out.status.code(), Some(1), "last line cut: {}", said(&out));
    std::fs::remove_file(&path).unwrap();
    let out = verify(&d, &id);
    assert_eq!(out.status.code(), Some(1), "file deleted: {}", said(&out));
    assert!(said(&out).contains("the file is gone"), "{}", said(&out));
    let out = run(&d, &["export", &id, "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "no export that silently lacks amendments");
    // Re-chained by hand without an amendment: still a mismatch with the index.
    std::fs::write(&path, &original).unwrap();
    rechain(&path, |b| {
        b.pop();
    });
    assert_eq!(verify(&d, &id).status.code(), Some(1));
    std::fs::write(&path, &original).unwrap();
    ok(&verify(&d, &id));
}

#[test]
fn d5_cutting_the_index_or_deleting_it_fails_verify_and_is_never_built_upon() {
    let (_t, d) = scratch();
    let first = demo(&d, &[]);
    let last = demo(&d, &["--seed", "2"]);
    let index = d.join("records/index.jsonl");
    let original = std::fs::read(&index).unwrap();
    // The last line (a record's entry) cut off.
    cut_lines(&index, 1);
    let out = verify(&d, &last);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("cut short"), "{}", said(&out));
    let out = run(&d, &["history", "sim-demo"]);
    assert!(said(&out).contains("not in the index"), "history warns: {}", said(&out));
    let out = run(&d, &["export", &last, "--format", "json"]);
    assert!(said(&out).contains("not in the record index"), "export warns: {}", said(&out));
    assert_eq!(run(&d, &["verify", "--all"]).status.code(), Some(1));
    let cut = std::fs::read(&index).unwrap();
    let out = run(&d, &["demo", "--seed", "3"]);
    assert_eq!(out.status.code(), Some(2), "no record onto a cut index: {}", said(&out));
    assert_eq!(std::fs::read(&index).unwrap(), cut);
    // The last line being an amendment's anchor: cut, it is also a change.
    std::fs::write(&index, &original).unwrap();
    ok(&amend(&d, &first, "a note"));
    cut_lines(&index, 1);
    let out = verify(&d, &first);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    // The index deleted: reported, and no new index over the records.
    std::fs::remove_file(&index).unwrap();
    let out = run(&d, &["history", "sim-demo"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("missing"), "{}", said(&out));
    assert_eq!(verify(&d, &first).status.code(), Some(1));
    assert_eq!(run(&d, &["verify", "--all"]).status.code(), Some(1));
    let out = run(&d, &["demo", "--seed", "4"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(!index.exists(), "no fresh index started over the records");
}

#[test]
fn d5_cutting_a_finalised_session_journal_fails_verify() {
    let (_t, d) = scratch();
    let id = demo(&d, &[]);
    ok(&verify(&d, &id));
    let session = session_files(&d)[0].clone();
    cut_lines(&session, 1);
    let out = verify(&d, &id);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("were cut off"), "{}", said(&out));
}

// --- D6 --------------------------------------------------------------------

#[test]
fn d6_output_never_lands_in_the_data_directory_and_replaces_a_file_whole() {
    let (t, d) = scratch();
    let a = demo(&d, &[]);
    let b = demo(&d, &["--seed", "2"]);
    let record_a = d.join(format!("records/{a}.json"));
    let before = std::fs::read(&record_a).unwrap();
    let out = run(&d, &["export", &b, "--format", "json", "-o", record_a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("among the files of the data directory"), "{}", said(&out));
    assert_eq!(std::fs::read(&record_a).unwrap(), before);
    for target in ["records/index.jsonl", "site.toml", "sessions/new.pdf"] {
        let p = d.join(target);
        let out = run(&d, &["report", &a, "--lang", "en", "-o", p.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{target}: {}", said(&out));
    }
    ok(&verify(&d, &a));
    // Outside: an existing file is replaced, and monqc says so.
    let pdf = t.path().join("r.pdf");
    std::fs::write(&pdf, b"an older report").unwrap();
    let out = run(&d, &["report", &a, "--lang", "en", "-o", pdf.to_str().unwrap()]);
    ok(&out);
    assert!(said(&out).contains("replaced the existing"), "{}", said(&out));
    let good = std::fs::read(&pdf).unwrap();
    assert!(good.starts_with(b"%PDF-"));
    // A full disk while replacing leaves the old file whole (RLIMIT_FSIZE
    // stands in for the full disk: writes past it fail with EFBIG).
    let script = format!(
        "trap '' XFSZ; ulimit -f 8; exec '{}' report {a} --lang ja -o '{}'",
        bin().display(),
        pdf.display()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("MONQC_DATA_DIR", &d)
        .env("MONQC_SIGNING_KEY", d.with_extension("key"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert_eq!(std::fs::read(&pdf).unwrap(), good, "the old report is intact");
    let leftovers: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// --- W1 --------------------------------------------------------------------

#[test]
fn w1_a_session_is_identified_by_its_content_not_its_file_name() {
    let (t, d) = scratch();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let sa = a.join("s.jsonl");
    let sb = b.join("s.jsonl");
    judged(&run(&d, &["demo", "--session", sa.to_str().unwrap()]));
    let out = run(&d, &["demo", "--panel", "gamma22", "--session", sb.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "the gamma 2.2 panel fails: {}", said(&out));
    assert!(said(&out).contains("FAIL"), "{}", said(&out));
    assert_eq!(record_files(&d).len(), 2, "each session its own record");
    // Resuming either file shows its own record.
    let out = run(&d, &["resume", sb.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let out = run(&d, &["resume", sa.to_str().unwrap(), "--yes"]);
    judged(&out);
    assert_ne!(out.status.code(), Some(1), "the GSDF panel's own verdict: {}", said(&out));
    // A copy renamed is the same session: its record, not a new one.
    let copy = t.path().join("renamed.jsonl");
    std::fs::copy(&sa, &copy).unwrap();
    judged(&run(&d, &["resume", copy.to_str().unwrap(), "--yes"]));
    assert_eq!(record_files(&d).len(), 2);
    // A file that claims a finalised session's identity but holds other
    // readings is refused, not reported with that session's verdict.
    rechain(&copy, |bodies| {
        bodies[3]["luminance_cd_m2"] = serde_json::json!(1.0);
    });
    let out = run(&d, &["resume", copy.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("not the journal that record was made from"), "{}", said(&out));
}

// --- W6 --------------------------------------------------------------------

#[test]
fn w6_a_history_rewritten_without_the_signing_key_is_refused_or_detected() {
    let (t, d) = scratch();
    ok(&run(&d, &["keys", "create", "--by", "physicist"]));
    let key_mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(d.with_extension("key")).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(key_mode, 0o600, "the private key is private");
    assert!(std::fs::read_to_string(d.join("site.toml")).unwrap().contains("ed25519:"));
    let pass = demo(&d, &[]);
    let fail = demo(&d, &["--panel", "gamma22"]);
    for id in [&pass, &fail] {
        let out = verify(&d, id);
        ok(&out);
        assert!(said(&out).contains("signed by key"), "{}", said(&out));
    }
    // The site configuration names the keys its records are signed with.
    let site = d.join("site.toml");
    let site_text = std::fs::read_to_string(&site).unwrap();
    let other = "ed25519:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let start = site_text.find("ed25519:").unwrap();
    std::fs::write(&site, format!("{}{other}\"]\n", &site_text[..start])).unwrap();
    let out = verify(&d, &pass);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("does not list"), "{}", said(&out));
    std::fs::write(&site, &site_text).unwrap();
    let sessions = session_files(&d);
    let (pass_session, fail_session) = (&sessions[0], &sessions[1]);
    // REDTEAM W6, step 1: the GSDF readings copied into the failed session,
    // re-chained.
    let good = journal::read(pass_session).unwrap();
    rechain(fail_session, |bodies| {
        for (b, g) in bodies.iter_mut().zip(&good.lines).skip(1) {
            *b = g.body.clone();
        }
    });
    // Step 2: the failed record's index line dropped (it is the last line),
    // index.head made to agree, the record deleted.
    let index = d.join("records/index.jsonl");
    cut_lines(&index, 1);
    forge_head(&d);
    std::fs::remove_file(d.join(format!("records/{fail}.json"))).unwrap();
    // Step 3: resume without the key writes no new record.
    let thief = Command::new(bin())
        .args(["resume", fail_session.to_str().unwrap(), "--yes"])
        .env("MONQC_DATA_DIR", &d)
        .env("MONQC_SIGNING_KEY", t.path().join("no-key"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(thief.status.code(), Some(2), "{}", said(&thief));
    assert!(said(&thief).contains("signs its records"), "{}", said(&thief));
    assert_eq!(record_files(&d), vec![pass.clone()], "no record without the key");
    // A forger who writes the record and its index line by hand cannot sign
    // them: verify says so.
    let text = std::fs::read_to_string(d.join(format!("records/{pass}.json"))).unwrap();
    let forged = text.replace("\"finalised_by\": \"demo\"", "\"finalised_by\": \"someone\"");
    assert_ne!(forged, text);
    let forged_id = monqc::numbers::digest::sha256_hex(forged.as_bytes());
    std::fs::write(d.join(format!("records/{forged_id}.json")), &forged).unwrap();
    std::fs::remove_file(d.join(format!("records/{pass}.json"))).unwrap();
    rechain(&index, |bodies| {
        for b in bodies.iter_mut() {
            if b["record"] == pass.as_str() {
                b["record"] = forged_id.clone().into();
            }
        }
    });
    forge_head(&d);
    let out = verify(&d, &forged_id);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("signature"), "{}", said(&out));
    assert_eq!(run(&d, &["verify", "--all"]).status.code(), Some(1));
}

#[test]
fn an_amendment_interrupted_before_its_anchor_is_pending_and_repair_anchors_it() {
    let (_t, d) = scratch();
    let id = demo(&d, &[]);
    ok(&amend(&d, &id, "first"));
    // Killed at the index's rename: the amendment file is written, the
    // index (its anchor) is not.
    let out = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            "-e",
            "trace=rename",
            "-e",
            "inject=rename:signal=KILL:when=2",
        ])
        .arg(bin())
        .args(["amend", &id, "--field", "note", "--value", "second", "--why", "test"])
        .env("MONQC_DATA_DIR", &d)
        .env("MONQC_SIGNING_KEY", d.with_extension("key"))
        .stdin(Stdio::null())
        .output()
        .expect("strace (package strace, installed by .ci/run)");
    assert_ne!(out.status.code(), Some(0));
    let out = verify(&d, &id);
    assert_eq!(out.status.code(), Some(3), "pending, not changed: {}", said(&out));
    assert!(
        said(&out).contains("PENDING") && !said(&out).contains("NOT VERIFIED"),
        "{}",
        said(&out)
    );
    let out = amend(&d, &id, "third");
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("monqc repair"), "{}", said(&out));
    let out = run(&d, &["repair"]);
    ok(&out);
    assert!(said(&out).contains("second"), "the repair shows what it anchors: {}", said(&out));
    ok(&verify(&d, &id));
    ok(&amend(&d, &id, "third"));
    let out = run(&d, &["export", &id, "--format", "json"]);
    ok(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let values: Vec<_> =
        v["amendments"].as_array().unwrap().iter().map(|a| a["value"].clone()).collect();
    assert_eq!(values, ["first", "second", "third"]);
}

// --- W7 --------------------------------------------------------------------

#[test]
fn w7_readings_cut_off_an_unfinished_session_leave_a_trace_in_the_record() {
    let (_t, d) = scratch();
    ok(&run(
        &d,
        &["displays", "add", "--id", "d1", "--grade", "1a", "--setup", "telescopic", "--simulated"],
    ));
    let out = run(
        &d,
        &[
            "run",
            "acceptance",
            "--display",
            "d1",
            "--meter",
            "sim-ls100",
            "--yes",
            "--time-scale",
            "0.02",
            "--sim-fault",
            "hang-up-at:14",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    let session = session_files(&d)[0].clone();
    let lines = std::fs::read_to_string(&session).unwrap().lines().count();
    cut_lines(&session, 3);
    let out = run(&d, &["resume", session.to_str().unwrap(), "--yes", "--time-scale", "0.02"]);
    judged(&out);
    let id = record_files(&d)[0].clone();
    let rec: Value =
        serde_json::from_slice(&std::fs::read(d.join(format!("records/{id}.json"))).unwrap())
            .unwrap();
    let notes: Vec<&str> = rec["journal"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["body"]["text"].as_str())
        .collect();
    let want = format!("resumed after {} lines (last line hash ", lines - 3);
    assert!(notes.iter().any(|n| n.starts_with(&want)), "{want} in {notes:?}");
}

/// Found by `sessions.rs`'s random kills: a crash after an index write
/// leaves `index.head` a line behind; a second crash in the next index write
/// left it two behind, and every later finalise refused the index as
/// "rewritten or replaced" (the readings stayed in their journals). An
/// index that only continues the chain `index.head` names is a crash, not
/// a rewrite: it is noted, the next write catches the head file up first,
/// and a cut or changed index is still refused.
#[test]
fn an_index_ahead_of_its_head_file_after_two_crashes_is_caught_up_not_refused() {
    let (_dir, data) = scratch();
    for _ in 0..3 {
        demo(&data, &[]);
    }
    let index = journal::read(&data.join("records/index.jsonl")).unwrap();
    let n = index.lines.len();
    // index.head as two crashes (each after an index write) left it.
    let behind = serde_json::json!({ "lines": n - 2, "head": index.lines[n - 3].hash });
    std::fs::write(data.join("records/index.head"), format!("{behind}\n")).unwrap();
    let out = run(&data, &["verify", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(said(&out).contains("2 line(s) behind the index"), "{}", said(&out));
    let new = demo(&data, &[]);
    assert!(listed(&data).contains(&new), "the next record is listed");
    let out = run(&data, &["verify", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(!said(&out).contains("behind the index"), "caught up: {}", said(&out));
    // A head file that names a line the index does not hold is still wrong.
    let wrong = serde_json::json!({ "lines": 2, "head": "0".repeat(64) });
    std::fs::write(data.join("records/index.head"), format!("{wrong}\n")).unwrap();
    assert_eq!(run(&data, &["verify", "--all"]).status.code(), Some(1));
}

// --- P1, P2, P3 ------------------------------------------------------------

#[test]
fn p1_display_and_session_ids_are_safe_file_names() {
    let (t, d) = scratch();
    for bad in ["../../../escape", "", ".", "a/b", "a b", "x\ny", &"x".repeat(65)] {
        let out = run(&d, &["displays", "add", "--id", bad, "--grade", "1a", "--simulated"]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", said(&out));
        assert!(said(&out).contains("1 to 64"), "{bad:?}: {}", said(&out));
    }
    // A site file edited by hand is refused on load.
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("site.toml"),
        "[[display]]\nid = \"../../../escape\"\nstandard = \"jesra-x0093\"\ngrade = \"1a\"\n[display.simulation]\n",
    )
    .unwrap();
    let out =
        run(&d, &["run", "acceptance", "--display", "../../../escape", "--meter", "sim", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    let escaped: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("escape"))
        .collect();
    assert!(escaped.is_empty(), "{escaped:?}");
    let out = run(&d, &["resume", "../../../etc/passwd", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("session id"), "{}", said(&out));
    // The longest display id still makes a session (its id is longer).
    std::fs::remove_file(d.join("site.toml")).unwrap();
    let longest = "L".repeat(64);
    ok(&run(&d, &["displays", "add", "--id", &longest, "--grade", "1a", "--simulated"]));
    judged(&run(&d, &["run", "acceptance", "--display", &longest, "--meter", "sim", "--yes"]));
}

#[test]
fn p2_an_empty_data_directory_variable_is_an_error() {
    let cwd = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .arg("demo")
        .env("MONQC_DATA_DIR", "")
        .current_dir(cwd.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("MONQC_DATA_DIR is set but empty"), "{}", said(&out));
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "nothing in the current directory"
    );
}

#[cfg(unix)]
#[test]
fn p3_links_inside_the_data_directory_are_never_written_through() {
    use std::os::unix::fs::symlink;
    let (t, d) = scratch();
    let id = demo(&d, &[]);
    ok(&amend(&d, &id, "first"));
    // An amendment file that is a link to an outside copy.
    let amendments = d.join(format!("records/{id}.amendments.jsonl"));
    let outside = t.path().join("outside.jsonl");
    std::fs::rename(&amendments, &outside).unwrap();
    symlink(&outside, &amendments).unwrap();
    let before = std::fs::read(&outside).unwrap();
    let out = amend(&d, &id, "second");
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("symbolic link"), "{}", said(&out));
    assert_eq!(std::fs::read(&outside).unwrap(), before, "nothing written outside");
    std::fs::remove_file(&amendments).unwrap();
    std::fs::rename(&outside, &amendments).unwrap();
    // A record that is a link to an outside copy does not verify.
    let record = d.join(format!("records/{id}.json"));
    let copy = t.path().join("copy.json");
    std::fs::rename(&record, &copy).unwrap();
    symlink(&copy, &record).unwrap();
    let out = verify(&d, &id);
    assert_ne!(out.status.code(), Some(0), "{}", said(&out));
    std::fs::remove_file(&record).unwrap();
    std::fs::rename(&copy, &record).unwrap();
    ok(&verify(&d, &id));
    // A linked sessions folder is refused before anything is measured.
    let elsewhere = t.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let sessions = d.join("sessions");
    std::fs::rename(&sessions, t.path().join("old-sessions")).unwrap();
    symlink(&elsewhere, &sessions).unwrap();
    let out = run(&d, &["demo"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0, "nothing written outside");
    // A linked index: the link is an error, the outside file untouched.
    std::fs::remove_file(&sessions).unwrap();
    std::fs::rename(t.path().join("old-sessions"), &sessions).unwrap();
    let index = d.join("records/index.jsonl");
    let outside_index = t.path().join("index.jsonl");
    std::fs::rename(&index, &outside_index).unwrap();
    symlink(&outside_index, &index).unwrap();
    let before = std::fs::read(&outside_index).unwrap();
    let out = run(&d, &["demo", "--seed", "5"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert_eq!(std::fs::read(&outside_index).unwrap(), before);
}

// --- U1 --------------------------------------------------------------------

#[test]
fn u1_a_session_that_never_started_does_not_claim_readings_are_safe() {
    let (t, d) = scratch();
    let nowhere = t.path().join("no-such-folder").join("s.jsonl");
    let out = run(&d, &["demo", "--session", nowhere.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    let text = said(&out);
    assert!(!text.contains("readings before this one are safe"), "{text}");
    assert!(text.contains("nothing was measured"), "{text}");
    assert!(!text.contains("s.jsonl."), "names the file, not a temporary one: {text}");
}

// --- Issue 11 item 4: what changed, and what computes differently ---------

#[test]
fn verify_tells_bytes_as_finalised_from_a_newer_monqc_computing_differently() {
    let (_t, d) = scratch();
    let id = demo(&d, &[]);
    // A record as an older monqc would have finalised it: the same readings,
    // a stored Kδ that this monqc does not compute, under its own hash and
    // listed in the index as finalising lists it.
    let path = d.join(format!("records/{id}.json"));
    let mut rec: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let k = rec["analysis"]["kdelta_percent"].as_f64().unwrap();
    rec["analysis"]["kdelta_percent"] = serde_json::json!(k + 0.5);
    rec["software"] = "monqc 0.0.9".into();
    let mut bytes = serde_json::to_vec_pretty(&rec).unwrap();
    bytes.push(b'\n');
    let older = monqc::numbers::digest::sha256_hex(&bytes);
    std::fs::write(d.join(format!("records/{older}.json")), &bytes).unwrap();
    std::fs::remove_file(&path).unwrap();
    let index = d.join("records/index.jsonl");
    rechain(&index, |bodies| {
        for b in bodies.iter_mut() {
            if b["record"] == id.as_str() {
                b["record"] = older.clone().into();
                b["kdelta_percent"] = serde_json::json!(k + 0.5);
            }
        }
    });
    forge_head(&d);
    let out = verify(&d, &older);
    ok(&out);
    let text = said(&out);
    assert!(text.contains("DIFFERS") && text.contains("/kdelta_percent"), "{text}");
    assert!(
        text.contains("verified: the bytes and the history are exactly as finalised"),
        "{text}"
    );
    assert!(text.contains("computes some results differently"), "{text}");
    let out = run(&d, &["verify", &older, "--json"]);
    ok(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["bytes_as_finalised"], true, "{v}");
    assert_eq!(v["computes_differently"], true, "{v}");
    assert_eq!(v["verdict"], "verified");
    // A change to the bytes is still a change.
    let mut changed = bytes.clone();
    let i = changed.len() - 40;
    changed[i] ^= 0x01;
    std::fs::write(d.join(format!("records/{older}.json")), &changed).unwrap();
    let out = verify(&d, &older);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(said(&out).contains("NOT VERIFIED"));
}

#[test]
fn records_of_monqc_0_1_verify_as_finalised_and_unsigned_and_take_new_ones() {
    let (t, d) = scratch();
    copy_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/records-0.1.0")), &d);
    std::fs::remove_file(d.join("README.md")).unwrap();
    let out = run(&d, &["verify", "--all", "--json"]);
    ok(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let records = v["records"].as_array().unwrap();
    assert_eq!(records.len(), 13);
    for r in records {
        assert_eq!(r["bytes_as_finalised"], true, "{r}");
        assert_eq!(r["signature"]["state"], "unsigned", "{r}");
        assert_eq!(r["format_version"], 1);
    }
    // The data directory goes on: a key, an amendment of an old record, a
    // new signed record; every record still verifies.
    let old = "e789b915c91eff51aa8231890bf341575a933958bfdbbc87e36be2ce7868250d";
    ok(&run(&d, &["keys", "create", "--by", "physicist"]));
    ok(&amend(&d, old, "anchored now"));
    let out = verify(&d, old);
    ok(&out);
    assert!(said(&out).contains("2 amendment(s), chain intact, anchored"), "{}", said(&out));
    demo(&d, &[]);
    let out = run(&d, &["verify", "--all"]);
    ok(&out);
    // The amendment of monqc 0.1 is now anchored: deleting the file shows.
    std::fs::remove_file(d.join(format!("records/{old}.amendments.jsonl"))).unwrap();
    assert_eq!(verify(&d, old).status.code(), Some(1));
    drop(t);
}
