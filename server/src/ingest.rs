//! Ingest that trusts nothing: a push is checked by the library exactly as
//! `monqc verify` checks a record on its workstation (the record's SHA-256,
//! its journal's chain, its criteria table, the analysis recomputed from the
//! raw readings, its place in the workstation's hash-chained index, its
//! amendments' chain), and stored only when every check holds, all of it in
//! one transaction.
//!
//! Also here: rebuilding a held record's data directory for its page, its
//! PDF and its verification bundle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::adapter::{self, Check, RecordFacts, Scratch};
use crate::db::{self, Account, Db, DbError, DisplayHint, NewRecord, PushWrite, Role};

/// Most records one push may carry (the client sends batches).
pub const MAX_RECORDS_PER_PUSH: usize = 500;

/// One record in a push: its id and its file's text, exactly.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PushedRecord {
    /// The id the workstation files it under (its SHA-256).
    pub id: String,
    /// The record file's bytes (records are UTF-8 JSON).
    pub text: String,
}

/// New amendment lines of one record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PushedAmendments {
    /// The record.
    pub record: String,
    /// How many lines the server holds (where these continue).
    pub from: i64,
    /// The new lines, without newlines.
    pub lines: Vec<String>,
}

/// The workstation's facility, from its site configuration.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PushedFacility {
    /// Facility name.
    #[serde(default)]
    pub name: String,
    /// Department.
    #[serde(default)]
    pub department: String,
}

/// One push: what the workstation has that the server lacks.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PushRequest {
    /// How many index lines the server holds (where these continue).
    #[serde(default)]
    pub index_from: i64,
    /// New index lines, without newlines.
    #[serde(default)]
    pub index_lines: Vec<String>,
    /// Records.
    #[serde(default)]
    pub records: Vec<PushedRecord>,
    /// Amendment lines.
    #[serde(default)]
    pub amendments: Vec<PushedAmendments>,
    /// The workstation's displays as its site configuration describes them.
    #[serde(default)]
    pub displays: Vec<DisplayHint>,
    /// The workstation's facility.
    #[serde(default)]
    pub facility: Option<PushedFacility>,
}

/// What the server answers to a push.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Records stored now.
    pub stored: Vec<String>,
    /// Records the server already held (acknowledged, not duplicated).
    pub held: Vec<String>,
    /// Index lines the server now holds for this workstation.
    pub index_lines: i64,
}

/// Where a workstation stands on the server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PushState {
    /// The workstation's account.
    pub workstation: String,
    /// Its site.
    pub site: String,
    /// Index lines held.
    pub index_lines: i64,
    /// The last held line's hash.
    pub index_head: Option<String>,
}

/// Why a push was not stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The push is not well formed (400).
    #[error("{0}")]
    BadRequest(String),
    /// The account may not push (403).
    #[error("{0}")]
    Forbidden(String),
    /// A record or line failed a check (422); nothing was stored.
    #[error("{message}")]
    Refused {
        /// What is wrong and what to do.
        message: String,
        /// The record concerned.
        record: Option<String>,
        /// The library's checks of it.
        checks: Vec<Check>,
    },
    /// The push does not continue what the server holds (409).
    #[error("{0}")]
    Conflict(String),
    /// The server failed (500).
    #[error("{0}")]
    Internal(String),
}

impl From<DbError> for IngestError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Conflict(m) => Self::Conflict(m),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<adapter::AdapterError> for IngestError {
    fn from(e: adapter::AdapterError) -> Self {
        Self::Internal(e.to_string())
    }
}

fn refused(message: impl Into<String>, record: Option<&str>) -> IngestError {
    IngestError::Refused { message: message.into(), record: record.map(Into::into), checks: vec![] }
}

/// The ingest service: the database, where scratch directories go, and a
/// bound on concurrent verification (it is CPU work).
#[derive(Clone, Debug)]
pub struct Ingest {
    db: Db,
    scratch: Option<PathBuf>,
    cpu: Arc<Semaphore>,
}

impl Ingest {
    /// Verify on at most as many threads as the machine has cores.
    pub fn new(db: Db, scratch: Option<PathBuf>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { db, scratch, cpu: Arc::new(Semaphore::new(cores)) }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Run blocking library work on the blocking pool, bounded by the cores.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(Option<PathBuf>) -> T + Send + 'static,
    ) -> Result<T, IngestError> {
        let _permit = self.cpu.acquire().await.map_err(|e| IngestError::Internal(e.to_string()))?;
        let dir = self.scratch.clone();
        tokio::task::spawn_blocking(move || f(dir))
            .await
            .map_err(|e| IngestError::Internal(format!("verification task: {e}")))
    }

    /// Where `account` stands.
    pub async fn state(&self, account: &Account) -> Result<PushState, IngestError> {
        let site = self.workstation_site(account).await?;
        let (n, head) = self.db.index_state(account.id).await?;
        Ok(PushState {
            workstation: account.name.clone(),
            site: site.1,
            index_lines: n,
            index_head: head,
        })
    }

    /// How many amendment lines the server holds of each of `ids`.
    pub async fn amendment_counts(
        &self,
        account: &Account,
        ids: &[String],
    ) -> Result<BTreeMap<String, i64>, IngestError> {
        self.workstation_site(account).await?;
        Ok(self.db.amendment_counts(ids).await?)
    }

    async fn workstation_site(&self, account: &Account) -> Result<(i64, String), IngestError> {
        if account.role != Role::Workstation {
            return Err(IngestError::Forbidden(format!(
                "account `{}` is a {} account; only workstation tokens push records",
                account.name,
                account.role.id()
            )));
        }
        let site = account.site_id.ok_or_else(|| {
            IngestError::Forbidden(format!("workstation `{}` has no site", account.name))
        })?;
        let name = self
            .db
            .sites()
            .await?
            .into_iter()
            .find(|s| s.id == site)
            .map(|s| s.name)
            .unwrap_or_default();
        Ok((site, name))
    }

    /// Check a push with the library and store it, or refuse all of it.
    pub async fn push(
        &self,
        account: &Account,
        req: PushRequest,
    ) -> Result<PushResponse, IngestError> {
        let (site_id, _) = self.workstation_site(account).await?;
        if req.records.len() > MAX_RECORDS_PER_PUSH {
            return Err(IngestError::BadRequest(format!(
                "{} records in one push; send at most {MAX_RECORDS_PER_PUSH} per request",
                req.records.len()
            )));
        }
        // One read of the held lines, for both the position check and the
        // scratch index verification builds: a concurrent push of this
        // workstation stored meanwhile makes this one's commit fail (409),
        // never its chain look broken (422).
        let stored_lines = self.db.index_lines(account.id).await?;
        let held_lines = stored_lines.len() as i64;
        if req.index_from != held_lines {
            return Err(IngestError::Conflict(format!(
                "the push continues the index at line {} but the server holds {held_lines} \
                 line(s) of workstation `{}`; ask /api/v1/push/state and push from there",
                req.index_from, account.name
            )));
        }

        // The new index lines, in order.
        let mut new_lines = Vec::new();
        for (i, text) in req.index_lines.iter().enumerate() {
            let line = adapter::parse_index_line(text)
                .map_err(|e| refused(format!("index line {}: {e}", held_lines + i as i64), None))?;
            let want = held_lines as u64 + i as u64;
            if line.seq != want {
                return Err(refused(
                    format!("index line {want} carries sequence number {}", line.seq),
                    None,
                ));
            }
            new_lines.push((text.clone(), line));
        }
        let mut listed: BTreeSet<String> = BTreeSet::new();
        for text in &stored_lines {
            if let Ok(l) = adapter::parse_index_line(text)
                && let Some(r) = l.record
            {
                listed.insert(r);
            }
        }
        for (_, l) in &new_lines {
            if let Some(r) = &l.record {
                listed.insert(r.clone());
            }
        }

        // The records: each one's bytes, and whether the server holds it.
        let pushed: BTreeMap<String, Vec<u8>> =
            req.records.iter().map(|r| (r.id.clone(), r.text.clone().into_bytes())).collect();
        for id in pushed.keys() {
            if id.len() != 64
                || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err(refused(
                    format!("`{id}` is not a record id (64 lower-case hex digits)"),
                    Some(id),
                ));
            }
        }
        let ids: Vec<String> = pushed.keys().cloned().collect();
        let held = self.db.records_held(&ids).await?;
        for (id, bytes) in &pushed {
            // A held record sent again must be the same bytes: a changed
            // copy under a known id is refused, never acknowledged.
            if held.contains(id) && adapter::content_hash(bytes) != *id {
                return Err(IngestError::Refused {
                    message: format!(
                        "record {id} was changed: its bytes hash to {}, not to its id; the \
                         server keeps the record as first finalised",
                        adapter::content_hash(bytes)
                    ),
                    record: Some(id.clone()),
                    checks: vec![],
                });
            }
        }
        for (_, l) in &new_lines {
            if let Some(r) = &l.record
                && !held.contains(r)
                && !pushed.contains_key(r)
            {
                return Err(refused(
                    format!(
                        "index line {} lists record {r}, which this push does not carry and the \
                         server does not hold; push the record with its index line",
                        l.seq
                    ),
                    Some(r),
                ));
            }
        }
        let new_records: Vec<String> =
            pushed.keys().filter(|id| !held.contains(*id)).cloned().collect();

        // Amendments: where they continue and whose record they amend.
        let mut amendment_sets: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut new_amendment_lines = Vec::new();
        for a in &req.amendments {
            if a.lines.is_empty() {
                continue;
            }
            if !held.contains(&a.record)
                && !pushed.contains_key(&a.record)
                && self.db.record_bytes(&a.record).await?.is_none()
            {
                return Err(refused(
                    format!("amendments of record {} which the server does not hold", a.record),
                    Some(&a.record),
                ));
            }
            let stored = self.db.amendment_lines(&a.record).await?;
            if a.from != stored.len() as i64 {
                return Err(IngestError::Conflict(format!(
                    "the amendments of record {} continue at line {} but the server holds {}",
                    a.record,
                    a.from,
                    stored.len()
                )));
            }
            for (i, text) in a.lines.iter().enumerate() {
                let (seq, hash) = adapter::parse_amendment_line(text).map_err(|e| {
                    refused(format!("amendment of record {}: {e}", a.record), Some(&a.record))
                })?;
                if seq != (stored.len() + i) as u64 {
                    return Err(refused(
                        format!(
                            "amendment line {} of record {} carries sequence number {seq}",
                            stored.len() + i,
                            a.record
                        ),
                        Some(&a.record),
                    ));
                }
                new_amendment_lines.push((a.record.clone(), seq as i64, hash, text.clone()));
            }
            let mut all = stored;
            all.extend(a.lines.iter().cloned());
            amendment_sets.insert(a.record.clone(), all);
        }

        // Everything the library needs in the scratch directory: the records
        // to check, records amended now, their baselines, and the
        // amendments already held of new records (none, normally).
        let mut to_verify: BTreeSet<String> = new_records.iter().cloned().collect();
        to_verify.extend(amendment_sets.keys().cloned());
        let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for id in &to_verify {
            let bytes = match pushed.get(id) {
                Some(b) if !held.contains(id) => b.clone(),
                _ => self.db.record_bytes(id).await?.ok_or_else(|| {
                    refused(format!("record {id} is not on the server"), Some(id))
                })?,
            };
            files.insert(id.clone(), bytes);
        }
        let mut baselines = BTreeMap::new();
        for bytes in files.values() {
            if let Some(b) = adapter::baseline_named(bytes)
                && !files.contains_key(&b)
            {
                match pushed.get(&b) {
                    Some(bytes) => {
                        baselines.insert(b, bytes.clone());
                    }
                    None => {
                        if let Some(bytes) = self.db.record_bytes(&b).await? {
                            baselines.insert(b, bytes);
                        }
                    }
                }
            }
        }
        for id in &to_verify {
            if !amendment_sets.contains_key(id) {
                let stored = self.db.amendment_lines(id).await?;
                if !stored.is_empty() {
                    amendment_sets.insert(id.clone(), stored);
                }
            }
        }
        let mut index: Vec<String> = stored_lines;
        index.extend(new_lines.iter().map(|(t, _)| t.clone()));
        let verify_ids: Vec<String> = to_verify.iter().cloned().collect();
        let new_set: BTreeSet<String> = new_records.iter().cloned().collect();
        type Outcome = Result<Vec<(String, Vec<Check>, Option<RecordFacts>)>, IngestError>;
        let outcome: Outcome = self
            .blocking(move |dir| {
                let scratch = Scratch::new(dir.as_deref())?;
                if !index.is_empty() {
                    scratch.put_index(&index)?;
                    scratch.check_index().map_err(|e| {
                        refused(
                            format!("the workstation's record index does not verify: {e}"),
                            None,
                        )
                    })?;
                }
                for (id, bytes) in files.iter().chain(baselines.iter()) {
                    scratch.put_record(id, bytes)?;
                }
                for (id, lines) in &amendment_sets {
                    scratch.put_amendments(id, lines)?;
                }
                let mut out = Vec::new();
                for id in &verify_ids {
                    let checks = scratch.verify(id).map_err(|e| {
                        refused(format!("record {id} cannot be checked: {e}"), Some(id))
                    })?;
                    let ok = checks.iter().all(|c| c.ok);
                    let facts =
                        if ok && new_set.contains(id) { Some(scratch.facts(id)?) } else { None };
                    out.push((id.clone(), checks, facts));
                }
                Ok(out)
            })
            .await?;
        let verified = outcome?;

        // A changed record also fails the records judged against it as
        // baseline: name the changed one (its own bytes fail) first.
        let mut failed: Vec<&(String, Vec<Check>, Option<RecordFacts>)> =
            verified.iter().filter(|(_, checks, _)| checks.iter().any(|c| !c.ok)).collect();
        failed.sort_by_key(|(_, checks, _)| checks.iter().position(|c| !c.ok));
        if let Some((id, checks, _)) = failed.first() {
            let bad = checks.iter().find(|c| !c.ok).expect("a failed check");
            let others = match failed.len() {
                1 => String::new(),
                n => format!(" ({} other record(s) of this push fail too)", n - 1),
            };
            return Err(IngestError::Refused {
                message: format!(
                    "record {id} does not verify ({}: {}){others}; nothing from this push was \
                     stored. Run `monqc verify {id}` on the workstation",
                    bad.what, bad.detail
                ),
                record: Some(id.clone()),
                checks: checks.clone(),
            });
        }
        let mut records = Vec::new();
        for (id, _, facts) in verified {
            let Some(f) = facts else { continue };
            // The index line must say what the record says.
            if let Some((_, l)) = new_lines.iter().find(|(_, l)| l.record.as_deref() == Some(&id))
                && let Some(says) = &l.says
                && (says.display_id != f.display_id
                    || says.test != f.test
                    || says.overall != f.overall
                    || says.finalised_at != f.finalised_at
                    || says.session != f.session_file)
            {
                return Err(refused(
                    format!(
                        "index line {} does not describe record {id} as the record itself does",
                        l.seq
                    ),
                    Some(&id),
                ));
            }
            if !listed.contains(&id) {
                return Err(refused(
                    format!("record {id} is not in workstation `{}`'s index", account.name),
                    Some(&id),
                ));
            }
            let bytes = pushed.get(&id).cloned().unwrap_or_default();
            records.push(NewRecord {
                id: id.clone(),
                bytes,
                display_key: f.display_id.clone(),
                description: f.display_description.clone(),
                test: f.test.id().into(),
                overall: f.overall.id().into(),
                performed_at: db::normalise_time(&f.performed_at)
                    .or_else(|| db::normalise_time(&f.finalised_at))
                    .unwrap_or_else(|| f.performed_at.clone()),
                finalised_at: db::normalise_time(&f.finalised_at)
                    .unwrap_or_else(|| f.finalised_at.clone()),
                operator: f.operator.clone(),
                standard: f.standard.clone(),
                grade: f.grade.clone(),
                baseline: f.baseline.clone(),
                lmax_cd_m2: f.lmax_cd_m2,
                luminance_ratio: f.luminance_ratio,
                kdelta_percent: f.kdelta_percent,
                uniformity_percent: f.uniformity_percent,
                limits: serde_json::to_string(&f.limits).unwrap_or_else(|_| "[]".into()),
            });
        }
        // Records already held that this push lists again are acknowledged.
        let already: Vec<String> = pushed.keys().filter(|id| held.contains(*id)).cloned().collect();
        let write = PushWrite {
            account_id: account.id,
            site_id,
            index_lines: new_lines
                .iter()
                .map(|(t, l)| (l.seq as i64, l.hash.clone(), l.record.clone(), t.clone()))
                .collect(),
            records,
            amendment_lines: new_amendment_lines,
            hints: req.displays.clone(),
            facility: req.facility.as_ref().map(|f| (f.name.clone(), f.department.clone())),
            audit_detail: format!(
                "index lines {}..{}; {} amendment line(s)",
                held_lines,
                held_lines + new_lines.len() as i64,
                req.amendments.iter().map(|a| a.lines.len()).sum::<usize>()
            ),
        };
        let mut stored = self.db.store_push(&write).await?;
        stored.held.extend(already);
        stored.held.sort();
        stored.held.dedup();
        Ok(PushResponse {
            stored: stored.stored,
            held: stored.held,
            index_lines: held_lines + new_lines.len() as i64,
        })
    }

    /// Rebuild record `id`'s data directory from what the server holds: the
    /// record, its baseline, the index of the workstation that pushed it,
    /// its amendments. `others` are put in too (an archive's records).
    pub async fn held(&self, id: &str, others: &[String]) -> Result<HeldFiles, IngestError> {
        let mut records = BTreeMap::new();
        let mut want: Vec<String> =
            std::iter::once(id.to_string()).chain(others.iter().cloned()).collect();
        while let Some(r) = want.pop() {
            if records.contains_key(&r) {
                continue;
            }
            let Some(bytes) = self.db.record_bytes(&r).await? else {
                if r == id {
                    return Err(IngestError::BadRequest(format!("no record {id} on this server")));
                }
                continue;
            };
            if let Some(b) = adapter::baseline_named(&bytes) {
                want.push(b);
            }
            records.insert(r, bytes);
        }
        let lister = self.db.record_lister(id).await?;
        let (index, facility) = match lister {
            Some(a) => {
                let account = self.db.account(a).await?;
                (
                    self.db.index_lines(a).await?,
                    account.map(|a| (a.facility_name, a.facility_department)).unwrap_or_default(),
                )
            }
            None => (Vec::new(), Default::default()),
        };
        let mut amendments = BTreeMap::new();
        for r in records.keys() {
            let lines = self.db.amendment_lines(r).await?;
            if !lines.is_empty() {
                amendments.insert(r.clone(), lines);
            }
        }
        Ok(HeldFiles { records, index, amendments, facility })
    }
}

/// A held record's data directory, as files.
#[derive(Clone, Debug, Default)]
pub struct HeldFiles {
    /// Records (the one asked for, its baseline, …) by id.
    pub records: BTreeMap<String, Vec<u8>>,
    /// The pushing workstation's index lines.
    pub index: Vec<String>,
    /// Amendment lines by record.
    pub amendments: BTreeMap<String, Vec<String>>,
    /// The workstation's facility (name, department).
    pub facility: (String, String),
}

impl HeldFiles {
    /// Write them into a scratch data directory for the library.
    pub fn scratch(&self, dir: Option<&std::path::Path>) -> Result<Scratch, adapter::AdapterError> {
        let s = Scratch::new(dir)?;
        for (id, bytes) in &self.records {
            s.put_record(id, bytes)?;
        }
        if !self.index.is_empty() {
            s.put_index(&self.index)?;
        }
        for (id, lines) in &self.amendments {
            s.put_amendments(id, lines)?;
        }
        Ok(s)
    }
}
