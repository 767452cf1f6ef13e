//! The crash harness (issue 12 item 2): a session killed at every
//! file-system call in turn, not only at random times.
//!
//! A first run of `monqc run acceptance` on the simulated bench is traced
//! with strace to list its file-system calls (opening, writing, syncing,
//! linking, renaming, removing, truncating, locking; writes only to files,
//! not to the terminal). Then, for each of those calls in turn, a fresh data
//! directory runs the same session under `strace -e inject=CALL:signal=KILL:when=N`,
//! which kills the process as it makes that call; `monqc resume` finishes
//! it, and the harness checks that every reading is in the journal exactly
//! once, that there is exactly one record, listed once in the index, made
//! from that journal, and that `monqc verify --all` passes. The resume of
//! a session killed while it was finalising is itself killed at each of its
//! calls, and resumed again.
//!
//! It needs `strace` (`.ci/apt/records.txt`) and runs in `.ci/run`:
//! `cargo test --test crash_harness -- --ignored --nocapture`, printing how
//! many kill points were exercised and how long it took.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use monqc::records::journal;
use monqc::records::record;
use monqc::records::session::SessionEntry;
use monqc::records::store::Store;

/// The calls a kill is injected at.
const CALLS: &[&str] = &[
    "openat",
    "write",
    "pwrite64",
    "fsync",
    "fdatasync",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "unlink",
    "unlinkat",
    "ftruncate",
    "mkdir",
    "mkdirat",
    "flock",
];

/// The session every run makes: the whole JESRA acceptance plan on a
/// simulated display with the ideal simulated meter (instant).
const RUN: [&str; 7] = ["run", "acceptance", "--display", "d1", "--meter", "sim", "--yes"];

fn monqc(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_monqc"));
    c.env("MONQC_DATA_DIR", data)
        .env("MONQC_SIGNING_KEY", data.with_extension("key"))
        // cargo's library path makes the loader probe dozens of folders at
        // start-up; a session is what is under test.
        .env_remove("LD_LIBRARY_PATH")
        .stdin(Stdio::null());
    c
}

/// The session ended with a verdict: PASS, FAIL or INCOMPLETE (exit 0, 1, 3).
fn ran_to_verdict(o: &Output) -> bool {
    matches!(o.status.code(), Some(0 | 1 | 3))
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A data directory with the simulated display `d1` and a signing key (so
/// signing is exercised too), under `parent/name`.
fn fresh(parent: &Path, name: &str, template: &Path) -> PathBuf {
    let d = parent.join(name);
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::remove_file(d.with_extension("key"));
    copy_dir(template, &d);
    std::fs::copy(template.with_extension("key"), d.with_extension("key")).unwrap();
    d
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// One call of the traced run: its name, its ordinal among calls of that
/// name, and what it touched.
#[derive(Clone, Debug)]
struct Call {
    name: String,
    nth: usize,
    line: String,
}

/// The file-system calls of `args` run in `data`, in order.
fn record_calls(data: &Path, log: &Path, args: &[&str]) -> Vec<Call> {
    let out = Command::new("strace")
        .args(["-f", "-y", "-qq", "-o"])
        .arg(log)
        .arg(format!("-etrace={}", CALLS.join(",")))
        .arg(env!("CARGO_BIN_EXE_monqc"))
        .args(args)
        .env("MONQC_DATA_DIR", data)
        .env("MONQC_SIGNING_KEY", data.with_extension("key"))
        .env_remove("LD_LIBRARY_PATH")
        .stdin(Stdio::null())
        .output()
        .expect("strace (package strace, installed by .ci/run)");
    assert!(ran_to_verdict(&out), "traced run failed: {}", text(&out));
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    let data_dir = data.to_string_lossy().into_owned();
    let mut calls = Vec::new();
    for line in std::fs::read_to_string(log).unwrap().lines() {
        // `PID name(args) = result`
        let rest = line.split_once(char::is_whitespace).map_or(line, |(_, r)| r.trim_start());
        let Some((name, args)) = rest.split_once('(') else { continue };
        if !CALLS.contains(&name) {
            continue;
        }
        let n = count.entry(name.to_string()).or_insert(0);
        *n += 1;
        // Writes to the terminal or a pipe are not file-system calls on the
        // data; every other call is a kill point.
        if name.contains("write") && !args.contains(&data_dir) {
            continue;
        }
        calls.push(Call { name: name.to_string(), nth: *n, line: rest.to_string() });
    }
    calls
}

/// Run `args` in `data`, killed at `call`; returns the last call seen.
fn run_killed_at(data: &Path, log: &Path, call: &Call, args: &[&str]) -> (bool, String) {
    let out = Command::new("strace")
        .args(["-f", "-y", "-qq", "-o"])
        .arg(log)
        .arg(format!("-etrace={}", call.name))
        .arg(format!("-einject={}:signal=KILL:when={}", call.name, call.nth))
        .arg(env!("CARGO_BIN_EXE_monqc"))
        .args(args)
        .env("MONQC_DATA_DIR", data)
        .env("MONQC_SIGNING_KEY", data.with_extension("key"))
        .env_remove("LD_LIBRARY_PATH")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let trace = std::fs::read_to_string(log).unwrap_or_default();
    let killed = trace.contains("+++ killed by SIGKILL");
    let last = trace
        .lines()
        .rev()
        .find(|l| l.contains(&format!("{}(", call.name)))
        .unwrap_or_default()
        .to_string();
    if !killed {
        assert!(ran_to_verdict(&out), "not killed, yet failed: {}", text(&out));
    }
    (killed, last)
}

/// The session journals in `data`.
fn sessions(data: &Path) -> Vec<PathBuf> {
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

/// Step id → how many journal entries complete it.
fn steps(path: &Path) -> BTreeMap<String, usize> {
    let verified = journal::read(path).unwrap_or_else(|e| panic!("{e}"));
    let mut count = BTreeMap::new();
    for line in &verified.lines[1..] {
        let entry: SessionEntry = serde_json::from_value(line.body.clone()).unwrap();
        if let Some(step) = entry.step() {
            *count.entry(step).or_insert(0) += 1;
        }
    }
    count
}

/// Resume whatever the kill left, then check the data directory is whole:
/// every reading once, one record of that journal, listed once, verified.
fn resume_and_check(data: &Path, plan: usize, what: &str) -> &'static str {
    let found = sessions(data);
    assert!(found.len() <= 1, "{what}: more than one session journal: {found:?}");
    let Some(session) = found.first() else {
        // Killed before the journal had its name: nothing was measured,
        // and nothing may have been recorded.
        let store = Store::open(data).unwrap();
        assert!(store.record_files().unwrap().is_empty(), "{what}: a record without a session");
        let out = monqc(data).args(["verify", "--all"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{what}: {}", text(&out));
        return "no journal yet";
    };
    let out = monqc(data).args(["resume", session.to_str().unwrap(), "--yes"]).output().unwrap();
    assert!(ran_to_verdict(&out), "{what}: resume failed: {}", text(&out));
    check_whole(data, session, plan, what);
    "resumed"
}

fn check_whole(data: &Path, session: &Path, plan: usize, what: &str) {
    let counted = steps(session);
    assert_eq!(counted.len(), plan, "{what}: every step of the plan: {counted:?}");
    for (step, n) in &counted {
        assert_eq!(*n, 1, "{what}: step {step} journalled {n} times");
    }
    let store = Store::open(data).unwrap();
    let files = store.record_files().unwrap();
    assert_eq!(files.len(), 1, "{what}: exactly one record: {files:?}");
    let index = record::index(&store).unwrap();
    assert_eq!(index.len(), 1, "{what}: listed once: {index:?}");
    assert_eq!(index[0].record, files[0]);
    let rec = record::load(&store, &files[0]).unwrap();
    assert_eq!(
        rec.journal,
        journal::read(session).unwrap().lines,
        "{what}: the record holds the journal"
    );
    let out = monqc(data).args(["verify", "--all", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{what}: verify --all: {}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "verified", "{what}: {v}");
    assert_eq!(v["records"][0]["signature"]["state"], "valid", "{what}: signed: {v}");
}

#[test]
#[ignore = "takes a minute or two and needs strace: .ci/run runs it with --ignored"]
fn killed_at_every_file_system_call_then_resumed() {
    let started = Instant::now();
    // In memory where there is a tmpfs: a killed process leaves the same
    // files there (the page cache outlives it), without waiting for the
    // disk at each of the session's 40 syncs.
    let shm = Path::new("/dev/shm");
    let scratch = if shm.is_dir() {
        tempfile::Builder::new().prefix("monqc-crash-").tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let s = scratch.path();
    // The template: a display and a signing key introduced to the index.
    let template = s.join("template");
    let out = monqc(&template)
        .args([
            "displays",
            "add",
            "--id",
            "d1",
            "--grade",
            "1a",
            "--setup",
            "telescopic",
            "--simulated",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = monqc(&template).args(["keys", "create", "--by", "harness"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // The calls of one whole session, untouched.
    let first = fresh(s, "first", &template);
    let calls = record_calls(&first, &s.join("first.trace"), &RUN);
    assert!(calls.len() > 60, "a session makes many file-system calls: {}", calls.len());
    let plan = steps(&sessions(&first)[0]).len();
    assert!(plan >= 30, "the acceptance plan: {plan} steps");
    check_whole(&first, &sessions(&first)[0], plan, "the untouched run");

    let mut by_call: BTreeMap<String, usize> = BTreeMap::new();
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut killed = 0;
    let mut finalising_kills = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let d = fresh(s, "kill", &template);
        let (was_killed, last) = run_killed_at(&d, &s.join("kill.trace"), call, &RUN);
        let what = format!("kill point {} ({} #{}: {})", i + 1, call.name, call.nth, call.line);
        assert!(was_killed, "{what}: the injected kill did not happen");
        assert!(!last.is_empty(), "{what}");
        killed += 1;
        *by_call.entry(call.name.clone()).or_insert(0) += 1;
        *outcomes.entry(resume_and_check(&d, plan, &what)).or_insert(0) += 1;
        if call.line.contains("/records/") {
            finalising_kills.push(call.clone());
        }
    }

    // Killed while finalising, then the resume killed at each of its own
    // calls: the second resume still ends with one record.
    let mut second = 0;
    // The record is linked into place, its temporary name not yet removed,
    // the index not yet written.
    let after_record =
        finalising_kills.iter().find(|c| c.name.starts_with("unlink") && c.line.contains(".json."));
    if let Some(first_kill) = after_record {
        let template2 = fresh(s, "half-finalised", &template);
        let (k, _) = run_killed_at(&template2, &s.join("half.trace"), first_kill, &RUN);
        assert!(k);
        let session = sessions(&template2)[0].clone();
        let resume_args = ["resume", session.to_str().unwrap(), "--yes"];
        let probe = fresh(s, "probe", &template2);
        let resume_calls = record_calls(&probe, &s.join("probe.trace"), &resume_args);
        for call in &resume_calls {
            let d = fresh(s, "kill2", &template2);
            let session = sessions(&d)[0].clone();
            let args = ["resume", session.to_str().unwrap(), "--yes"];
            let (was_killed, _) = run_killed_at(&d, &s.join("kill2.trace"), call, &args);
            let what = format!("resume kill ({} #{}: {})", call.name, call.nth, call.line);
            assert!(was_killed, "{what}: the injected kill did not happen");
            second += 1;
            resume_and_check(&d, plan, &what);
        }
    }
    eprintln!(
        "crash harness: {killed} kill points in a session ({}), {second} more in the resume of a \
         session killed while finalising; outcomes {outcomes:?}; every reading exactly once, \
         one record, verify --all passed each time; {:.0} s",
        by_call.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", "),
        started.elapsed().as_secs_f64()
    );
    assert!(after_record.is_some(), "finalising links the record, then removes its temporary name");
    assert!(killed >= 60 && second >= 10, "{killed} + {second}");
}
