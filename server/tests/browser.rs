//! A real browser (Debian's chromium, headless, driven through chromedriver
//! over WebDriver) signs in, opens the overview, a display, a record and
//! the record's PDF. Skipped when chromium or chromedriver is missing,
//! unless MONQC_REQUIRE_BROWSER=1 (as .ci/run sets), when it fails.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use monqc_server::fleet;
use monqc_server::web::Config;
use support::*;

const PASSWORD: &str = "browser-test-password";

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// chromedriver on a free loopback port; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver(chromedriver: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "chromedriver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    driver
}

fn wait_for_file(dir: &Path, timeout: Duration) -> Option<std::path::PathBuf> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if let Some(f) = std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        {
            return Some(f);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_in_and_opens_the_overview_a_display_a_record_and_its_pdf() {
    let (Some(chromium), Some(chromedriver)) = (which("chromium"), which("chromedriver")) else {
        assert!(
            std::env::var("MONQC_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "MONQC_REQUIRE_BROWSER=1 but chromium or chromedriver is not installed (.ci/apt/server.txt)"
        );
        eprintln!("note: chromium or chromedriver missing; the browser test is skipped");
        return;
    };
    let db = TestDb::sqlite();
    // Secure cookies as in production: browsers send them over http to loopback only.
    let server = tokio::task::spawn_blocking({
        let url = db.url.clone();
        move || TestServer::start_with(&url, Config { secure_cookies: true, ..Config::default() })
    })
    .await
    .unwrap();
    let ingest = server.ingest.clone();
    let today = chrono::Utc::now().date_naive();
    let fleet = tokio::task::spawn_blocking({
        let rt = server.runtime_handle();
        move || {
            rt.block_on(async move { fleet::seed_demo(&ingest, today, PASSWORD).await.unwrap() })
        }
    })
    .await
    .unwrap();
    assert!(fleet.records > 50);

    let driver = start_driver(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--lang=en-US",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": {
                "download.default_directory": downloads.path(),
                "download.prompt_for_download": false,
                "plugins.always_open_pdf_externally": true,
            },
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let c = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session");
    let base = server.base.clone();

    // Not signed in: the overview sends the browser to the sign-in page.
    c.goto(&format!("{base}/overview")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    c.find(Locator::Css("input[name=name]")).await.unwrap().send_keys("physicist").await.unwrap();
    c.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    c.find(Locator::Css("form.login button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::XPath("//h1[contains(., 'Fleet overview')]")).await.unwrap();

    // The overview in English (the browser asks for en-US), then in Japanese.
    let html = c.source().await.unwrap();
    assert!(html.contains("Fleet overview"), "{html}");
    assert!(html.contains("Central Hospital") && html.contains("East Clinic"));
    c.find(Locator::LinkText("日本語")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::XPath("//h1[contains(., '表示装置の概要')]")).await.unwrap();
    c.find(Locator::LinkText("English")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::XPath("//h1[contains(., 'Fleet overview')]")).await.unwrap();

    // A display with its trend figures.
    c.find(Locator::Css("a[href^='/displays/']")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("div.figures svg")).await.unwrap();
    assert_eq!(c.find_all(Locator::Css("div.figures svg")).await.unwrap().len(), 3);
    let history = c.find_all(Locator::Css("a[href^='/records/'].hash")).await.unwrap();
    assert!(history.len() > 5);

    // A record, verified now.
    history[0].clone().click().await.unwrap();
    c.wait().for_element(Locator::Css("p.ok")).await.unwrap();
    let html = c.source().await.unwrap();
    assert!(
        html.contains("Verified now") && html.contains("recomputed from the readings: identical")
    );

    // Its PDF: the browser receives a real PDF file.
    c.find(Locator::LinkText("PDF (English)")).await.unwrap().click().await.unwrap();
    let pdf =
        wait_for_file(downloads.path(), Duration::from_secs(60)).expect("the PDF was downloaded");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "{}", pdf.display());
    assert!(bytes.len() > 10_000);

    // Signing out ends the session.
    c.find(Locator::Css("form.inline button[type=submit]")).await.unwrap().click().await.unwrap();
    c.goto(&format!("{base}/overview")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    c.close().await.unwrap();
    drop(driver);
    tokio::task::spawn_blocking(move || drop(server)).await.unwrap();
}
