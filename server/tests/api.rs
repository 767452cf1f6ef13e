//! The push API over real HTTP on loopback, against the embedded store and
//! (when MONQC_TEST_POSTGRES_URL is set) PostgreSQL: what is refused, who
//! may push, idempotence, concurrency, and that a record downloaded from
//! the server verifies with `monqc verify`.

mod support;

use monqc_server::db::Role;
use support::*;

/// Run `f` against a fresh server on each backend.
fn on_each_backend(f: impl Fn(&TestServer)) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for db in rt.block_on(TestDb::all()) {
        eprintln!("-- backend {}", db.name);
        {
            let server = TestServer::start(&db.url);
            f(&server);
        }
        let conn = rt.block_on(db.connect());
        rt.block_on(db.drop_db(conn));
    }
}

fn record_count(server: &TestServer) -> i64 {
    let db = server.db.clone();
    server.block(async move { db.record_count().await.unwrap() })
}

#[test]
fn a_record_changed_by_one_byte_is_refused_with_a_clear_422() {
    let (dir, _) = &shared_workstations(1).remove(0);
    on_each_backend(|server| {
        let token = server.workstation("General Hospital", "ws-a");
        let mut req = first_push(dir).remove(0);
        // One digit of a reading, in the middle of the first record.
        let text = &mut req.records[0].text;
        let at = text.find("\"luminance_cd_m2\": ").unwrap() + "\"luminance_cd_m2\": ".len() + 2;
        let mut bytes = std::mem::take(text).into_bytes();
        bytes[at] = if bytes[at] == b'7' { b'8' } else { b'7' };
        *text = String::from_utf8(bytes).unwrap();
        let r = send(&server.base, &token, &req);
        assert_eq!(r.status, 422, "{}", r.text());
        let v = r.json();
        assert_eq!(v["record"], req.records[0].id.as_str());
        assert!(v["error"].as_str().unwrap().contains("does not verify (content hash"), "{v}");
        let hash =
            v["checks"].as_array().unwrap().iter().find(|c| c["what"] == "content hash").unwrap();
        assert_eq!(hash["ok"], false);
        // Nothing of the push was stored.
        assert_eq!(record_count(server), 0);
        let state = get(&format!("{}/api/v1/push/state", server.base), Some(&token)).json();
        assert_eq!(state["index_lines"], 0);
        // The unchanged push goes through.
        assert_eq!(push_http(&server.base, &token, dir).unwrap().0, req.records.len());
    });
}

#[test]
fn no_token_or_an_unknown_token_is_401() {
    on_each_backend(|server| {
        let r = get(&format!("{}/api/v1/push/state", server.base), None);
        assert_eq!(r.status, 401);
        assert_eq!(r.headers.get("www-authenticate").unwrap(), "Bearer realm=\"monqc\"");
        assert!(r.json()["error"].as_str().unwrap().contains("no token"));
        let r = post_json(&format!("{}/api/v1/push", server.base), None, &serde_json::json!({}));
        assert_eq!(r.status, 401);
        let r = get(&format!("{}/api/v1/push/state", server.base), Some(&"0".repeat(64)));
        assert_eq!(r.status, 401);
        assert!(r.json()["error"].as_str().unwrap().contains("unknown token"));
    });
}

#[test]
fn an_inspector_or_a_physicist_cannot_push_and_a_workstation_can_only_push() {
    let (dir, ids) = &shared_workstations(1).remove(0);
    on_each_backend(|server| {
        let inspector = server.person("inspector", Role::Inspector, "inspector-password");
        let physicist = server.person("physicist", Role::Physicist, "physicist-password");
        let req = first_push(dir).remove(0);
        for token in [&inspector, &physicist] {
            let r = send(&server.base, token, &req);
            assert_eq!(r.status, 403, "{}", r.text());
            assert!(r.json()["error"].as_str().unwrap().contains("only workstation tokens push"));
        }
        assert_eq!(record_count(server), 0);
        let ws = server.workstation("General Hospital", "ws-a");
        assert_eq!(send(&server.base, &ws, &req).status, 200);
        // The inspector reads a record by API; the workstation may not.
        let url = format!("{}/api/v1/records/{}", server.base, ids[0]);
        assert_eq!(get(&url, Some(&inspector)).status, 200);
        assert_eq!(get(&url, Some(&ws)).status, 403);
        // Nor may a workstation token sign in to the dashboard: it has no password.
        let page = get(&format!("{}/overview", server.base), Some(&ws));
        assert_eq!(page.status, 303);
    });
}

#[test]
fn pushing_the_same_records_twice_stores_them_once() {
    let (dir, ids) = &shared_workstations(1).remove(0);
    on_each_backend(|server| {
        let token = server.workstation("General Hospital", "ws-a");
        assert_eq!(push_http(&server.base, &token, dir).unwrap(), (ids.len(), 0));
        // Again: the client finds nothing new.
        assert_eq!(push_http(&server.base, &token, dir).unwrap(), (0, 0));
        // The same request replayed is refused as not continuing the index,
        // and stores nothing.
        let replay = send(&server.base, &token, &first_push(dir)[0]);
        assert_eq!(replay.status, 409, "{}", replay.text());
        assert_eq!(record_count(server), ids.len() as i64);
        // A second workstation holding copies of the same records (a
        // copied data directory): acknowledged as held, not stored twice.
        let other = server.workstation("General Hospital", "ws-copy");
        assert_eq!(push_http(&server.base, &other, dir).unwrap(), (0, ids.len()));
        assert_eq!(record_count(server), ids.len() as i64);
    });
}

#[test]
fn eight_workstations_pushing_at_once_lose_nothing() {
    let dirs = shared_workstations(8);
    on_each_backend(|server| {
        let tokens: Vec<String> =
            (0..8).map(|i| server.workstation("General Hospital", &format!("ws{i}"))).collect();
        let base = server.base.clone();
        std::thread::scope(|s| {
            let handles: Vec<_> = dirs
                .iter()
                .zip(&tokens)
                .map(|((dir, ids), token)| {
                    let base = base.clone();
                    s.spawn(move || {
                        // Small batches, so the pushes interleave.
                        let state = get(&format!("{base}/api/v1/push/state"), Some(token)).json();
                        let state = serde_json::from_value(state).unwrap();
                        let reqs = monqc_server::outbox::plan(dir, &state, &Default::default(), 2)
                            .unwrap();
                        let mut stored = 0;
                        for r in reqs {
                            let reply = send(&base, token, &r);
                            assert_eq!(reply.status, 200, "{}", reply.text());
                            stored += reply.json()["stored"].as_array().unwrap().len();
                        }
                        assert_eq!(stored, ids.len());
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        });
        let total: usize = dirs.iter().map(|(_, ids)| ids.len()).sum();
        assert_eq!(record_count(server), total as i64);
        let inspector = server.person("inspector", Role::Inspector, "inspector-password");
        for (dir, ids) in &dirs {
            for id in ids {
                let r = get(&format!("{}/api/v1/records/{id}", server.base), Some(&inspector));
                assert_eq!(r.status, 200);
                assert_eq!(
                    r.body,
                    std::fs::read(dir.join("records").join(format!("{id}.json"))).unwrap()
                );
            }
        }
    });
}

#[test]
fn a_record_downloaded_from_the_server_verifies_with_monqc_verify() {
    let (dir, ids) = &shared_workstations(1).remove(0);
    let monqc = monqc_binary();
    on_each_backend(|server| {
        let token = server.workstation("General Hospital", "ws-a");
        push_http(&server.base, &token, dir).unwrap();
        server.person("inspector", Role::Inspector, "inspector-password");
        let cookie = sign_in(&server.base, "inspector", "inspector-password");
        // A constancy record: its bundle also needs its baseline.
        let id = ids
            .iter()
            .find(|id| {
                let text = std::fs::read_to_string(dir.join("records").join(format!("{id}.json")))
                    .unwrap();
                text.contains("\"baseline_record\": \"")
            })
            .unwrap();
        let exact = get_with_cookie(&format!("{}/records/{id}/record.json", server.base), &cookie);
        assert_eq!(exact.status, 200);
        assert_eq!(
            exact.body,
            std::fs::read(dir.join("records").join(format!("{id}.json"))).unwrap()
        );
        let zip = get_with_cookie(&format!("{}/records/{id}/bundle.zip", server.base), &cookie);
        assert_eq!(zip.status, 200, "{}", zip.text());
        let machine = tempfile::tempdir().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.body)).unwrap();
        archive.extract(machine.path()).unwrap();
        let data = machine.path().join(format!("monqc-record-{}", &id[..12]));
        let out = std::process::Command::new(&monqc)
            .arg("verify")
            .arg(id)
            .env("MONQC_DATA_DIR", &data)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "monqc verify: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("verified: the bytes and the history are exactly as finalised"),
            "{text}"
        );
        assert!(text.contains("recomputed from the readings: identical"), "{text}");
        // The same bundle with one byte of the record changed does not verify.
        let file = data.join("records").join(format!("{id}.json"));
        let mut bytes = std::fs::read(&file).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        std::fs::write(&file, bytes).unwrap();
        let out = std::process::Command::new(&monqc)
            .arg("verify")
            .arg(id)
            .env("MONQC_DATA_DIR", &data)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
        // Every download is in the audit log.
        let db = server.db.clone();
        let log = server.block(async move { db.audit_log(None, 50).await.unwrap() });
        assert!(
            log.iter().any(|e| e.action == "download-bundle"
                && e.actor == "inspector"
                && e.subject == *id)
        );
        assert!(log.iter().any(|e| e.action == "download-record" && e.subject == *id));
    });
}

#[test]
fn a_changed_index_line_or_amendment_is_refused_and_amendments_are_pushed_verified() {
    on_each_backend(|server| {
        // Each backend gets its own copy: amending changes the workstation's index.
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("ws");
        copy_dir(&shared_workstations(1)[0].0, &dir);
        let ids = monqc_server::outbox::plan(&dir, &Default::default(), &Default::default(), 500)
            .unwrap()[0]
            .records
            .iter()
            .map(|r| r.id.clone())
            .collect::<Vec<_>>();
        let token = server.workstation("General Hospital", "ws-a");
        // An index line whose verdict was edited breaks its chain.
        let mut req = first_push(&dir).remove(0);
        let edited = req.index_lines[1].replacen("\"overall\":\"pass\"", "\"overall\":\"fail\"", 1);
        assert_ne!(edited, req.index_lines[1], "the first record passed");
        req.index_lines[1] = edited;
        let r = send(&server.base, &token, &req);
        assert_eq!(r.status, 422, "{}", r.text());
        assert!(
            r.json()["error"].as_str().unwrap().contains("record index does not verify"),
            "{}",
            r.text()
        );
        assert_eq!(record_count(server), 0);
        push_http(&server.base, &token, &dir).unwrap();

        // An amendment made on the workstation after the first push goes
        // with the index line that anchors it.
        monqc_server::adapter::amend(
            &dir,
            &ids[0],
            "physicist",
            chrono::Utc::now(),
            "operator",
            "Hanako Yamada",
            "the shared login was recorded",
        )
        .unwrap();
        push_http(&server.base, &token, &dir).unwrap();
        let db = server.db.clone();
        let id = ids[0].clone();
        let lines = server.block(async move { db.amendment_lines(&id).await.unwrap() });
        assert_eq!(lines.len(), 2, "header and one amendment");

        // A second amendment, changed after it was written, is refused.
        monqc_server::adapter::amend(
            &dir,
            &ids[0],
            "physicist",
            chrono::Utc::now(),
            "note",
            "x",
            "test",
        )
        .unwrap();
        let path = dir.join("records").join(format!("{}.amendments.jsonl", ids[0]));
        let text = std::fs::read_to_string(&path).unwrap();
        let last = text.lines().last().unwrap().replace("\"value\":\"x\"", "\"value\":\"y\"");
        assert!(last.contains("\"value\":\"y\""));
        // The second amendment's anchor is the index's last line.
        let index = std::fs::read_to_string(dir.join("records").join("index.jsonl")).unwrap();
        let index: Vec<String> = index.lines().map(str::to_string).collect();
        let req = monqc_server::ingest::PushRequest {
            index_from: index.len() as i64 - 1,
            index_lines: vec![index.last().unwrap().clone()],
            amendments: vec![monqc_server::ingest::PushedAmendments {
                record: ids[0].clone(),
                from: 2,
                lines: vec![last],
            }],
            ..Default::default()
        };
        let r = send(&server.base, &token, &req);
        assert_eq!(r.status, 422, "{}", r.text());
        let checks = r.json()["checks"].clone();
        assert!(
            checks
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["what"] == "amendments" && c["ok"] == false),
            "{checks}"
        );
        // As written, it is stored.
        push_http(&server.base, &token, &dir).unwrap();
        let db = server.db.clone();
        let id = ids[0].clone();
        assert_eq!(server.block(async move { db.amendment_lines(&id).await.unwrap() }).len(), 3);
    });
}
