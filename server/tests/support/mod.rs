//! What the server's integration tests share: the two real backends, a
//! real server on a loopback port, simulated workstations with real
//! records, and a plain HTTP client.
#![allow(dead_code, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use monqc_server::db::{Db, Role};
use monqc_server::fleet::{self, DisplayPlan};
use monqc_server::ingest::{Ingest, PushRequest, PushState};
use monqc_server::web::{self, AppState, Config};
use monqc_server::{auth, outbox};

/// A database to test against, dropped (PostgreSQL) when the test ends.
pub struct TestDb {
    pub name: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    admin: Option<(String, String)>,
}

/// The PostgreSQL URL of a throw-away cluster, from MONQC_TEST_POSTGRES_URL.
/// Without it the PostgreSQL half of a test is skipped, unless
/// MONQC_REQUIRE_POSTGRES=1 (as .ci/run sets), when it fails.
pub fn postgres_url() -> Option<String> {
    match std::env::var("MONQC_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("MONQC_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "MONQC_REQUIRE_POSTGRES=1 but MONQC_TEST_POSTGRES_URL is not set: the PostgreSQL \
                 tests must run (see .ci/run for how the throw-away cluster is started)"
            );
            eprintln!("note: MONQC_TEST_POSTGRES_URL not set; the PostgreSQL half is skipped");
            None
        }
    }
}

impl TestDb {
    /// A fresh embedded store in a temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("test.sqlite3").display());
        Self { name: "sqlite", url, _dir: Some(dir), admin: None }
    }

    /// A fresh database in the PostgreSQL cluster, when there is one.
    pub async fn postgres() -> Option<Self> {
        let admin = postgres_url()?;
        let name = format!("monqc_test_{}", &auth::new_token()[..12]);
        let conn = admin_db(&admin).await;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&conn).await.unwrap();
        conn.close().await;
        let (base, query) = match admin.split_once('?') {
            Some((b, q)) => (b.to_string(), format!("?{q}")),
            None => (admin.clone(), String::new()),
        };
        let base = &base[..base.rfind('/').unwrap()];
        Some(Self {
            name: "postgres",
            url: format!("{base}/{name}{query}"),
            _dir: None,
            admin: Some((admin, name)),
        })
    }

    /// Both backends (PostgreSQL when available).
    pub async fn all() -> Vec<Self> {
        let mut v = vec![Self::sqlite()];
        v.extend(Self::postgres().await);
        v
    }

    pub async fn connect(&self) -> Db {
        Db::connect(&self.url).await.unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    /// Drop the PostgreSQL database (call at the end of a test).
    pub async fn drop_db(self, db: Db) {
        db.close().await;
        if let Some((admin, name)) = &self.admin {
            let conn = admin_db(admin).await;
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&conn)
                .await;
            conn.close().await;
        }
    }
}

async fn admin_db(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {url}: {e}"))
}

/// A running server on a loopback port, serving until dropped.
pub struct TestServer {
    pub base: String,
    pub db: Db,
    pub ingest: Ingest,
    runtime: tokio::runtime::Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Start on `db` (a runtime of its own in a thread, so blocking clients
    /// can call it).
    pub fn start(url: &str) -> Self {
        Self::start_with(url, Config { secure_cookies: false, ..Config::default() })
    }

    /// Start with `config`.
    pub fn start_with(url: &str, config: Config) -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let url = url.to_string();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(4)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let db = Db::connect(&url).await.unwrap();
                let ingest = Ingest::new(db.clone(), None);
                let state = AppState { ingest: ingest.clone(), config: Arc::new(config) };
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let handle = tokio::runtime::Handle::current();
                tx.send((format!("http://127.0.0.1:{}", addr.port()), db.clone(), ingest, handle))
                    .unwrap();
                axum::serve(listener, web::router(state))
                    .with_graceful_shutdown(async {
                        let _ = stop_rx.await;
                    })
                    .await
                    .unwrap();
                db.close().await;
            });
        });
        let (base, db, ingest, runtime) = rx.recv().unwrap();
        Self { base, db, ingest, runtime, stop: Some(stop_tx), thread: Some(thread) }
    }

    /// The server's runtime.
    pub fn runtime_handle(&self) -> tokio::runtime::Handle {
        self.runtime.clone()
    }

    /// Run `f` on the server's runtime (its database pool lives there).
    pub fn block<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(f)
    }

    /// A workstation account with a token at `site`.
    pub fn workstation(&self, site: &str, name: &str) -> String {
        let db = self.db.clone();
        self.block(async move { fleet::workstation(&db, site, name).await.unwrap() })
    }

    /// A person's account with `password`, and an API token for it.
    pub fn person(&self, name: &str, role: Role, password: &str) -> String {
        let db = self.db.clone();
        let hash = auth::hash_password(password);
        self.block(async move {
            let id = db.account_add(name, role, None, Some(&hash)).await.unwrap();
            let token = auth::new_token();
            db.token_add(id, &auth::token_hash(&token)).await.unwrap();
            token
        })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The acceptance day of the simulated displays.
pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A simulated workstation directory: `displays` displays, each with an
/// acceptance, one constancy and `dailies` daily checks.
pub fn workstation_dir(
    dir: &Path,
    name: &str,
    displays: usize,
    dailies: usize,
    seed: u64,
) -> Vec<String> {
    let plans: Vec<DisplayPlan> = (0..displays)
        .map(|i| DisplayPlan {
            id: format!("{name}-d{i}"),
            standard: "jesra-x0093".into(),
            grade: "1a".into(),
            description: format!("simulated display {i}"),
            lmax_new_cd_m2: 420.0,
            ageing_per_year: 0.03,
            acceptance: day("2025-01-10"),
            constancy_every_days: 182,
            constancy_until: day("2025-08-01"),
            daily: (0..dailies as u64).map(|k| day("2025-08-10") + chrono::Days::new(k)).collect(),
            decalibrated_from: None,
            daily_fails_on: None,
            seed: seed * 100 + i as u64,
        })
        .collect();
    fleet::simulate_workstation(dir, &plans).unwrap().into_iter().map(|(_, id)| id).collect()
}

/// Simulated workstation directories made once per test binary and shared
/// (read only): `n` (at most 8) of them, two displays each.
pub fn shared_workstations(n: usize) -> Vec<(PathBuf, Vec<String>)> {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    static DIRS: [OnceLock<(PathBuf, Vec<String>)>; 8] = [const { OnceLock::new() }; 8];
    assert!(n <= DIRS.len());
    let root = ROOT.get_or_init(|| tempfile::tempdir().unwrap()).path();
    std::thread::scope(|s| {
        for (i, cell) in DIRS.iter().enumerate().take(n) {
            s.spawn(move || {
                cell.get_or_init(|| {
                    let path = root.join(format!("ws{i}"));
                    let ids = workstation_dir(&path, &format!("ws{i}"), 2, 1, i as u64 + 1);
                    (path, ids)
                });
            });
        }
    });
    DIRS.iter().take(n).map(|c| c.get().unwrap().clone()).collect()
}

/// A blocking HTTP client that reports every status (no redirects followed).
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(std::time::Duration::from_secs(300)))
        .build()
        .into()
}

pub struct Reply {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.text())
    }
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
            let (k, rest) = v.split_once('=')?;
            (k == name).then(|| rest.split(';').next().unwrap_or("").to_string())
        })
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("the server answers");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.body_mut().with_config().limit(1 << 30).read_to_vec().unwrap();
    Reply { status, headers, body }
}

pub fn get(url: &str, auth: Option<&str>) -> Reply {
    let mut req = agent().get(url);
    if let Some(t) = auth {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    reply(req.call())
}

pub fn get_with_cookie(url: &str, cookie: &str) -> Reply {
    reply(agent().get(url).header("Cookie", cookie).call())
}

pub fn post_json(url: &str, auth: Option<&str>, body: &serde_json::Value) -> Reply {
    let mut req = agent().post(url);
    if let Some(t) = auth {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    reply(req.header("Content-Type", "application/json").send(serde_json::to_vec(body).unwrap()))
}

pub fn post_form(url: &str, cookie: &str, origin: Option<&str>, form: &[(&str, &str)]) -> Reply {
    let mut req = agent().post(url).header("Cookie", cookie);
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    reply(req.send_form(form.iter().copied()))
}

/// Sign in through the login form; returns the session cookie (`name=value`).
pub fn sign_in(base: &str, name: &str, password: &str) -> String {
    let page = get(&format!("{base}/login"), None);
    let login_cookie =
        page.cookie("monqc_login_csrf").expect("the login page sets its CSRF cookie");
    let html = page.text();
    let csrf =
        html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = post_form(
        &format!("{base}/login"),
        &format!("monqc_login_csrf={login_cookie}"),
        None,
        &[("csrf", &csrf), ("name", name), ("password", password), ("next", "/overview")],
    );
    assert_eq!(r.status, 303, "sign-in: {}", r.text());
    format!("monqc_session={}", r.cookie("monqc_session").expect("a session cookie"))
}

/// The session's CSRF token, read from a page's form.
pub fn csrf_of(base: &str, cookie: &str) -> String {
    let html = get_with_cookie(&format!("{base}/overview"), cookie).text();
    html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

/// Push data directory `dir` over HTTP as `monqc push` does: ask the
/// state, plan, send each request. Returns (records stored, held).
pub fn push_http(base: &str, token: &str, dir: &Path) -> Result<(usize, usize), Box<Reply>> {
    let state = get(&format!("{base}/api/v1/push/state"), Some(token));
    if state.status != 200 {
        return Err(Box::new(state));
    }
    let state: PushState = serde_json::from_slice(&state.body).unwrap();
    let amended = outbox::amended_records(dir).unwrap();
    let counts = post_json(
        &format!("{base}/api/v1/push/amendments-state"),
        Some(token),
        &serde_json::json!({ "records": amended }),
    );
    if counts.status != 200 {
        return Err(Box::new(counts));
    }
    let counts = serde_json::from_value(counts.json()["counts"].clone()).unwrap();
    let mut totals = (0, 0);
    for req in outbox::plan(dir, &state, &counts, 50).unwrap() {
        let r = send(base, token, &req);
        if r.status != 200 {
            return Err(Box::new(r));
        }
        let v = r.json();
        totals.0 += v["stored"].as_array().unwrap().len();
        totals.1 += v["held"].as_array().unwrap().len();
    }
    Ok(totals)
}

/// Send one push request.
pub fn send(base: &str, token: &str, req: &PushRequest) -> Reply {
    post_json(&format!("{base}/api/v1/push"), Some(token), &serde_json::to_value(req).unwrap())
}

/// The push requests of `dir` from an empty server.
pub fn first_push(dir: &Path) -> Vec<PushRequest> {
    outbox::plan(dir, &PushState::default(), &Default::default(), 500).unwrap()
}

/// The workstation binary `monqc`, built (or found up to date) by cargo.
pub fn monqc_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let out = std::process::Command::new(cargo)
            .args(["build", "--quiet", "-p", "monqc", "--bin", "monqc", "--manifest-path"])
            .arg(&manifest)
            .output()
            .expect("cargo runs");
        assert!(out.status.success(), "building monqc: {}", String::from_utf8_lossy(&out.stderr));
        // The test binary is target/<profile>/deps/NAME; monqc is target/<profile>/monqc.
        let exe = std::env::current_exe().unwrap();
        let bin = exe.parent().unwrap().parent().unwrap().join("monqc");
        assert!(bin.exists(), "{} missing after cargo build", bin.display());
        bin
    })
    .clone()
}

/// Copy a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
