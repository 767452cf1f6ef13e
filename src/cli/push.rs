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
//!
//! Amendments go with the index line that anchors them (an `amendment`
//! line: the chain's count and head), so the server always checks a chain
//! against the anchor that covers it. Amendments of records finalised
//! before anchors existed (no anchor line in the index) go last.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use monqc::office::site::Site;
use monqc::records::journal::Line;
use monqc::records::record;
use monqc::records::store::Store;
use serde_json::{Value, json};

use super::{Outcome, data_dir};

/// The environment variable that gives the push token.
const TOKEN_VAR: &str = "MONQC_SERVER_TOKEN";

/// Send this workstation's records to the records server: every record,
/// amendment and index line the server does not hold yet. Resumable and
/// idempotent. The token comes from MONQC_SERVER_TOKEN or `token` in the
/// site configuration's `[server]` section (which may also give `url`).
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The server, e.g. https://monqc.hospital.example [default: `url` in site.toml's [server]].
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
        let mut r = result.with_context(|| {
            format!(
                "cannot reach the records server at {url}; is the address right and the server up?"
            )
        })?;
        let status = r.status().as_u16();
        let text = r.body_mut().with_config().limit(64 << 20).read_to_string()?;
        let v = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "error": text.trim() }));
        match status {
            200 => Ok((status, v)),
            500..=599 => bail!(
                "{method} {path}: the server failed ({status}): {}; nothing more was sent, and \
                 the next push resumes here",
                v["error"].as_str().unwrap_or("")
            ),
            401 => bail!(
                "{method} {path}: the server refused the token ({}); set {TOKEN_VAR} (or `token` \
                 in site.toml's [server]) to this workstation's token, which the server's \
                 administrator makes with `monqc-server token workstation NAME --site SITE`",
                v["error"].as_str().unwrap_or("401")
            ),
            403 => bail!("{method} {path}: {}", v["error"].as_str().unwrap_or("forbidden")),
            _ => Ok((status, v)),
        }
    }
}

/// What one index line means for the push.
enum Listed {
    /// Line 0, a signing key, a repair note.
    Other,
    /// A record.
    Record(String),
    /// A record's amendment chain now ends at `head`.
    Anchor { record: String, head: String },
}

fn listed(text: &str) -> anyhow::Result<(Line, Listed)> {
    let line: Line = serde_json::from_str(text).context("the record index has a malformed line")?;
    let body = &line.body;
    let what = match (line.seq, body.get("kind").and_then(Value::as_str)) {
        (0, _) => Listed::Other,
        (_, None) => Listed::Record(
            body.get("record")
                .and_then(Value::as_str)
                .with_context(|| format!("index line {} names no record", line.seq))?
                .to_string(),
        ),
        (_, Some("amendment")) => Listed::Anchor {
            record: body["record"].as_str().unwrap_or_default().to_string(),
            head: body["head"].as_str().unwrap_or_default().to_string(),
        },
        _ => Listed::Other,
    };
    Ok((line, what))
}

fn lines_of(path: &Path) -> anyhow::Result<Vec<String>> {
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
            let filled = (width * self.done).checked_div(self.total).unwrap_or(width).min(width);
            // The bar redraws its own line: a closed stderr drops it.
            let _ = write!(
                std::io::stderr(),
                "\rpushing [{}{}] {}/{} records",
                "#".repeat(filled),
                ".".repeat(width - filled),
                self.done,
                self.total
            );
            let _ = std::io::stderr().flush();
        } else {
            note!("pushed {}/{} records", self.done, self.total);
        }
    }

    fn finish(&self) {
        if self.tty && self.total > 0 {
            note!("");
        }
    }
}

/// One request's worth: index lines, the records they list, the
/// amendment lines their anchors cover.
#[derive(Default)]
struct Batch {
    from: usize,
    lines: Vec<String>,
    records: Vec<Value>,
    amendments: BTreeMap<String, (usize, Vec<String>)>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.amendments.is_empty()
    }

    /// Amendments sent (a chain's line 0 is its header, not an amendment).
    fn amendment_count(&self) -> usize {
        self.amendments
            .values()
            .map(|(from, l)| l.len() - usize::from(*from == 0 && !l.is_empty()))
            .sum()
    }

    fn body(&self, displays: &[Value], facility: &Option<Value>) -> Value {
        let amendments: Vec<Value> = self
            .amendments
            .iter()
            .map(|(id, (from, lines))| json!({ "record": id, "from": from, "lines": lines }))
            .collect();
        json!({
            "index_from": self.from, "index_lines": self.lines, "records": self.records,
            "amendments": amendments, "displays": displays, "facility": facility,
        })
    }
}

/// The server's address and token: the command line and the environment
/// first, then the site configuration's `[server]`.
fn server_and_token(
    args: &PushArgs,
    site: Option<&Site>,
    site_file: &Path,
) -> anyhow::Result<(String, String)> {
    let settings = site.and_then(|s| s.server.clone()).unwrap_or_default();
    let base = args
        .server
        .clone()
        .or(settings.url)
        .with_context(|| {
            format!(
                "give the server: monqc push --server https://… (or `url` under [server] in {})",
                site_file.display()
            )
        })?
        .trim_end_matches('/')
        .to_string();
    anyhow::ensure!(
        base.starts_with("http://") || base.starts_with("https://"),
        "--server {base}: give the address with http:// or https://"
    );
    let token = std::env::var(TOKEN_VAR)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .or(settings.token)
        .with_context(|| {
        format!(
            "no push token: set {TOKEN_VAR}, or `token` under [server] in {}",
            site_file.display()
        )
    })?;
    Ok((base, token.trim().to_string()))
}

fn agent(ca_cert: Option<&Path>) -> anyhow::Result<ureq::Agent> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(pem) = ca_cert {
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
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .tls_config(tls.build())
        .build()
        .into())
}

pub fn run(args: PushArgs) -> anyhow::Result<Outcome> {
    anyhow::ensure!(args.batch >= 1, "--batch must be at least 1");
    let store = Store::open(&data_dir()?)?;
    let site_file = store.site_file();
    let site = Site::load(&site_file).ok();
    let (base, token) = server_and_token(&args, site.as_ref(), &site_file)?;
    let client = Client {
        agent: agent(args.ca_cert.as_deref())?,
        base: base.clone(),
        auth: format!("Bearer {token}"),
    };
    let local = Local::read(&store, site.as_ref())?;

    let mut sent = Sent::default();
    let mut pending;
    // A 409 means another push of this workstation (a second `monqc push`
    // started meanwhile) stored lines first: ask the server again and send
    // the rest. The other push's progress bounds the loop: the server must
    // hold more lines each time.
    let mut held_before: Option<usize> = None;
    loop {
        let (have, mut amendments_held) = local.server_holds(&client)?;
        if held_before.is_some_and(|before| have <= before) {
            bail!(
                "the server answered 409 (another push from this workstation) but holds no more \
                 index lines than before ({have}); push again"
            );
        }
        held_before = Some(have);
        let (batches, unanchored) =
            local.batches(&store, have, &mut amendments_held, args.batch)?;
        pending = unanchored;
        if batches.is_empty() || !sent.send(&client, &local, &batches)? {
            break;
        }
    }
    for id in &pending {
        note!(
            "record {id}: an amendment is written but not yet anchored in the index (monqc amend stopped \
             between its two writes); `monqc repair` anchors it, the next push sends it"
        );
    }
    let (_, state) = client.call("GET", "/api/v1/push/state", None)?;
    say!(
        "pushed {} record(s) ({} already on the server), {} amendment(s); \
         the server holds {} index line(s) of workstation `{}` at {} ({base})",
        sent.stored,
        sent.held,
        sent.amendments,
        state["index_lines"],
        state["workstation"].as_str().unwrap_or("?"),
        state["site"].as_str().unwrap_or("?")
    )?;
    Ok(if pending.is_empty() { Outcome::Pass } else { Outcome::Incomplete })
}

/// What this data directory holds, read with the library first (a damaged
/// index is not pushed), and what the site configuration says of its
/// displays and facility.
struct Local {
    /// The record index's lines, as written.
    index: Vec<String>,
    parsed: Vec<(Line, Listed)>,
    /// Records with an amendments file.
    amended: Vec<String>,
    /// Records with an amendment anchor in the index.
    anchored: BTreeSet<String>,
    displays: Vec<Value>,
    facility: Option<Value>,
}

impl Local {
    fn read(store: &Store, site: Option<&Site>) -> anyhow::Result<Self> {
        record::index(store).context(
            "the record index does not verify; `monqc verify` says why, and nothing is pushed",
        )?;
        let index = lines_of(&store.index_path())?;
        let parsed: Vec<(Line, Listed)> =
            index.iter().map(|l| listed(l)).collect::<Result<_, _>>()?;
        let displays: Vec<Value> = site
            .map(|s| {
                s.displays
                    .iter()
                    .map(|d| json!({ "id": d.id, "location": d.location, "maker": d.maker, "model": d.model, "serial": d.serial }))
                    .collect()
            })
            .unwrap_or_default();
        let facility =
            site.map(|s| json!({ "name": s.facility.name, "department": s.facility.department }));
        let amended: Vec<String> = parsed
            .iter()
            .filter_map(|(_, l)| match l {
                Listed::Record(id) if store.amendments_path(id).exists() => Some(id.clone()),
                _ => None,
            })
            .collect();
        let anchored: BTreeSet<String> = parsed
            .iter()
            .filter_map(|(_, l)| match l {
                Listed::Anchor { record, .. } => Some(record.clone()),
                _ => None,
            })
            .collect();
        Ok(Self { index, parsed, amended, anchored, displays, facility })
    }

    /// How many index lines the server holds of this workstation (checked
    /// to continue this data directory's), and how many amendment lines of
    /// each amended record.
    fn server_holds(&self, client: &Client) -> anyhow::Result<(usize, BTreeMap<String, usize>)> {
        let (status, state) = client.call("GET", "/api/v1/push/state", None)?;
        anyhow::ensure!(
            status == 200,
            "the server answered {status} to GET /api/v1/push/state: {}",
            state["error"]
        );
        let workstation = state["workstation"].as_str().unwrap_or("?").to_string();
        let have = state["index_lines"].as_u64().context("the server's state has no index_lines")?
            as usize;
        if have > self.index.len() {
            bail!(
                "the server holds {have} index lines of workstation `{workstation}` but this data directory has {}: \
                 is the token another workstation's, or was the data directory replaced?",
                self.index.len()
            );
        }
        if have > 0 && Some(self.parsed[have - 1].0.hash.as_str()) != state["index_head"].as_str() {
            bail!(
                "the server's record index of workstation `{workstation}` differs from this data directory's \
                 at line {have}: is the token another workstation's?"
            );
        }
        let (_, counts) = client.call(
            "POST",
            "/api/v1/push/amendments-state",
            Some(&json!({ "records": self.amended })),
        )?;
        Ok((have, serde_json::from_value(counts["counts"].clone()).unwrap_or_default()))
    }

    /// The batches after the server's `have` index lines: new index lines
    /// with their records, and the amendment lines each new anchor covers;
    /// then the amendments of records amended before anchors existed. Also
    /// the records whose newest amendment lines no anchor covers yet (a
    /// crash between the two writes of `monqc amend`), which wait.
    fn batches(
        &self,
        store: &Store,
        have: usize,
        sent: &mut BTreeMap<String, usize>,
        per_batch: usize,
    ) -> anyhow::Result<(Vec<Batch>, Vec<String>)> {
        let mut local: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in &self.amended {
            local.insert(id.clone(), lines_of(&store.amendments_path(id))?);
        }
        let mut batches: Vec<Batch> = Vec::new();
        let mut batch = Batch { from: have, ..Batch::default() };
        for (i, (text, (_, what))) in self.index.iter().zip(&self.parsed).enumerate().skip(have) {
            batch.lines.push(text.clone());
            match what {
                Listed::Record(id) => {
                    let path = store.record_path(id);
                    let text = std::fs::read_to_string(&path).with_context(|| {
                        format!(
                            "cannot read {}; `monqc verify` checks the data directory",
                            path.display()
                        )
                    })?;
                    batch.records.push(json!({ "id": id, "text": text }));
                }
                Listed::Anchor { record, head } => {
                    let lines = local.get(record).map(Vec::as_slice).unwrap_or_default();
                    let upto = lines
                        .iter()
                        .position(|l| serde_json::from_str::<Line>(l).is_ok_and(|l| l.hash == *head))
                        .with_context(|| {
                            format!(
                                "index line {i} anchors an amendment of record {record} that its amendments \
                                 file does not hold; `monqc verify {record}` says more"
                            )
                        })?;
                    let from = sent.get(record).copied().unwrap_or(0);
                    if upto + 1 > from {
                        let entry =
                            batch.amendments.entry(record.clone()).or_insert((from, Vec::new()));
                        entry.1.extend(
                            lines[from.max(entry.0 + entry.1.len())..=upto].iter().cloned(),
                        );
                        sent.insert(record.clone(), upto + 1);
                    }
                }
                Listed::Other => {}
            }
            if batch.records.len() >= per_batch || i + 1 == self.index.len() {
                let next = Batch { from: i + 1, ..Batch::default() };
                batches.push(std::mem::replace(&mut batch, next));
            }
        }
        // Records amended before anchors existed: their whole chain, last.
        let mut last = Batch { from: self.index.len(), ..Batch::default() };
        let mut pending = Vec::new();
        for (id, lines) in &local {
            let from = sent.get(id).copied().unwrap_or(0);
            if lines.len() <= from {
                continue;
            }
            if self.anchored.contains(id) {
                // Lines no anchor covers yet: a crash between the two writes of `monqc amend`.
                pending.push(id.clone());
            } else {
                last.amendments.insert(id.clone(), (from, lines[from..].to_vec()));
            }
        }
        if !last.is_empty() {
            batches.push(last);
        }
        batches.retain(|b| !b.is_empty());
        Ok((batches, pending))
    }
}

/// What the pushes of this run stored.
#[derive(Default)]
struct Sent {
    stored: usize,
    held: usize,
    amendments: usize,
}

impl Sent {
    /// Send `batches` in turn, with a progress bar. Returns true when the
    /// server answered 409 (another push of this workstation went first):
    /// the caller asks the server's state again.
    fn send(&mut self, client: &Client, local: &Local, batches: &[Batch]) -> anyhow::Result<bool> {
        let total = batches.iter().map(|b| b.records.len()).sum();
        let mut progress = Progress { total, done: 0, tty: std::io::stderr().is_terminal() };
        for b in batches {
            let (status, reply) = client.call(
                "POST",
                "/api/v1/push",
                Some(&b.body(&local.displays, &local.facility)),
            )?;
            match status {
                200 => {
                    self.stored += reply["stored"].as_array().map_or(0, Vec::len);
                    self.held += reply["held"].as_array().map_or(0, Vec::len);
                    self.amendments += b.amendment_count();
                    let done = progress.done + b.records.len();
                    progress.show(done);
                }
                409 => {
                    progress.finish();
                    return Ok(true);
                }
                422 => {
                    progress.finish();
                    return Err(refused(&reply));
                }
                _ => {
                    bail!("the server answered {status}: {}", reply["error"].as_str().unwrap_or(""))
                }
            }
        }
        progress.finish();
        Ok(false)
    }
}

/// The server's 422: the push was refused, with the checks that failed.
fn refused(reply: &Value) -> anyhow::Error {
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
    anyhow::anyhow!(
        "the server refused the push: {}{}{}\n(batches sent before this one are stored; \
         nothing of this one is)",
        reply["error"].as_str().unwrap_or("422"),
        if checks.is_empty() { "" } else { "\n" },
        checks.join("\n")
    )
}
