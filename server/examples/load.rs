//! The records server at hospital-network scale, measured.
//!
//! ```text
//! cargo run --release -p monqc-server --example load -- --database postgres://postgres@127.0.0.1:55432/postgres
//! ```
//!
//! Seeds `--displays` displays (default 10 000; four per simulated
//! workstation, 200 per site) with `--years` years of records each (one
//! acceptance test, a constancy test every 182 days, a daily check every
//! 36 days: about 25 records a display, 250 000 in all) made by the
//! library's simulated bench, pushes them over HTTP on loopback from
//! `--clients` concurrent workstations through the full verification, and
//! prints: ingest rate, the overview page's and a display page's latency
//! (p50/p95), and database size per record.
//!
//! `--database` takes a PostgreSQL URL of a cluster where the command may
//! create (and afterwards drop) a database of its own, or `sqlite:PATH`.
//! The simulated workstations are made in `--fleet DIR` (default
//! `$TMPDIR/monqc-load-fleet`) and, like the database, removed at the end
//! unless `--keep` (then a later run of the same size reuses them).
//! Every loop is bounded; all traffic stays on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use monqc_server::db::{Db, Role};
use monqc_server::fleet::{self, DisplayPlan};
use monqc_server::ingest::{Ingest, PushState};
use monqc_server::web::{self, AppState, Config};
use monqc_server::{auth, outbox};

struct Args {
    displays: usize,
    years: u32,
    clients: usize,
    database: String,
    fleet: PathBuf,
    keep: bool,
    page_samples: usize,
}

fn args() -> Args {
    let mut a = Args {
        displays: 10_000,
        years: 2,
        clients: 4,
        database: std::env::var("MONQC_TEST_POSTGRES_URL").unwrap_or_default(),
        fleet: std::env::temp_dir().join("monqc-load-fleet"),
        keep: false,
        page_samples: 200,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--displays" => a.displays = value().parse().expect("--displays N"),
            "--years" => a.years = value().parse().expect("--years N"),
            "--clients" => a.clients = value().parse().expect("--clients N"),
            "--database" => a.database = value(),
            "--fleet" => a.fleet = value().into(),
            "--samples" => a.page_samples = value().parse().expect("--samples N"),
            "--keep" => a.keep = true,
            "--help" | "-h" => {
                println!(
                    "load [--displays 10000] [--years 2] [--clients 4] [--samples 200] \
                     --database postgres://…|sqlite:PATH [--fleet DIR] [--keep]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}; see --help"),
        }
    }
    assert!(!a.database.is_empty(), "give --database (or set MONQC_TEST_POSTGRES_URL)");
    assert!(a.displays >= 4 && a.clients >= 1 && a.years >= 1);
    a
}

const DISPLAYS_PER_WORKSTATION: usize = 4;
const WORKSTATIONS_PER_SITE: usize = 50;

/// The displays of workstation `w`, ending on `today`.
fn plans(w: usize, years: u32, today: NaiveDate) -> Vec<DisplayPlan> {
    let start = today - chrono::Days::new(u64::from(years) * 365);
    (0..DISPLAYS_PER_WORKSTATION)
        .map(|i| {
            let n = w * DISPLAYS_PER_WORKSTATION + i;
            // Stagger the displays so their tests fall on different days.
            let acceptance = start + chrono::Days::new((n % 30) as u64);
            let daily: Vec<NaiveDate> = (1..)
                .map(|k| acceptance + chrono::Days::new(36 * k))
                .take_while(|d| *d <= today)
                .collect();
            DisplayPlan {
                id: format!("ws{w:05}-d{i}"),
                standard: "jesra-x0093".into(),
                grade: ["1a", "1b", "2"][n % 3].into(),
                description: format!("simulated LCD #{n:06}"),
                lmax_new_cd_m2: if n % 3 == 2 { 250.0 } else { 420.0 },
                ageing_per_year: 0.03,
                acceptance,
                constancy_every_days: 182,
                constancy_until: today,
                daily,
                // One display in 50 loses its calibration in the second year.
                decalibrated_from: (n % 50 == 7).then(|| start + chrono::Days::new(500)),
                daily_fails_on: None,
                seed: n as u64 + 1,
            }
        })
        .collect()
}

/// Make (or reuse) the simulated workstations' data directories.
fn generate(args: &Args, today: NaiveDate) -> Vec<PathBuf> {
    let workstations = args.displays.div_ceil(DISPLAYS_PER_WORKSTATION);
    let tag = format!(
        "{}-displays-{}-years-{today}",
        workstations * DISPLAYS_PER_WORKSTATION,
        args.years
    );
    let root = args.fleet.join(&tag);
    let dirs: Vec<PathBuf> = (0..workstations).map(|w| root.join(format!("ws{w:05}"))).collect();
    let done = |d: &Path| d.join("done").exists();
    let todo: Vec<usize> = (0..workstations).filter(|w| !done(&dirs[*w])).collect();
    if todo.is_empty() {
        println!("fleet: {workstations} workstations reused from {}", root.display());
        return dirs;
    }
    println!(
        "fleet: simulating {} of {workstations} workstations into {} …",
        todo.len(),
        root.display()
    );
    // The library syncs every reading to disk, as a workstation must; the
    // simulated fleet is made in memory (tmpfs) and copied to disk after.
    let shm = Path::new("/dev/shm");
    let scratch = tempfile::Builder::new()
        .prefix("monqc-load-")
        .tempdir_in(if shm.is_dir() { shm } else { Path::new(&args.fleet) })
        .unwrap();
    let next = AtomicUsize::new(0);
    let made = AtomicUsize::new(0);
    let started = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&w) = todo.get(i) else { break };
                    let dir = &dirs[w];
                    // A half-made directory from an interrupted run is made again.
                    let _ = std::fs::remove_dir_all(dir);
                    let fast = scratch.path().join(format!("ws{w:05}"));
                    let ids = fleet::simulate_workstation(&fast, &plans(w, args.years, today))
                        .expect("simulated tests");
                    copy_dir(&fast, dir);
                    std::fs::remove_dir_all(&fast).unwrap();
                    std::fs::write(dir.join("done"), ids.len().to_string()).unwrap();
                    let m = made.fetch_add(ids.len(), Ordering::Relaxed) + ids.len();
                    if (i + 1).is_multiple_of(250) {
                        println!(
                            "  {} workstations, {m} records, {:.0} records/s",
                            i + 1,
                            m as f64 / started.elapsed().as_secs_f64()
                        );
                    }
                }
            });
        }
    });
    println!(
        "fleet: {} records simulated in {:.0} s",
        made.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    dirs
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn timed(name: &str, cookie: &str, urls: &[String]) -> (f64, f64) {
    let a = agent();
    let mut ms = Vec::with_capacity(urls.len());
    let mut bytes = 0;
    for url in urls {
        let t = Instant::now();
        let mut r = a.get(url).header("Cookie", cookie).call().expect("the server answers");
        assert_eq!(r.status().as_u16(), 200, "{url}");
        bytes += r.body_mut().with_config().limit(1 << 30).read_to_vec().unwrap().len();
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    let (p50, p95) = (percentile(&ms, 0.5), percentile(&ms, 0.95));
    println!(
        "{name:<26} p50 {p50:7.1} ms   p95 {p95:7.1} ms   ({} requests, {} KB each)",
        ms.len(),
        bytes / ms.len() / 1024
    );
    (p50, p95)
}

fn main() {
    let args = args();
    let today = chrono::Utc::now().date_naive();
    let dirs = generate(&args, today);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();

    // A database of our own.
    let (url, cleanup) = if args.database.starts_with("postgres") {
        let name = format!("monqc_load_{}", &auth::new_token()[..10]);
        rt.block_on(async {
            let admin = sqlx::PgPool::connect(&args.database).await.expect("PostgreSQL reachable");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
            admin.close().await;
        });
        let base = args.database.split('?').next().unwrap();
        (format!("{}/{name}", &base[..base.rfind('/').unwrap()]), Some(name))
    } else {
        (args.database.clone(), None)
    };
    println!("database: {url}");
    let db = rt.block_on(Db::connect(&url)).expect("database");
    let ingest = Ingest::new(db.clone(), None);
    let state = AppState {
        ingest: ingest.clone(),
        config: Arc::new(Config { secure_cookies: false, access_log: false, ..Config::default() }),
    };
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = rt.spawn(async move {
        axum::serve(listener, web::router(state))
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
    });

    // Accounts: a token per workstation, a physicist to read pages.
    let tokens: Vec<String> = rt.block_on(async {
        let mut t = Vec::new();
        for w in 0..dirs.len() {
            let site = format!("Hospital {:03}", w / WORKSTATIONS_PER_SITE);
            t.push(fleet::workstation(&db, &site, &format!("ws{w:05}")).await.unwrap());
        }
        let hash = auth::hash_password("load-test-password");
        db.account_add("physicist", Role::Physicist, None, Some(&hash)).await.unwrap();
        t
    });

    // Ingest over HTTP with full verification, from concurrent workstations.
    let total: usize = dirs
        .iter()
        .map(|d| std::fs::read_to_string(d.join("done")).unwrap().parse::<usize>().unwrap())
        .sum();
    println!(
        "ingest: {} workstations, {total} records, {} concurrent clients …",
        dirs.len(),
        args.clients
    );
    let next = AtomicUsize::new(0);
    let stored = AtomicUsize::new(0);
    let bytes_sent = AtomicUsize::new(0);
    let last_report = Mutex::new(Instant::now());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..args.clients {
            s.spawn(|| {
                let a = agent();
                loop {
                    let w = next.fetch_add(1, Ordering::Relaxed);
                    let (Some(dir), Some(token)) = (dirs.get(w), tokens.get(w)) else { break };
                    let auth = format!("Bearer {token}");
                    let mut r = a
                        .get(&format!("{base}/api/v1/push/state"))
                        .header("Authorization", &auth)
                        .call()
                        .unwrap();
                    let state: PushState =
                        serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap();
                    let mut hints = Vec::new();
                    for i in 0..DISPLAYS_PER_WORKSTATION {
                        hints.push(monqc_server::db::DisplayHint {
                            id: format!("ws{w:05}-d{i}"),
                            location: format!("Room {}", w % 12 + 1),
                            ..Default::default()
                        });
                    }
                    for mut req in outbox::plan(dir, &state, &Default::default(), 100).unwrap() {
                        req.displays = hints.clone();
                        let body = serde_json::to_vec(&req).unwrap();
                        bytes_sent.fetch_add(body.len(), Ordering::Relaxed);
                        let mut r = a
                            .post(&format!("{base}/api/v1/push"))
                            .header("Authorization", &auth)
                            .header("Content-Type", "application/json")
                            .send(&body[..])
                            .unwrap();
                        let text = r.body_mut().read_to_string().unwrap();
                        assert_eq!(r.status().as_u16(), 200, "{text}");
                        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                        stored.fetch_add(v["stored"].as_array().unwrap().len(), Ordering::Relaxed);
                    }
                    let mut last = last_report.lock().unwrap();
                    if last.elapsed() > Duration::from_secs(30) {
                        *last = Instant::now();
                        let n = stored.load(Ordering::Relaxed);
                        println!(
                            "  {n} records stored, {:.0} records/s",
                            n as f64 / started.elapsed().as_secs_f64()
                        );
                    }
                }
            });
        }
    });
    let ingest_s = started.elapsed().as_secs_f64();
    let n = stored.load(Ordering::Relaxed);
    assert_eq!(n, total, "every record stored");
    let rate = n as f64 / ingest_s;

    // Pages, signed in as a physicist.
    let cookie = {
        let a = agent();
        let mut page = a.get(&format!("{base}/login")).call().unwrap();
        let set = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect::<Vec<_>>();
        let login = set
            .iter()
            .find(|c| c.starts_with("monqc_login_csrf="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let html = page.body_mut().read_to_string().unwrap();
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = a
            .post(&format!("{base}/login"))
            .header("Cookie", &login)
            .send_form([
                ("csrf", csrf.as_str()),
                ("name", "physicist"),
                ("password", "load-test-password"),
            ])
            .unwrap();
        r.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|c| c.starts_with("monqc_session="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    let (display_ids, sites) = rt.block_on(async {
        let d: Vec<i64> = db.displays(None).await.unwrap().iter().map(|d| d.id).collect();
        (d, db.sites().await.unwrap())
    });
    let mut rng = fastrand::Rng::with_seed(12345);
    let overview: Vec<String> =
        (0..args.page_samples.min(100)).map(|_| format!("{base}/overview")).collect();
    let displays: Vec<String> = (0..args.page_samples)
        .map(|_| format!("{base}/displays/{}", display_ids[rng.usize(..display_ids.len())]))
        .collect();
    let site_pages: Vec<String> = (0..args.page_samples.min(100))
        .map(|_| format!("{base}/sites/{}", sites[rng.usize(..sites.len())].id))
        .collect();
    println!();
    let (_, overview_p95) = timed("overview (fleet)", &cookie, &overview);
    let (_, display_p95) = timed("display page", &cookie, &displays);
    timed("site page (200 displays)", &cookie, &site_pages);

    let (size, count) =
        rt.block_on(async { (db.size_bytes().await.unwrap(), db.record_count().await.unwrap()) });
    let raw: u64 = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d.join("records")).unwrap())
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().len() == 69)
        .map(|e| e.metadata().unwrap().len())
        .sum();
    println!();
    println!("displays                   {}", display_ids.len());
    println!("records                    {count}");
    println!(
        "ingest, full verification {rate:.0} records/s ({n} records in {ingest_s:.0} s, {} clients; target ≥ 300)",
        args.clients
    );
    println!("overview p95               {overview_p95:.1} ms (target ≤ 150)");
    println!("display page p95           {display_p95:.1} ms (target ≤ 50)");
    println!(
        "database size              {:.2} GB, {:.1} KB per record (record files average {:.1} KB)",
        size as f64 / 1e9,
        size as f64 / count as f64 / 1024.0,
        raw as f64 / count as f64 / 1024.0
    );
    println!(
        "backend                    {:?}, {} cores",
        db.backend(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let _ = stop_tx.send(());
    rt.block_on(server).unwrap();
    rt.block_on(db.close());
    if let (Some(name), false) = (cleanup, args.keep) {
        rt.block_on(async {
            let admin = sqlx::PgPool::connect(&args.database).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
        });
    }
    // The simulated fleet made for this run (only its own directory).
    if !args.keep
        && let Some(root) = dirs.first().and_then(|d| d.parent())
    {
        let _ = std::fs::remove_dir_all(root);
    }
}
