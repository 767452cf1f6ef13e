//! `monqc push`: send the records server every record, amendment and index
//! line of this data directory that it does not hold yet.
//!
//! The protocol (the server's `web/api.rs` documents it): ask what the
//! server holds of this workstation's record index (`GET
//! /api/v1/push/state`) and of the amendments (`POST
//! /api/v1/push/amendments-state`), then send the rest in batches (`POST
//! /api/v1/push`), each one checked by the server as `monqc verify` checks
//! and stored all or nothing. A batch already stored is never sent again,
//! so an interrupted push resumes where it stopped, and pushing twice sends
//! nothing the second time.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use monqc::journal::Line;
use monqc::record::{self, IndexEntry};
use monqc::site::Site;
use monqc::store::Store;
use serde_json::{Value, json};

use super::{Outcome, data_dir};

/// Send this workstation's records to the records server: every record,
/// amendment and index line the server does not hold yet. Resumable and
/// idempotent. The token comes from MONQC_SERVER_TOKEN or `token` in the
/// data directory's server.toml (which may also give `url`).
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The server, e.g. https://monqc.hospital.example [default: `url` in server.toml].
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// PEM file of the certificate authority the server's certificate is
    /// issued by (a hospital's own CA) [default: the public web roots].
    #[arg(long, value_name = "PEM")]
    ca_cert: Option<PathBuf>,
    /// Records per request.
    #[arg(long, default_value_t = 50, value_name = "N")]
    batch: usize,
}

/// `<data>/server.toml`: where and how this workstation pushes.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerFile {
    url: Option<String>,
    token: Option<String>,
}

struct Client {
    agent: ureq::Agent,
    base: String,
    auth: String,
}

impl Client {
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<(u16, Value)> {
        let url = format!("{}{path}", self.base);
        let result = match body {
            None => self.agent.get(&url).header("Authorization", &self.auth).call(),
            Some(b) => self
                .agent
                .post(&url)
                .header("Authorization", &self.auth)
                .header("Content-Type", "application/json")
                .send(&serde_json::to_vec(b)?[..]),
        };
        let mut r = result.with_context(|| format!("cannot reach the records server at {url}"))?;
        let status = r.status().as_u16();
        let text = r.body_mut().with_config().limit(64 << 20).read_to_string()?;
        let v = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "error": text.trim() }));
        match status {
            200 => Ok((status, v)),
            401 => bail!(
                "{method} {path}: the server refused the token ({}); set MONQC_SERVER_TOKEN to \
                 this workstation's token (monqc-server token workstation NAME --site SITE)",
                v["error"].as_str().unwrap_or("401")
            ),
            403 => bail!("{method} {path}: {}", v["error"].as_str().unwrap_or("forbidden")),
            _ => Ok((status, v)),
        }
    }
}

fn index_line(text: &str) -> anyhow::Result<(Line, Option<IndexEntry>)> {
    let line: Line = serde_json::from_str(text).context("the record index has a malformed line")?;
    let entry = (line.seq > 0).then(|| serde_json::from_value(line.body.clone())).transpose()?;
    Ok((line, entry))
}

fn lines_of(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(t.lines().map(str::to_string).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// A progress bar on standard error (a line per batch when it is not a terminal).
struct Progress {
    total: usize,
    done: usize,
    tty: bool,
}

impl Progress {
    fn show(&mut self, done: usize) {
        self.done = done;
        if self.tty {
            let width = 30;
            let filled = (width * self.done).checked_div(self.total).unwrap_or(width);
            eprint!(
                "\rpushing [{}{}] {}/{} records",
                "#".repeat(filled),
                ".".repeat(width - filled),
                self.done,
                self.total
            );
            let _ = std::io::stderr().flush();
        } else {
            eprintln!("pushed {}/{} records", self.done, self.total);
        }
    }

    fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}

pub fn run(args: PushArgs) -> anyhow::Result<Outcome> {
    anyhow::ensure!(args.batch >= 1, "--batch must be at least 1");
    let store = Store::open(&data_dir()?)?;
    let file_path = store.root().join("server.toml");
    let file: ServerFile = match std::fs::read_to_string(&file_path) {
        Ok(t) => toml::from_str(&t).with_context(|| format!("{}: give `url` and `token`", file_path.display()))?,
        Err(_) => ServerFile::default(),
    };
    let base = args
        .server
        .or(file.url)
        .context("give the server: monqc push --server https://… (or `url` in server.toml)")?
        .trim_end_matches('/')
        .to_string();
    let token = std::env::var("MONQC_SERVER_TOKEN").ok().filter(|t| !t.is_empty()).or(file.token).with_context(|| {
        format!("no token: set MONQC_SERVER_TOKEN, or `token` in {}", file_path.display())
    })?;
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(pem) = &args.ca_cert {
        let bytes = std::fs::read(pem).with_context(|| format!("cannot read {}", pem.display()))?;
        let certs: Vec<_> = ureq::tls::parse_pem(&bytes)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        anyhow::ensure!(!certs.is_empty(), "{}: no PEM certificate in it", pem.display());
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .tls_config(tls.build())
        .build()
        .into();
    let client = Client { agent, base: base.clone(), auth: format!("Bearer {token}") };

    // Read the data directory with the library first: a damaged index is not pushed.
    record::index(&store)?;
    let index = lines_of(&store.index_path())?;
    let parsed: Vec<(Line, Option<IndexEntry>)> = index.iter().map(|l| index_line(l)).collect::<Result<_, _>>()?;
    let site = Site::load(&store.site_file()).ok();
    let displays: Vec<Value> = site
        .as_ref()
        .map(|s| {
            s.displays
                .iter()
                .map(|d| {
                    json!({ "id": d.id, "location": d.location, "maker": d.maker, "model": d.model, "serial": d.serial })
                })
                .collect()
        })
        .unwrap_or_default();
    let facility = site.as_ref().map(|s| json!({ "name": s.facility.name, "department": s.facility.department }));
    let amended: Vec<String> = parsed
        .iter()
        .filter_map(|(_, e)| e.as_ref().map(|e| e.record.clone()))
        .filter(|id| store.amendments_path(id).exists())
        .collect();

    let mut stored = 0;
    let mut held = 0;
    let mut amendment_lines = 0;
    // A 409 means another push of this workstation went first: ask again.
    for attempt in 0..3 {
        let (_, state) = client.call("GET", "/api/v1/push/state", None)?;
        let have = state["index_lines"].as_u64().context("the server's state has no index_lines")? as usize;
        if have > index.len() {
            bail!(
                "the server holds {have} index lines of workstation `{}` but this data directory has {}: \
                 is the token another workstation's, or was the data directory replaced?",
                state["workstation"].as_str().unwrap_or("?"),
                index.len()
            );
        }
        if have > 0 && Some(parsed[have - 1].0.hash.as_str()) != state["index_head"].as_str() {
            bail!(
                "the server's record index of workstation `{}` differs from this data directory's \
                 at line {have}: is the token another workstation's?",
                state["workstation"].as_str().unwrap_or("?")
            );
        }
        let (_, counts) =
            client.call("POST", "/api/v1/push/amendments-state", Some(&json!({ "records": amended })))?;
        let counts: BTreeMap<String, usize> = serde_json::from_value(counts["counts"].clone()).unwrap_or_default();
        let amendments_of = |id: &str| -> anyhow::Result<Option<Value>> {
            let local = lines_of(&store.amendments_path(id))?;
            let from = counts.get(id).copied().unwrap_or(0);
            if local.len() <= from {
                return Ok(None);
            }
            Ok(Some(json!({ "record": id, "from": from, "lines": local[from..] })))
        };

        // The batches: new index lines with their records and those
        // records' amendments, then amendments of records sent before.
        let mut batches: Vec<Value> = Vec::new();
        let mut batch_records = Vec::new();
        let mut lines = Vec::new();
        let mut amendments = Vec::new();
        let mut from = have;
        let mut in_new = std::collections::BTreeSet::new();
        let total_new = parsed[have..].iter().filter(|(_, e)| e.is_some()).count();
        for (i, (text, (_, entry))) in index.iter().zip(&parsed).enumerate().skip(have) {
            lines.push(text.clone());
            if let Some(e) = entry {
                let path = store.record_path(&e.record);
                let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
                batch_records.push(json!({ "id": e.record, "text": text }));
                amendments.extend(amendments_of(&e.record)?);
                in_new.insert(e.record.clone());
            }
            if batch_records.len() >= args.batch || i + 1 == index.len() {
                batches.push(json!({
                    "index_from": from, "index_lines": lines, "records": batch_records,
                    "amendments": amendments, "displays": displays, "facility": facility,
                }));
                from = i + 1;
                lines = Vec::new();
                batch_records = Vec::new();
                amendments = Vec::new();
            }
        }
        for id in amended.iter().filter(|id| !in_new.contains(*id)) {
            amendments.extend(amendments_of(id)?);
        }
        if !amendments.is_empty() {
            batches.push(json!({ "index_from": index.len(), "amendments": amendments }));
        }
        if batches.is_empty() {
            break;
        }
        let mut progress = Progress { total: total_new, done: 0, tty: std::io::stderr().is_terminal() };
        let mut conflict = false;
        for b in &batches {
            let (status, reply) = client.call("POST", "/api/v1/push", Some(b))?;
            match status {
                200 => {
                    stored += reply["stored"].as_array().map_or(0, Vec::len);
                    held += reply["held"].as_array().map_or(0, Vec::len);
                    amendment_lines +=
                        b["amendments"].as_array().map_or(0, |a| a.iter().map(|x| x["lines"].as_array().map_or(0, Vec::len)).sum());
                    let sent = progress.done + b["records"].as_array().map_or(0, Vec::len);
                    progress.show(sent);
                }
                409 if attempt < 2 => {
                    conflict = true;
                    break;
                }
                422 => {
                    progress.finish();
                    let checks: Vec<String> = reply["checks"]
                        .as_array()
                        .map(|c| {
                            c.iter()
                                .map(|c| {
                                    format!(
                                        "  {:<16} {}  {}",
                                        c["what"].as_str().unwrap_or(""),
                                        if c["ok"] == true { "ok  " } else { "FAIL" },
                                        c["detail"].as_str().unwrap_or("")
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    bail!(
                        "the server refused the push: {}{}{}\n(records sent before this batch are stored; \
                         nothing of this batch is)",
                        reply["error"].as_str().unwrap_or("422"),
                        if checks.is_empty() { "" } else { "\n" },
                        checks.join("\n")
                    );
                }
                _ => bail!("the server answered {status}: {}", reply["error"].as_str().unwrap_or("")),
            }
        }
        progress.finish();
        if !conflict {
            break;
        }
    }
    let (_, state) = client.call("GET", "/api/v1/push/state", None)?;
    println!(
        "pushed {stored} record(s) ({held} already on the server), {amendment_lines} amendment line(s); \
         the server holds {} index line(s) of workstation `{}` at {} ({base})",
        state["index_lines"],
        state["workstation"].as_str().unwrap_or("?"),
        state["site"].as_str().unwrap_or("?")
    );
    Ok(Outcome::Pass)
}
