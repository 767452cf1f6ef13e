//! Amendments: corrections to a record, appended to a hash-chained file
//! beside it, `records/<id>.amendments.jsonl`. Line 0 is
//! `{"amends": "<id>", "version": 2}` (`{"amends": "<id>"}` in files
//! started before amendments were anchored); every further line is one [`Amendment`].
//!
//! Every amendment is also anchored in the record index: an `amendment`
//! line with the chain's new count and head hash ([`AmendmentAnchor`]). So
//! deleting the file, cutting lines off its end or rewriting it is a
//! mismatch with the index (REDTEAM D5; issue 11 item 4). The file is
//! written first and the anchor second, under the data directory's lock: a
//! crash between the two leaves one amendment in the file that no anchor
//! covers yet, which `verify` reports as pending and `monqc repair`
//! anchors; it never reads as a change.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::index::{AmendmentAnchor, HeadState, Index, IndexLine};
use super::verify::CheckState;
use super::{RecordError, load};
use crate::records::journal::{self, Verified};
use crate::records::store::Store;

/// A correction appended to a record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Amendment {
    /// Who made it.
    pub who: String,
    /// When (RFC 3339).
    pub at: String,
    /// Why.
    pub why: String,
    /// What is corrected (for example `display`, or `verdict:uniformity`).
    pub field: String,
    /// The corrected value, as text.
    pub value: String,
}

/// A record's amendment chain, checked against the index.
pub(super) struct Chain {
    /// The file as read (none when there is no file).
    pub(super) file: Option<Verified>,
    /// The amendments that count: anchored ones, and those of an older
    /// file that no anchor covers yet.
    pub(super) confirmed: Vec<Amendment>,
    /// How the chain stands, and why.
    pub(super) state: CheckState,
    /// Said to people.
    pub(super) detail: String,
}

/// Check record `id`'s amendment file against the index `idx`.
pub(super) fn reconcile(store: &Store, id: &str, idx: &Index) -> Result<Chain, RecordError> {
    let path = store.amendments_path(id);
    let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let changed = |detail: String| Chain {
        file: None,
        confirmed: Vec::new(),
        state: CheckState::Changed,
        detail,
    };
    let file = if std::fs::symlink_metadata(&path).is_ok() {
        match journal::read_in_store(&path) {
            Ok(v) => Some(v),
            Err(e) => return Ok(changed(e.to_string())),
        }
    } else {
        None
    };
    let anchors = idx.anchors(id);
    let anchored = anchors.last().map_or(0, |(_, a)| a.count);
    let mut legacy = true;
    if let Some(v) = &file {
        if v.torn_tail_bytes > 0 {
            return Ok(changed(
                journal::JournalError::TornTail { path: path.clone(), bytes: v.torn_tail_bytes }
                    .to_string(),
            ));
        }
        let head = &v.lines[0].body;
        legacy = *head == json!({ "amends": id });
        if !legacy && *head != json!({ "amends": id, "version": 2 }) {
            return Ok(changed(format!("{name} does not belong to record {id}")));
        }
    }
    let lines = file.as_ref().map_or(&[][..], |v| &v.lines[..]);
    let in_file = lines.len().saturating_sub(1) as u64;
    for (seq, a) in &anchors {
        let at = seq + 1;
        if a.count > in_file {
            let what = if file.is_none() { "the file is gone" } else { "the file was cut short" };
            return Ok(changed(format!(
                "amendment {} of this record, anchored at index line {at}, is missing from \
                 {name}: {what}",
                a.count
            )));
        }
        if lines[a.count as usize].hash != a.head {
            return Ok(changed(format!(
                "amendment {} in {name} is not the one anchored at index line {at}: the file \
                 was rewritten",
                a.count
            )));
        }
    }
    let parse = |l: &journal::Line| {
        serde_json::from_value::<Amendment>(l.body.clone()).map_err(|e| {
            RecordError::Malformed(format!("{}: line {}: {e}", path.display(), l.seq + 1))
        })
    };
    let unanchored = in_file - anchored;
    let (confirmed_count, state, detail) = if unanchored == 0 {
        let detail = match in_file {
            0 => "no amendments".to_string(),
            n => format!("{n} amendment(s), chain intact, anchored in the index"),
        };
        (in_file, CheckState::Holds, detail)
    } else if anchors.is_empty() && legacy {
        (
            in_file,
            CheckState::Notice,
            format!(
                "{in_file} amendment(s), chain intact; written before amendments were anchored in \
                 the index, so their deletion could not be detected (the next amendment \
                 anchors them)"
            ),
        )
    } else if unanchored == 1 && !matches!(idx.head_state(), HeadState::Wrong(_)) {
        (
            anchored,
            CheckState::Pending,
            format!(
                "amendment {in_file} is in {name} but not anchored in the index: an `amend` \
                 stopped before it finished, or the line was added by hand; `monqc repair` \
                 shows it and anchors it"
            ),
        )
    } else {
        return Ok(changed(format!(
            "amendments {}–{in_file} in {name} are not anchored in the index: they were added \
             by hand",
            anchored + 1
        )));
    };
    let confirmed =
        lines.iter().skip(1).take(confirmed_count as usize).map(parse).collect::<Result<_, _>>()?;
    Ok(Chain { file, confirmed, state, detail })
}

/// Append an amendment to record `id`: to its amendment file, then its
/// anchor to the index (signed when the data directory signs).
pub fn amend(store: &Store, id: &str, amendment: &Amendment) -> Result<(), RecordError> {
    load(store, id)?;
    let _lock = store.lock()?;
    let mut idx = Index::read_for_write(store)?;
    idx.refuse_fresh_over_records(store)?;
    idx.adopt_pending(store)?;
    // Fail before writing anything when the key is missing.
    idx.signer(store)?;
    let chain = reconcile(store, id, &idx)?;
    match chain.state {
        CheckState::Changed => return Err(RecordError::Changed(chain.detail)),
        CheckState::Pending => {
            return Err(RecordError::Malformed(format!("{}; nothing was added", chain.detail)));
        }
        _ => {}
    }
    let path = store.amendments_path(id);
    let body: Value = serde_json::to_value(amendment).expect("serialises");
    let new = journal::append_atomically(
        &path,
        chain.file.as_ref(),
        &json!({ "amends": id, "version": 2 }),
        vec![body],
    )?;
    let line = &new[0];
    idx.append(
        store,
        vec![IndexLine::Amendment(AmendmentAnchor {
            record: id.to_string(),
            count: line.seq,
            head: line.hash.clone(),
            signing_key: None,
            signature: None,
        })],
    )?;
    Ok(())
}

/// The amendments of record `id`, oldest first: those the index anchors
/// (and those of an older file no anchor covers yet). An amendment file
/// that was deleted, cut short or rewritten is an error.
pub fn amendments(store: &Store, id: &str) -> Result<Vec<Amendment>, RecordError> {
    let idx = Index::read(store)?;
    let chain = reconcile(store, id, &idx)?;
    if chain.state == CheckState::Changed {
        return Err(RecordError::Changed(chain.detail));
    }
    Ok(chain.confirmed)
}
