//! `monqc repair`: what is repaired only when someone asks (issue 12: D4).
//!
//! - A torn last line of the index or of an amendment chain (a crash of
//!   another program, a full disk): the bytes are kept in a side file
//!   beside it (`index.jsonl.torn-<time>`) and cut off; a whole line that
//!   only lost its end of line (an editor) gets it back. The repair is
//!   recorded in the index.
//! - A record written just before a crash and not yet listed: listed.
//! - An amendment written just before a crash and not yet anchored:
//!   anchored (it is shown in the repair note).
//! - Temporary files older than an hour, left by a process that stopped
//!   while writing: removed.
//! - `index.head` one line behind the index (a crash between the two
//!   writes): caught up.
//!
//! A changed line, a broken chain or a missing index is not repaired: that
//! is what a backup, or the copy on the records server, is for. An index
//! shorter than `index.head` says (lines lost) is accepted as it is only
//! when asked (`accept_index`), and the acceptance is recorded.

use std::path::Path;

use super::RecordError;
use super::amendments::reconcile;
use super::index::{AmendmentAnchor, HeadState, Index, IndexLine, RepairNote};
use super::verify::CheckState;
use crate::records::clock::{self, Clock};
use crate::records::durable;
use crate::records::journal;
use crate::records::store::Store;

/// What [`repair`] did, and what it left for a person.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Repair {
    /// Each thing repaired.
    pub done: Vec<String>,
    /// Each thing it cannot repair, with what to do.
    pub left: Vec<String>,
}

/// Mend the torn tail of `path` (its last `bytes` bytes): when it is a
/// whole line that lost only its end of line (an editor's doing), the end
/// of line is put back; otherwise the bytes are kept in a side file beside
/// it and cut off. Returns what was done, for the repair note.
fn mend_torn_tail(path: &Path, bytes: usize, clock: Clock) -> Result<String, RecordError> {
    let io = |p: &Path| {
        let p = p.to_owned();
        move |source| RecordError::Io { path: p, source }
    };
    let content = durable::read(path).map_err(io(path))?;
    let mut whole = content.clone();
    whole.push(b'\n');
    let complete = String::from_utf8(whole.clone())
        .ok()
        .and_then(|t| journal::verify(&t, path).ok())
        .is_some_and(|v| v.torn_tail_bytes == 0);
    if complete {
        durable::replace(path, &whole).map_err(io(path))?;
        return Ok(format!(
            "put back the end of line that the last line of {} had lost (the line itself is whole)",
            path.display()
        ));
    }
    let cut = content.len() - bytes;
    let stamp = clock().format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mut n = 0;
    let side = loop {
        let side = path.with_file_name(match n {
            0 => format!("{name}.torn-{stamp}"),
            _ => format!("{name}.torn-{stamp}-{n}"),
        });
        match durable::create_new(&side, &content[cut..]) {
            Ok(()) => break side,
            Err(durable::CreateError::Exists) => n += 1,
            Err(durable::CreateError::Io(source)) => {
                return Err(RecordError::Io { path: side, source });
            }
        }
    };
    durable::replace(path, &content[..cut]).map_err(io(path))?;
    Ok(format!(
        "cut {bytes} bytes of an incomplete last line off {}; they are kept in {}",
        path.display(),
        side.display()
    ))
}

/// Repair what can be repaired (see the module doc), recording each repair
/// in the index (signed when the data directory signs), as `by` at `clock`.
pub fn repair(
    store: &Store,
    by: &str,
    clock: Clock,
    accept_index: bool,
) -> Result<Repair, RecordError> {
    let _lock = store.lock()?;
    let mut report = Repair::default();
    let mut notes = Vec::new();
    let files = store.record_files()?;
    let lenient = Index::read_lenient(store)?;
    if !lenient.exists() && !files.is_empty() {
        report.left.push(format!(
            "{} is missing while {} record(s) remain: restore it from a backup or from the \
             records server (a new index is never started over existing records)",
            lenient.path().display(),
            files.len()
        ));
        return Ok(report);
    }
    if lenient.torn_bytes() > 0 {
        let what = mend_torn_tail(lenient.path(), lenient.torn_bytes(), clock)?;
        report.done.push(what.clone());
        notes.push(what);
    }
    let mut idx = Index::read(store)?;
    let head_problem = match idx.head_state() {
        HeadState::Wrong(why) => Some(why.clone()),
        HeadState::Missing => Some(format!("{} is missing", store.index_head_path().display())),
        HeadState::Ahead { .. } => {
            idx.write_head()?;
            report.done.push("caught index.head up with the index".into());
            None
        }
        HeadState::Matches | HeadState::Legacy => None,
    };
    if let Some(why) = head_problem {
        if !accept_index {
            report.left.push(format!(
                "{why}: restore index.jsonl (with index.head) from a backup or the records \
                 server; or, to go on with the index as it is, `monqc repair --accept-index` \
                 (recorded in the index)"
            ));
            return Ok(report);
        }
        let what = format!("accepted the record index as it is ({why})");
        report.done.push(what.clone());
        notes.push(what);
        idx.write_head()?;
    }
    // The key is needed for anything that writes the index.
    if let Err(e) = idx.signer(store) {
        report.left.push(format!("nothing written to the index: {e}"));
        return Ok(report);
    }
    for _ in 0..idx.adopt_pending(store)? {
        report.done.push("listed a record that finalising wrote just before it stopped".into());
    }
    for id in store.record_files()? {
        let path = store.amendments_path(&id);
        if std::fs::symlink_metadata(&path).is_err() {
            continue;
        }
        if let Ok(v) = journal::read_in_store(&path)
            && v.torn_tail_bytes > 0
        {
            let what = mend_torn_tail(&path, v.torn_tail_bytes, clock)?;
            report.done.push(what.clone());
            notes.push(what);
        }
        let chain = reconcile(store, &id, &idx)?;
        match chain.state {
            CheckState::Pending => {
                let file = chain.file.as_ref().expect("a pending amendment is in a file");
                let last = file.lines.last().expect("it has lines");
                let what = format!(
                    "anchored amendment {} of record {id}, which an interrupted `amend` left \
                     unanchored: {}",
                    last.seq, last.body
                );
                idx.append(
                    store,
                    vec![IndexLine::Amendment(AmendmentAnchor {
                        record: id.clone(),
                        count: last.seq,
                        head: last.hash.clone(),
                        signing_key: None,
                        signature: None,
                    })],
                )?;
                report.done.push(what.clone());
                notes.push(what);
            }
            CheckState::Changed => report.left.push(format!(
                "record {id}: {}; not repaired (restore the file from a backup or the records \
                 server)",
                chain.detail
            )),
            _ => {}
        }
    }
    // Temporary files from a process that stopped while writing; an hour
    // old, so none that a running process is still writing.
    let now = clock();
    for dir in [store.records_dir(), store.sessions_dir(), store.root().to_path_buf()] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.filter_map(|e| e.ok()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .map(|t| {
                    chrono::DateTime::<chrono::Utc>::from(t) < now - chrono::TimeDelta::hours(1)
                })
                .unwrap_or(false);
            if durable::is_temp(&name) && old && std::fs::remove_file(entry.path()).is_ok() {
                report.done.push(format!(
                    "removed {}, left by a process that stopped while writing it",
                    entry.path().display()
                ));
            }
        }
    }
    if !notes.is_empty() {
        let at = clock::timestamp(clock);
        idx.append(
            store,
            notes
                .into_iter()
                .map(|what| {
                    IndexLine::Repair(RepairNote {
                        at: at.clone(),
                        by: by.to_string(),
                        what,
                        signing_key: None,
                        signature: None,
                    })
                })
                .collect(),
        )?;
    }
    Ok(report)
}
