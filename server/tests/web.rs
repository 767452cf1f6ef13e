//! The dashboard over real HTTP, on the demo fleet: sign-in, cookies, CSRF,
//! roles, the pages in both languages, PDFs, the inspector's archive,
//! schedules, and the audit log.

mod support;

use std::sync::OnceLock;

use monqc_server::db::Role;
use monqc_server::fleet;
use monqc_server::web::Config;
use support::*;

const PASSWORD: &str = "demo-password-for-tests";

struct Demo {
    server: TestServer,
    _db: TestDb,
}

/// One demo fleet per test binary, on the embedded store, with Secure cookies.
fn demo() -> &'static TestServer {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    &DEMO
        .get_or_init(|| {
            let db = TestDb::sqlite();
            let server = TestServer::start_with(
                &db.url,
                Config { secure_cookies: true, ..Config::default() },
            );
            let ingest = server.ingest.clone();
            let today = chrono::Utc::now().date_naive();
            let fleet = server
                .block(async move { fleet::seed_demo(&ingest, today, PASSWORD).await.unwrap() });
            assert!(fleet.records > 50, "{fleet:?}");
            Demo { server, _db: db }
        })
        .server
}

fn page(path: &str, cookie: &str) -> String {
    let r = get_with_cookie(&format!("{}{path}", demo().base), cookie);
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.text()
}

/// The id of the site whose name contains `name`.
fn site_id(cookie: &str, name: &str) -> String {
    let html = page("/overview", cookie);
    let before = &html[..html.find(name).unwrap_or_else(|| panic!("no site {name}"))];
    before.rsplit("href=\"/sites/").next().unwrap().split('"').next().unwrap().to_string()
}

/// The demo server's audit log, newest first.
fn audit_log() -> Vec<monqc_server::db::AuditEntry> {
    let db = demo().db.clone();
    demo().block(async move { db.audit_log(None, 500).await.unwrap() })
}

fn first_link(html: &str, prefix: &str) -> String {
    let start =
        html.find(&format!("href=\"{prefix}")).unwrap_or_else(|| panic!("no link to {prefix}")) + 6;
    html[start..].split('"').next().unwrap().to_string()
}

#[test]
fn pages_need_a_session_and_the_cookie_is_secure_httponly_strict() {
    let base = &demo().base;
    let r = get(&format!("{base}/overview"), None);
    assert_eq!(r.status, 303);
    assert_eq!(r.headers.get("location").unwrap(), "/login?next=/overview");
    // A wrong password is refused and audited.
    let login = get(&format!("{base}/login"), None);
    let set = login.headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(set.contains(attr), "{set}");
    }
    let c = login.cookie("monqc_login_csrf").unwrap();
    let html = login.text();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap();
    let cookie = format!("monqc_login_csrf={c}");
    let wrong = post_form(
        &format!("{base}/login"),
        &cookie,
        None,
        &[("csrf", csrf), ("name", "physicist"), ("password", "nope")],
    );
    assert_eq!(wrong.status, 401);
    // Without the login form's own cookie the form is refused (login CSRF).
    let forged = post_form(
        &format!("{base}/login"),
        "",
        None,
        &[("csrf", csrf), ("name", "physicist"), ("password", PASSWORD)],
    );
    assert_eq!(forged.status, 403);
    // The right password gives a Secure, HttpOnly, SameSite=Strict session.
    let ok = post_form(
        &format!("{base}/login"),
        &cookie,
        None,
        &[("csrf", csrf), ("name", "physicist"), ("password", PASSWORD)],
    );
    assert_eq!(ok.status, 303, "{}", ok.text());
    let session = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("monqc_session="))
        .unwrap()
        .to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(session.contains(attr), "{session}");
    }
    let log = audit_log();
    assert!(log.iter().any(|e| e.action == "login-failed" && e.actor == "physicist"));
    assert!(log.iter().any(|e| e.action == "login" && e.actor == "physicist"));
}

#[test]
fn every_form_needs_the_session_csrf_token_and_this_origin() {
    let base = demo().base.clone();
    let cookie = sign_in(&base, "physicist", PASSWORD);
    let csrf = csrf_of(&base, &cookie);
    let overview = page("/overview", &cookie);
    let display = first_link(&overview, "/displays/");
    let form = |token: &str| {
        vec![
            ("csrf", token.to_string()),
            ("room", "読影室3 Reading room 3".to_string()),
            ("description", "moved".to_string()),
            ("standard", "jesra-x0093".to_string()),
            ("grade", "1a".to_string()),
            ("active", "on".to_string()),
        ]
    };
    let send = |token: &str, origin: Option<&str>| {
        let f = form(token);
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post_form(&format!("{base}{display}"), &cookie, origin, &pairs)
    };
    assert_eq!(send("", None).status, 403);
    assert_eq!(send(&"0".repeat(64), None).status, 403);
    assert_eq!(send(&csrf, Some("http://elsewhere.example")).status, 403);
    let ok = send(&csrf, Some(&base));
    assert_eq!(ok.status, 303, "{}", ok.text());
    assert!(page(&display, &cookie).contains("読影室3 Reading room 3"));
    // Signing out needs the token too, and ends the session.
    assert_eq!(post_form(&format!("{base}/logout"), &cookie, None, &[("csrf", "x")]).status, 403);
    assert_eq!(post_form(&format!("{base}/logout"), &cookie, None, &[("csrf", &csrf)]).status, 303);
    assert_eq!(get_with_cookie(&format!("{base}/overview"), &cookie).status, 303);
}

#[test]
fn an_inspector_reads_and_downloads_but_cannot_manage() {
    let base = demo().base.clone();
    demo().person("inspector-2", Role::Inspector, PASSWORD);
    let cookie = sign_in(&base, "inspector-2", PASSWORD);
    let csrf = csrf_of(&base, &cookie);
    let overview = page("/overview", &cookie);
    let display = first_link(&overview, "/displays/");
    let html = page(&display, &cookie);
    assert!(!html.contains("name=\"room\""), "no management form for an inspector");
    let r = post_form(
        &format!("{base}{display}"),
        &cookie,
        None,
        &[
            ("csrf", &csrf),
            ("room", "x"),
            ("description", ""),
            ("standard", "jesra-x0093"),
            ("grade", "1a"),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let site = first_link(&overview, "/sites/");
    let r = post_form(
        &format!("{base}{site}/schedule"),
        &cookie,
        None,
        &[
            ("csrf", &csrf),
            ("standard", "jesra-x0093"),
            ("test", "constancy"),
            ("interval_days", "30"),
            ("due_soon_days", "3"),
        ],
    );
    assert_eq!(r.status, 403);
}

#[test]
fn the_overview_site_due_display_and_record_pages_in_both_languages() {
    let base = demo().base.clone();
    let cookie = sign_in(&base, "physicist", PASSWORD);
    let ja = page("/overview", &format!("{cookie}; monqc_lang=ja"));
    let en = page("/overview", &format!("{cookie}; monqc_lang=en"));
    assert!(ja.contains("表示装置の概要") && ja.contains("期限超過") && ja.contains("不合格"));
    assert!(en.contains("Fleet overview") && en.contains("overdue") && en.contains("failed"));
    // The demo's central hospital has a display in each state.
    let central = site_id(&cookie, "Central Hospital");
    for s in ["failed", "overdue", "incomplete", "due", "compliant"] {
        assert!(
            en.contains(&format!("href=\"/sites/{central}?status={s}\"")),
            "no {s} display: {en}"
        );
    }
    // The overview counts from the displays' stored due dates, the site page
    // works each display's status out in full: they agree.
    let all = page(&format!("/sites/{central}"), &format!("{cookie}; monqc_lang=en"));
    for s in ["failed", "overdue", "incomplete", "due", "compliant"] {
        let link = format!("href=\"/sites/{central}?status={s}\"");
        let counted = en.split(&format!("{link}>")).nth(1).unwrap().split('<').next().unwrap();
        let tile = all.split(&link).nth(1).unwrap().split("<b>").nth(1).unwrap();
        assert_eq!(counted, tile.split('<').next().unwrap(), "{s}");
    }
    let site =
        page(&format!("/sites/{central}?status=failed"), &format!("{cookie}; monqc_lang=en"));
    assert!(site.contains("rr1-right"), "the decalibrated display failed its constancy test");
    let due = page("/due", &format!("{cookie}; monqc_lang=en"));
    assert!(due.contains("rr2-left") && due.contains("Overdue") && due.contains("Due soon"));
    // A display: trend figures with baseline and limit, history with PDFs.
    let display = first_link(&site, "/displays/");
    let d = page(&display, &format!("{cookie}; monqc_lang=en"));
    assert_eq!(d.matches("<svg").count(), 3, "L'max, r' and Kδ");
    assert!(d.contains("limit ≥ 350") && d.contains("baseline"));
    assert!(d.contains("report.pdf?lang=ja") && d.contains("report.pdf?lang=en"));
    // A record: verified now, verdicts, raw readings.
    let record = d.split("href=\"/records/").nth(1).unwrap().split('"').next().unwrap();
    let r = page(&format!("/records/{record}"), &format!("{cookie}; monqc_lang=en"));
    assert!(r.contains("Verified now"), "{r}");
    assert!(r.contains("recomputed from the readings: identical"));
    assert!(r.contains("Raw readings"));
    for lang in ["ja", "en"] {
        let pdf =
            get_with_cookie(&format!("{base}/records/{record}/report.pdf?lang={lang}"), &cookie);
        assert_eq!(pdf.status, 200);
        assert_eq!(pdf.headers.get("content-type").unwrap(), "application/pdf");
        assert!(pdf.body.starts_with(b"%PDF-"));
    }
    // The amended record shows its amendment.
    let db = demo().db.clone();
    let amended = demo().block(async move {
        let ids: Vec<String> = all_record_ids(&db).await;
        let mut found = None;
        for id in ids {
            if !db.amendment_lines(&id).await.unwrap().is_empty() {
                found = Some(id);
            }
        }
        found.unwrap()
    });
    let r = page(&format!("/records/{amended}"), &format!("{cookie}; monqc_lang=ja"));
    assert!(r.contains("山田 花子") && r.contains("修正履歴 (1)"), "{r}");
}

async fn all_record_ids(db: &monqc_server::db::Db) -> Vec<String> {
    let mut ids = Vec::new();
    for d in db.displays(None).await.unwrap() {
        ids.extend(db.display_records(d.id).await.unwrap().into_iter().map(|r| r.id));
    }
    ids
}

#[test]
fn the_inspector_archive_holds_every_record_of_the_range_as_pdf_with_a_csv_index() {
    let base = demo().base.clone();
    let cookie = sign_in(&base, "inspector", PASSWORD);
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Days::new(200);
    let east = site_id(&cookie, "East Clinic");
    let list = page(
        &format!("/inspect?site={east}&from={from}&to={today}"),
        &format!("{cookie}; monqc_lang=en"),
    );
    let rows = list.matches("report.pdf?lang=en").count();
    assert!(rows > 10, "{list}");
    let zip = get_with_cookie(
        &format!("{base}/inspect/archive.zip?site={east}&from={from}&to={today}&lang=en"),
        &cookie,
    );
    assert_eq!(zip.status, 200, "{}", zip.text());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.body)).unwrap();
    let names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
    let pdfs: Vec<&String> = names.iter().filter(|n| n.ends_with(".pdf")).collect();
    assert_eq!(pdfs.len(), rows);
    assert_eq!(names.iter().filter(|n| n.contains("/records/")).count(), rows);
    let index = names.iter().find(|n| n.ends_with("/index.csv")).unwrap().clone();
    let mut csv = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(&index).unwrap(), &mut csv).unwrap();
    assert_eq!(csv.lines().count(), rows + 1);
    assert!(csv.starts_with("performed_at,site,room,display,test"));
    for name in pdfs {
        let mut head = [0u8; 5];
        std::io::Read::read_exact(&mut archive.by_name(name).unwrap(), &mut head).unwrap();
        assert_eq!(&head, b"%PDF-");
    }
    let log = audit_log();
    assert!(log.iter().any(|e| e.action == "download-archive" && e.actor == "inspector"));
}

#[test]
fn a_physicist_sets_a_site_interval_and_the_due_date_follows() {
    let base = demo().base.clone();
    let cookie = sign_in(&base, "physicist", PASSWORD);
    let csrf = csrf_of(&base, &cookie);
    let east = site_id(&cookie, "East Clinic");
    let schedule = page(&format!("/sites/{east}/schedule"), &format!("{cookie}; monqc_lang=en"));
    assert!(schedule.contains("site setting") && schedule.contains("standard's text"));
    assert!(schedule.contains("「6 ヶ月又は 1 年毎」"), "each interval says where it comes from");
    let exam1 = |c: &str| {
        let site = page(&format!("/sites/{east}"), c);
        let link = site
            .split("href=\"/displays/")
            .find(|s| s.contains("exam-1"))
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        page(&format!("/displays/{link}"), c)
    };
    let before = exam1(&format!("{cookie}; monqc_lang=en"));
    let r = post_form(
        &format!("{base}/sites/{east}/schedule"),
        &cookie,
        None,
        &[
            ("csrf", &csrf),
            ("standard", "jesra-x0093"),
            ("test", "constancy"),
            ("interval_days", "30"),
            ("due_soon_days", "7"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let after = exam1(&format!("{cookie}; monqc_lang=en"));
    assert!(before.contains("182 days") && after.contains("30 days"), "{after}");
    assert!(after.contains("status overdue"), "a 30-day interval makes its constancy test overdue");
    let log = audit_log();
    assert!(log.iter().any(|e| e.action == "schedule-edit" && e.actor == "physicist"));
}
