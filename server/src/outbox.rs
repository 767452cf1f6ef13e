//! What a workstation's data directory holds that the server lacks, cut
//! into push requests: the server's side of the protocol, used by the demo
//! fleet and the load command to push as `monqc push` does.

use std::collections::BTreeMap;
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
/// `max_records` records each.
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
    if held > 0 {
        let ours = adapter::parse_index_line(&lines[held - 1])?.hash;
        if Some(&ours) != state.index_head.as_ref() {
            return Err(OutboxError::Diverged(format!(
                "the server's index of this workstation does not match {}'s at line {held}",
                data_dir.display()
            )));
        }
    }
    let amendments_of = |id: &str| -> Result<Option<PushedAmendments>, OutboxError> {
        let local = dir.amendment_lines(id)?;
        let from = counts.get(id).copied().unwrap_or(0).max(0) as usize;
        if local.len() <= from {
            return Ok(None);
        }
        Ok(Some(PushedAmendments {
            record: id.into(),
            from: from as i64,
            lines: local[from..].to_vec(),
        }))
    };
    let mut requests = Vec::new();
    let mut current = PushRequest { index_from: held as i64, ..Default::default() };
    let mut in_new = std::collections::BTreeSet::new();
    for (i, text) in lines.iter().enumerate().skip(held) {
        let line = adapter::parse_index_line(text)?;
        current.index_lines.push(text.clone());
        if let Some(id) = line.record {
            let path = dir.record_path(&id);
            let bytes = std::fs::read(&path).map_err(|e| OutboxError::File {
                path: path.display().to_string(),
                problem: e.to_string(),
            })?;
            let text = String::from_utf8(bytes).map_err(|_| OutboxError::File {
                path: path.display().to_string(),
                problem: "not UTF-8 text: the record file was damaged".into(),
            })?;
            current.records.push(PushedRecord { id: id.clone(), text });
            current.amendments.extend(amendments_of(&id)?);
            in_new.insert(id);
        }
        if current.records.len() >= max_records {
            let next = PushRequest { index_from: i as i64 + 1, ..Default::default() };
            requests.push(std::mem::replace(&mut current, next));
        }
    }
    for (id, _) in counts.iter().filter(|(id, _)| !in_new.contains(*id)) {
        current.amendments.extend(amendments_of(id)?);
    }
    for id in amended_records(data_dir)? {
        if !in_new.contains(&id) && !counts.contains_key(&id) {
            current.amendments.extend(amendments_of(&id)?);
        }
    }
    if !current.index_lines.is_empty() || !current.amendments.is_empty() {
        requests.push(current);
    }
    Ok(requests)
}
