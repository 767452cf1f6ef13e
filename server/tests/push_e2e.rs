//! End to end with the real binaries: `monqc demo` makes a record on a
//! workstation, `monqc push` lands it on the server, and it appears on the
//! dashboard, verified. Pushing again sends nothing; an interrupted push
//! resumes; amendments follow; a changed record is refused.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use monqc_server::db::Role;
use support::*;

fn monqc(data: &Path, args: &[&str], token: Option<&str>) -> Output {
    let mut c = Command::new(monqc_binary());
    c.args(args).env("MONQC_DATA_DIR", data).env_remove("MONQC_SERVER_TOKEN");
    if let Some(t) = token {
        c.env("MONQC_SERVER_TOKEN", t);
    }
    c.output().unwrap()
}

/// `monqc demo` writes its record whether it passes (0) or is INCOMPLETE (3:
/// the demo judges no visual item); anything else is a failure.
fn assert_demo(o: &Output) {
    assert!(matches!(o.status.code(), Some(0 | 3)), "monqc demo: {}", text(o));
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn record_ids(data: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(data.join("records"))
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str()?.strip_suffix(".json").map(str::to_string))
        .filter(|n| n.len() == 64)
        .collect();
    ids.sort();
    ids
}

#[test]
fn monqc_demo_then_monqc_push_lands_the_record_on_the_dashboard() {
    let db = TestDb::sqlite();
    let server = TestServer::start(&db.url);
    let token = server.workstation("Demo Hospital", "reading-room-1");
    server.person("physicist", Role::Physicist, "physicist-password");
    let data = tempfile::tempdir().unwrap();
    let demo = monqc(data.path(), &["demo"], None);
    assert_demo(&demo);
    let id = record_ids(data.path()).remove(0);

    // Without a token, or with a wrong one: a clear error, exit code 2.
    let none = monqc(data.path(), &["push", "--server", &server.base], None);
    assert_eq!(none.status.code(), Some(2));
    assert!(text(&none).contains("MONQC_SERVER_TOKEN"), "{}", text(&none));
    let wrong = monqc(data.path(), &["push", "--server", &server.base], Some(&"f".repeat(64)));
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong).contains("refused the token"), "{}", text(&wrong));

    let push = monqc(data.path(), &["push", "--server", &server.base], Some(&token));
    assert!(push.status.success(), "{}", text(&push));
    let out = String::from_utf8_lossy(&push.stdout);
    assert!(out.contains("pushed 1 record(s) (0 already on the server)"), "{out}");
    assert!(
        String::from_utf8_lossy(&push.stderr).contains("pushed 1/1 records"),
        "progress: {}",
        text(&push)
    );
    // Twice: nothing new.
    let again = monqc(data.path(), &["push", "--server", &server.base], Some(&token));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("pushed 0 record(s)"),
        "{}",
        text(&again)
    );

    // On the dashboard: the overview lists the display, its page the record,
    // and the record's page shows it verified, byte for byte the workstation's.
    let cookie = sign_in(&server.base, "physicist", "physicist-password");
    let overview =
        get_with_cookie(&format!("{}/overview", server.base), &format!("{cookie}; monqc_lang=en"))
            .text();
    assert!(overview.contains(">sim-demo<"), "{overview}");
    let display = overview.split("href=\"/displays/").nth(1).unwrap().split('"').next().unwrap();
    let page = get_with_cookie(&format!("{}/displays/{display}", server.base), &cookie).text();
    assert!(page.contains(&format!("/records/{id}")));
    let record = get_with_cookie(
        &format!("{}/records/{id}", server.base),
        &format!("{cookie}; monqc_lang=en"),
    )
    .text();
    assert!(
        record.contains("Verified now")
            && record.contains("recomputed from the readings: identical"),
        "{record}"
    );
    let bytes = get_with_cookie(&format!("{}/records/{id}/record.json", server.base), &cookie).body;
    assert_eq!(
        bytes,
        std::fs::read(data.path().join("records").join(format!("{id}.json"))).unwrap()
    );
    // The server's PDF is the workstation's PDF, byte for byte (same record,
    // same index, same facility).
    let local = data.path().join("local.pdf");
    let report =
        monqc(data.path(), &["report", &id, "--lang", "en", "-o", local.to_str().unwrap()], None);
    assert!(report.status.success(), "{}", text(&report));
    let served =
        get_with_cookie(&format!("{}/records/{id}/report.pdf?lang=en", server.base), &cookie).body;
    assert_eq!(
        served,
        std::fs::read(&local).unwrap(),
        "the server's PDF differs from monqc report's"
    );

    // An amendment made on the workstation follows with the next push.
    let amend = monqc(
        data.path(),
        &[
            "amend",
            &id,
            "--field",
            "operator",
            "--value",
            "Hanako Yamada",
            "--why",
            "shared login",
            "--by",
            "physicist",
        ],
        None,
    );
    assert!(amend.status.success(), "{}", text(&amend));
    let push = monqc(data.path(), &["push", "--server", &server.base], Some(&token));
    assert!(String::from_utf8_lossy(&push.stdout).contains("1 amendment(s)"), "{}", text(&push));
    let record = get_with_cookie(
        &format!("{}/records/{id}", server.base),
        &format!("{cookie}; monqc_lang=en"),
    )
    .text();
    assert!(record.contains("Hanako Yamada") && record.contains("Amendments (1)"), "{record}");
}

#[test]
fn an_interrupted_push_resumes_and_a_changed_record_is_refused() {
    let db = TestDb::sqlite();
    let server = TestServer::start(&db.url);
    let token = server.workstation("Demo Hospital", "reading-room-1");
    let data = tempfile::tempdir().unwrap();
    for seed in ["1", "2", "3"] {
        let demo = monqc(data.path(), &["demo", "--seed", seed], None);
        assert_demo(&demo);
    }
    // The first batch (one record) lands, then the connection is lost.
    let state = serde_json::from_value(
        get(&format!("{}/api/v1/push/state", server.base), Some(&token)).json(),
    )
    .unwrap();
    let first =
        monqc_server::outbox::plan(data.path(), &state, &Default::default(), 1).unwrap().remove(0);
    assert_eq!(send(&server.base, &token, &first).status, 200);
    // `monqc push` sends the other two only.
    let push =
        monqc(data.path(), &["push", "--server", &server.base, "--batch", "1"], Some(&token));
    assert!(push.status.success(), "{}", text(&push));
    assert!(
        String::from_utf8_lossy(&push.stdout).contains("pushed 2 record(s)"),
        "{}",
        text(&push)
    );
    let count = {
        let db = server.db.clone();
        server.block(async move { db.record_count().await.unwrap() })
    };
    assert_eq!(count, 3);

    // A record changed on the workstation after finalisation is refused by
    // a server that does not hold it yet, with the checks that failed.
    let other_db = TestDb::sqlite();
    let other = TestServer::start(&other_db.url);
    let token = other.workstation("Demo Hospital", "reading-room-1");
    let id = record_ids(data.path()).remove(0);
    let file = data.path().join("records").join(format!("{id}.json"));
    let original = std::fs::read_to_string(&file).unwrap();
    let changed = original.replacen("sim-demo", "sim-dem0", 1);
    assert_ne!(changed, original);
    std::fs::write(&file, changed).unwrap();
    let push = monqc(data.path(), &["push", "--server", &other.base], Some(&token));
    assert_eq!(push.status.code(), Some(2), "{}", text(&push));
    let t = text(&push);
    assert!(
        t.contains("refused the push") && t.contains("content hash") && t.contains("FAIL"),
        "{t}"
    );
}

/// Two `monqc push` of one workstation at once (a scheduled push while the
/// technologist pushes by hand): the server takes each batch once, the one
/// that finds its lines stored first (409) asks again and sends the rest,
/// and both end successfully with everything on the server.
#[test]
fn two_pushes_of_one_workstation_at_once_both_succeed() {
    let db = TestDb::sqlite();
    let server = TestServer::start(&db.url);
    let token = server.workstation("Demo Hospital", "reading-room-1");
    let data = tempfile::tempdir().unwrap();
    for seed in ["1", "2", "3", "4", "5", "6"] {
        assert_demo(&monqc(data.path(), &["demo", "--seed", seed], None));
    }
    let push = || {
        let (dir, base, token) = (data.path().to_owned(), server.base.clone(), token.clone());
        std::thread::spawn(move || {
            monqc(&dir, &["push", "--server", &base, "--batch", "1"], Some(&token))
        })
    };
    let (a, b) = (push(), push());
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert!(a.status.success(), "{}", text(&a));
    assert!(b.status.success(), "{}", text(&b));
    let stored = |o: &Output| {
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        out.split("pushed ").nth(1).unwrap().split(' ').next().unwrap().parse::<usize>().unwrap()
    };
    assert_eq!(
        stored(&a) + stored(&b),
        6,
        "each record stored by one push: {}{}",
        text(&a),
        text(&b)
    );
    let count = {
        let db = server.db.clone();
        server.block(async move { db.record_count().await.unwrap() })
    };
    assert_eq!(count, 6);
}
