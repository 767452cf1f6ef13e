//! The store against both real backends: the embedded SQLite file and
//! PostgreSQL (MONQC_TEST_POSTGRES_URL; required when MONQC_REQUIRE_POSTGRES=1).

mod support;

use monqc_server::db::{Db, DbError, Role};
use monqc_server::fleet;
use monqc_server::ingest::{Ingest, IngestError};
use support::*;

async fn each(f: impl AsyncFn(&Db, &'static str)) {
    for t in TestDb::all().await {
        let db = t.connect().await;
        f(&db, t.name).await;
        t.drop_db(db).await;
    }
}

#[tokio::test]
async fn accounts_tokens_and_sessions() {
    each(async |db, name| {
        let site = db.site_add("General Hospital").await.unwrap();
        assert_eq!(
            db.site_add("General Hospital").await.unwrap(),
            site,
            "{name}: sites are unique"
        );
        let id = db.account_add("alice", Role::Physicist, None, Some("$argon2id$x")).await.unwrap();
        assert!(matches!(
            db.account_add("alice", Role::Inspector, None, None).await,
            Err(DbError::Conflict(_))
        ));
        let a = db.account_by_name("alice").await.unwrap().unwrap();
        assert_eq!(
            (a.id, a.role, a.password_hash.as_deref()),
            (id, Role::Physicist, Some("$argon2id$x"))
        );
        db.token_add(id, "hash-of-token").await.unwrap();
        assert_eq!(db.account_by_token("hash-of-token").await.unwrap().unwrap().name, "alice");
        assert!(db.account_by_token("other").await.unwrap().is_none());
        let later = monqc_server::db::stamp(chrono::Utc::now() + chrono::Duration::hours(1));
        let earlier = monqc_server::db::stamp(chrono::Utc::now() - chrono::Duration::hours(1));
        db.session_add("live", id, "csrf-1", &later).await.unwrap();
        db.session_add("expired", id, "csrf-2", &earlier).await.unwrap();
        let (acc, csrf) = db.session("live").await.unwrap().unwrap();
        assert_eq!((acc.name.as_str(), csrf.as_str()), ("alice", "csrf-1"));
        assert!(
            db.session("expired").await.unwrap().is_none(),
            "{name}: an expired session signs no one in"
        );
        db.session_delete("live").await.unwrap();
        assert!(db.session("live").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn pushed_records_are_stored_byte_exact_once_and_never_changed() {
    let (dir, ids) = &shared_workstations(1).remove(0);
    each(async |db, name| {
        let ingest = Ingest::new(db.clone(), None);
        fleet::workstation(db, "General Hospital", "ws-a").await.unwrap();
        let stored = fleet::push_dir(&ingest, "ws-a", dir, &[], None).await.unwrap();
        assert_eq!(stored, ids.len(), "{name}");
        for id in ids {
            let bytes = db.record_bytes(id).await.unwrap().unwrap();
            assert_eq!(
                bytes,
                std::fs::read(dir.join("records").join(format!("{id}.json"))).unwrap()
            );
        }
        assert_eq!(db.record_count().await.unwrap(), ids.len() as i64);
        // The display's latest tests are filed from the records.
        let displays = db.displays(None).await.unwrap();
        assert_eq!(displays.len(), 2);
        for d in &displays {
            assert!(d.last.iter().all(Option::is_some), "{name}: {d:?}");
            assert_eq!(d.standard, "jesra-x0093");
            let history = db.display_records(d.id).await.unwrap();
            assert_eq!(history.len(), 3, "acceptance, constancy, daily");
            assert!(history.windows(2).all(|w| w[0].performed_at <= w[1].performed_at));
            assert_eq!(history.iter().filter(|r| r.baseline.is_some()).count(), 1);
        }
        // Pushing again stores nothing.
        assert_eq!(fleet::push_dir(&ingest, "ws-a", dir, &[], None).await.unwrap(), 0);
        assert_eq!(db.record_count().await.unwrap(), ids.len() as i64);
        // Records, index lines, amendments and the audit log refuse change.
        for sql in [
            "UPDATE records SET overall = 'pass'",
            "DELETE FROM records",
            "UPDATE index_lines SET line = ''",
            "DELETE FROM index_lines",
            "DELETE FROM audit_log",
            "UPDATE audit_log SET actor = 'nobody'",
        ] {
            let e = db.execute_unchecked(sql).await.expect_err(sql);
            assert!(e.to_string().contains("append-only"), "{name}: {sql}: {e}");
        }
        assert_eq!(db.record_count().await.unwrap(), ids.len() as i64);
    })
    .await;
}

#[tokio::test]
async fn a_push_that_fails_a_check_stores_nothing() {
    let (dir, _) = &shared_workstations(1).remove(0);
    each(async |db, name| {
        let ingest = Ingest::new(db.clone(), None);
        fleet::workstation(db, "General Hospital", "ws-a").await.unwrap();
        let account = db.account_by_name("ws-a").await.unwrap().unwrap();
        let mut req = first_push(dir).remove(0);
        // The last record's text loses a byte: all of the push is refused.
        let last = req.records.last_mut().unwrap();
        last.text.pop();
        match ingest.push(&account, req).await {
            Err(IngestError::Refused { checks, .. }) => {
                assert!(!checks[0].ok, "{name}: {checks:?}")
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(db.record_count().await.unwrap(), 0);
        assert_eq!(db.index_state(account.id).await.unwrap(), (0, None));
        assert!(db.displays(None).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn schedules_and_the_audit_log() {
    each(async |db, name| {
        let site = db.site_add("General Hospital").await.unwrap();
        db.schedule_set(site.id, "jesra-x0093", "constancy", 365, 30, "alice").await.unwrap();
        db.schedule_set(site.id, "jesra-x0093", "constancy", 180, 14, "bob").await.unwrap();
        let s = db.schedule_settings(site.id).await.unwrap();
        assert_eq!(s.len(), 1, "{name}: one setting per standard and test");
        assert_eq!(
            (s[0].interval_days, s[0].due_soon_days, s[0].updated_by.as_str()),
            (180, 14, "bob")
        );
        for i in 0..5 {
            db.audit("alice", "display-edit", &format!("d{i}"), "").await.unwrap();
        }
        let log = db.audit_log(None, 3).await.unwrap();
        assert_eq!(log.iter().map(|e| e.subject.as_str()).collect::<Vec<_>>(), ["d4", "d3", "d2"]);
        let older = db.audit_log(Some(log[2].id), 10).await.unwrap();
        assert_eq!(older.len(), 2);
        let d = db.display_add(site.id, "new-1", "Room 1", "", "jesra-x0093", "1a").await.unwrap();
        assert!(matches!(
            db.display_add(site.id, "new-1", "Room 2", "", "jesra-x0093", "1a").await,
            Err(DbError::Conflict(_))
        ));
        db.display_update(d, "Room 3", "moved", "jesra-x0093", "1b", false).await.unwrap();
        let row = db.display(d).await.unwrap().unwrap();
        assert_eq!((row.room.as_str(), row.grade.as_str(), row.active), ("Room 3", "1b", false));
        assert!(db.size_bytes().await.unwrap() > 0);
    })
    .await;
}
