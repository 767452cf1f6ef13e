//! The file behaviour the records layer relies on, checked on the platform
//! the tests run on: on Linux in `cargo test`, and on Windows (under Wine in
//! `.ci/run`, see `.ci/wine/`), where locks, renames and sharing follow
//! other rules (LockFileEx byte-range locks, MoveFileEx, share modes).
//!
//! - The records lock (`records/.lock`) keeps a second monqc *process*
//!   waiting until the first lets go, and several processes amending one
//!   record at once leave one intact chain.
//! - A journal's lines are on disk after `append` (synced) and can be read
//!   by another reader while the writer holds the file open; a torn last
//!   line is cut off when the journal is continued.
//! - Replacing a file by renaming a synced temporary file over it works
//!   while a reader holds the old file open, and that reader keeps reading
//!   the old bytes (what the atomic replace of an index or site file needs).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use monqc::records::journal::{self, Journal};
use monqc::records::record;
use monqc::records::store::Store;
use serde_json::json;

/// A data directory holding one record, made by `monqc demo`.
fn data_dir_with_a_record() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = monqc(dir.path(), &["demo"]).output().unwrap();
    // The demo judges no visual item: INCOMPLETE (3).
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let store = Store::open(dir.path()).unwrap();
    let index = record::index(&store).unwrap();
    assert_eq!(index.len(), 1);
    let id = index[0].record.clone();
    (dir, id)
}

fn monqc(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_monqc"));
    c.args(args).env("MONQC_DATA_DIR", data);
    c
}

fn amend(data: &Path, id: &str, value: &str) -> Child {
    monqc(data, &["amend", id, "--field", "note", "--value", value, "--why", "test", "--by", "t"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finished(child: Child) -> std::process::Output {
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn a_second_process_waits_for_the_records_lock() {
    let (dir, id) = data_dir_with_a_record();
    let store = Store::open(dir.path()).unwrap();
    // Hold the lock the way monqc takes it: an exclusive lock on records/.lock.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(store.records_dir().join(".lock"))
        .unwrap();
    lock.lock().unwrap();
    let started = Instant::now();
    let mut child = amend(dir.path(), &id, "held");
    // A Wine process takes a few hundred milliseconds to start; give the
    // child ample time to reach the lock and (wrongly) get past it.
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        child.try_wait().unwrap().is_none(),
        "monqc amend finished while another process held the records lock"
    );
    assert!(record::amendments(&store, &id).unwrap().is_empty(), "nothing written under the lock");
    // Let go as monqc does: closing the handle releases the lock. (Wine 8
    // answers an explicit UnlockFile for the whole-file range with "lock
    // violation"; monqc ignores that and closes.)
    drop(lock);
    finished(child);
    assert!(started.elapsed() >= Duration::from_secs(3));
    let amendments = record::amendments(&store, &id).unwrap();
    assert_eq!(amendments.len(), 1);
    assert_eq!(amendments[0].value, "held");
}

#[test]
fn processes_amending_at_once_leave_one_intact_chain() {
    let (dir, id) = data_dir_with_a_record();
    let children: Vec<Child> = (0..4).map(|i| amend(dir.path(), &id, &format!("v{i}"))).collect();
    for child in children {
        finished(child);
    }
    let store = Store::open(dir.path()).unwrap();
    let mut values: Vec<String> =
        record::amendments(&store, &id).unwrap().into_iter().map(|a| a.value).collect();
    values.sort();
    assert_eq!(values, ["v0", "v1", "v2", "v3"]);
    // The chain verifies line by line (a lost or interleaved append would not).
    let v = journal::read(&store.amendments_path(&id)).unwrap();
    assert_eq!((v.lines.len(), v.torn_tail_bytes), (5, 0));
    let out = monqc(dir.path(), &["verify", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn journal_lines_are_readable_while_the_writer_holds_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let mut j = Journal::create(&path, &json!({"header": "h"})).unwrap();
    for i in 0..3 {
        j.append(&json!({"reading": i})).unwrap();
        // Another reader (a second monqc, an antivirus scanner) sees every
        // synced line while the writer still holds its handle.
        let v = journal::read(&path).unwrap();
        assert_eq!((v.lines.len(), v.torn_tail_bytes), (i + 2, 0));
    }
    // A crash mid-line: the writer's handle goes, a torn tail stays.
    drop(j);
    let torn = b"{\"seq\":4,\"prev\":\"ab";
    std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(torn).unwrap();
    assert_eq!(journal::read(&path).unwrap().torn_tail_bytes, torn.len());
    let (mut j, v) = Journal::open_append(&path).unwrap();
    assert_eq!(v.lines.len(), 4);
    j.append(&json!({"reading": 3})).unwrap();
    drop(j);
    let v = journal::read(&path).unwrap();
    assert_eq!((v.lines.len(), v.torn_tail_bytes), (5, 0), "the torn tail was cut, then appended");
    // Creating over an existing journal is refused, never a truncation.
    assert!(matches!(
        Journal::create(&path, &json!({"header": "again"})),
        Err(journal::JournalError::Exists { .. })
    ));
    assert_eq!(journal::read(&path).unwrap().lines.len(), 5);
}

#[test]
fn a_rename_replaces_a_file_in_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.jsonl");
    std::fs::write(&path, "old\n").unwrap();
    // The replacement, written and synced under a temporary name first.
    let tmp = dir.path().join(".index.jsonl.tmp");
    let mut f = std::fs::File::create(&tmp).unwrap();
    f.write_all(b"new\n").unwrap();
    f.sync_all().unwrap();
    drop(f);
    std::fs::rename(&tmp, &path).unwrap();
    assert!(!tmp.exists());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
}

/// On Unix a reader holding the old file open never stops a replace. On
/// Windows it can: Wine 8 (and Windows without POSIX rename semantics, such
/// as FAT volumes and older releases) refuses the rename with "access
/// denied" while any handle is open on the target, so an atomic replace
/// there must retry or report, never assume.
#[test]
fn a_rename_replaces_a_file_a_reader_holds_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.jsonl");
    std::fs::write(&path, "old\n").unwrap();
    let mut reader = std::fs::File::open(&path).unwrap();
    let tmp = dir.path().join(".index.jsonl.tmp");
    std::fs::write(&tmp, "new\n").unwrap();
    let renamed = std::fs::rename(&tmp, &path);
    if cfg!(windows)
        && let Err(e) = &renamed
    {
        assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied, "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n", "nothing half-done");
        return;
    }
    renamed.unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
    let mut old = String::new();
    reader.read_to_string(&mut old).unwrap();
    assert_eq!(old, "old\n", "the reader's handle still reads what it opened");
}
