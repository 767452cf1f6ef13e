//! What a workstation's data directory holds that the server lacks, cut
//! into push requests: the server's side of the protocol, used by the demo
//! fleet and the load command to push as `monqc push` does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::adapter::{self, AdapterError, WorkstationDir};
use crate::ingest::{PushRequest, PushState, PushedAmendments, PushedRecord};

/// Why a data directory cannot be pushed.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The library refused the directory.
    #[error(transparent)]
    Library(#[from] AdapterError),
    /// The server holds lines this directory does not have.
    #[error("{0}")]
    Diverged(String),
    /// A file is not readable as text.
    #[error("{path}: {problem}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        problem: String,
    },
}

/// The records whose amendments file exists, among those `index` lists.
pub fn amended_records(data_dir: &Path) -> Result<Vec<String>, OutboxError> {
    let dir = WorkstationDir::open(data_dir)?;
    let mut out = Vec::new();
    for line in dir.index_lines()? {
        if let Some(r) = adapter::parse_index_line(&line)?.record
            && dir.amendments_path(&r).exists()
        {
            out.push(r);
        }
    }
    Ok(out)
}

/// The push requests that bring the server from `state` (and the
/// amendment line `counts` it holds) to this data directory, at most
/// `max_records` records each. Amendment lines go with the index line that
/// anchors them (as `monqc push` sends them); those of records amended
/// before anchors existed go last; lines no anchor covers yet (a crash
/// inside `monqc amend`) wait for `monqc repair`.
pub fn plan(
    data_dir: &Path,
    state: &PushState,
    counts: &BTreeMap<String, i64>,
    max_records: usize,
) -> Result<Vec<PushRequest>, OutboxError> {
    let dir = WorkstationDir::open(data_dir)?;
    let lines = dir.index_lines()?;
    let held = state.index_lines.max(0) as usize;
    if held > lines.len() {
        return Err(OutboxError::Diverged(format!(
            "the server holds {held} index lines of this workstation but {} has {}",
            data_dir.display(),
            lines.len()
        )));
    }
    let parsed =
        lines.iter().map(|l| adapter::parse_index_line(l)).collect::<Result<Vec<_>, _>>()?;
    if held > 0 && Some(&parsed[held - 1].hash) != state.index_head.as_ref() {
        return Err(OutboxError::Diverged(format!(
            "the server's index of this workstation does not match {}'s at line {held}",
            data_dir.display()
        )));
    }
    let mut sent: BTreeMap<String, usize> =
        counts.iter().map(|(id, n)| (id.clone(), (*n).max(0) as usize)).collect();
    let mut local: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for id in amended_records(data_dir)? {
        let l = dir.amendment_lines(&id)?;
        local.insert(id, l);
    }
    let anchored: BTreeSet<String> =
        parsed.iter().filter_map(|l| l.anchors.as_ref().map(|a| a.0.clone())).collect();
    let mut requests = Vec::new();
    let mut current = PushRequest { index_from: held as i64, ..Default::default() };
    for (i, (text, line)) in lines.iter().zip(&parsed).enumerate().skip(held) {
        current.index_lines.push(text.clone());
        if let Some(id) = &line.record {
            let path = dir.record_path(id);
            let bytes = std::fs::read(&path).map_err(|e| OutboxError::File {
                path: path.display().to_string(),
                problem: e.to_string(),
            })?;
            let text = String::from_utf8(bytes).map_err(|_| OutboxError::File {
                path: path.display().to_string(),
                problem: "not UTF-8 text: the record file was damaged".into(),
            })?;
            current.records.push(PushedRecord { id: id.clone(), text });
        }
        if let Some((id, head)) = &line.anchors {
            let chain = local.get(id).map(Vec::as_slice).unwrap_or_default();
            let upto = chain
                .iter()
                .position(|l| adapter::parse_amendment_line(l).is_ok_and(|(_, h)| h == *head))
                .ok_or_else(|| {
                    OutboxError::Diverged(format!(
                        "index line {i} anchors an amendment of record {id} that {} does not hold",
                        dir.amendments_path(id).display()
                    ))
                })?;
            let from = sent.get(id).copied().unwrap_or(0);
            if upto + 1 > from {
                add(&mut current, id, from, &chain[from..=upto]);
                sent.insert(id.clone(), upto + 1);
            }
        }
        if current.records.len() >= max_records {
            let next = PushRequest { index_from: i as i64 + 1, ..Default::default() };
            requests.push(std::mem::replace(&mut current, next));
        }
    }
    for (id, chain) in &local {
        let from = sent.get(id).copied().unwrap_or(0);
        if chain.len() > from && !anchored.contains(id) {
            add(&mut current, id, from, &chain[from..]);
        }
    }
    if !current.index_lines.is_empty() || !current.amendments.is_empty() {
        requests.push(current);
    }
    Ok(requests)
}

/// Add amendment lines `lines` of record `id`, from line `from`, to `req`.
fn add(req: &mut PushRequest, id: &str, from: usize, lines: &[String]) {
    match req.amendments.iter_mut().find(|a| a.record == id) {
        Some(a) => a.lines.extend(lines.iter().cloned()),
        None => req.amendments.push(PushedAmendments {
            record: id.into(),
            from: from as i64,
            lines: lines.to_vec(),
        }),
    }
}
