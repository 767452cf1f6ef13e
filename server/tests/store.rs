//! The store against both real backends: the embedded SQLite file and
//! PostgreSQL (MONQC_TEST_POSTGRES_URL; required when MONQC_REQUIRE_POSTGRES=1).

mod support;

use monqc_server::db::{Db, DbError, Role};
use monqc_server::fleet;
use monqc_server::ingest::{Ingest, IngestError};
use monqc_server::schedule::Status;
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

/// The fleet overview counts statuses in SQL from each display's stored
/// status dates: on both backends, on every day of most of a year, the
/// counts, the needs-attention list and the due list must be what the full
/// working in Rust gives for every display.
#[tokio::test]
async fn the_stored_status_dates_count_as_the_full_working_on_every_day() {
    use std::collections::BTreeMap;

    use monqc_server::schedule::{self, SiteIntervals};

    let jst = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    each(async |db, name| {
        let db = db.clone().with_utc_offset(jst);
        let a = db.site_add("Hospital A").await.unwrap();
        let b = db.site_add("Hospital B").await.unwrap();
        // Site B checks daily every 7 days, shown due 3 days before.
        db.schedule_set(b.id, "jesra-x0093", "daily", 7, 3, "physicist").await.unwrap();
        // Latest tests near midnight UTC, so that the offset moves their date.
        let mut choices = vec![None];
        for at in
            ["2025-10-01T15:30:00.000Z", "2026-03-10T23:59:00.000Z", "2026-06-01T00:01:00.000Z"]
        {
            choices.extend(["pass", "fail", "incomplete"].map(|v| Some((at, v))));
        }
        let tests = ["acceptance", "constancy", "daily"];
        let mut n = 0;
        for (i, acceptance) in choices.iter().enumerate() {
            for constancy in &choices {
                for daily in [choices[0], choices[1], choices[5], choices[9]] {
                    n += 1;
                    let site = if n % 2 == 0 { a.id } else { b.id };
                    let standard = if n % 17 == 0 { "" } else { "jesra-x0093" };
                    let key = format!("d{n:03}");
                    let room = format!("Room {}", i % 3);
                    let d = db.display_add(site, &key, &room, "", standard, "1a").await.unwrap();
                    let mut set = Vec::new();
                    for (test, last) in tests.iter().zip([acceptance, constancy, &daily]) {
                        if let Some((at, v)) = last {
                            set.push(format!(
                                "last_{test}_at = '{at}', last_{test}_overall = '{v}', \
                                 last_{test}_record = 'r{n}'"
                            ));
                        }
                    }
                    if !set.is_empty() {
                        // As a push would set them, without working the dates out.
                        let sql = format!("UPDATE displays SET {} WHERE id = {d}", set.join(", "));
                        db.execute_unchecked(&sql).await.unwrap();
                    }
                    if n % 23 == 0 {
                        db.display_update(d, "Store", "", standard, "1a", false).await.unwrap();
                    }
                }
            }
        }
        assert_eq!(db.refresh_statuses().await.unwrap(), n, "{name}");

        let displays = db.displays(None).await.unwrap();
        let settings = db.all_schedule_settings().await.unwrap();
        let intervals = |site: i64| SiteIntervals::new(settings.get(&site).map_or(&[][..], |s| s));
        let mut today = day("2026-02-01");
        let mut seen = BTreeMap::new();
        while today <= day("2026-11-15") {
            let full: Vec<_> = displays
                .iter()
                .filter(|d| d.active)
                .map(|d| (d, schedule::display_status(d, &intervals(d.site_id), today, jst)))
                .collect();
            let mut expected: BTreeMap<(i64, Status), i64> = BTreeMap::new();
            for (d, s) in &full {
                *expected.entry((d.site_id, s.status)).or_default() += 1;
                *seen.entry(s.status).or_insert(0) += 1;
            }
            let counted: BTreeMap<(i64, Status), i64> = db
                .status_counts(today)
                .await
                .unwrap()
                .into_iter()
                .map(|(site, s, n)| ((site, s), n))
                .collect();
            assert_eq!(counted, expected, "{name}: counts on {today}");

            let mut attention: Vec<_> = full
                .iter()
                .filter(|(_, s)| {
                    matches!(s.status, Status::Failed | Status::Overdue | Status::Incomplete)
                })
                .map(|(d, s)| (s.status, s.next_due, d.site_name.clone(), d.display_key.clone()))
                .collect();
            attention.sort();
            let listed: Vec<_> = db
                .needing_attention(today, 1000)
                .await
                .unwrap()
                .into_iter()
                .map(|(d, s, next)| (s, next, d.site_name, d.display_key))
                .collect();
            assert_eq!(listed, attention, "{name}: needs attention on {today}");
            assert_eq!(db.needing_attention(today, 5).await.unwrap().len(), attention.len().min(5));

            let mut due: Vec<i64> = full
                .iter()
                .filter(|(_, s)| {
                    s.tests.iter().any(|t| matches!(t.status, Status::Due | Status::Overdue))
                })
                .map(|(d, _)| d.id)
                .collect();
            let mut listed: Vec<i64> =
                db.displays_due(None, today).await.unwrap().iter().map(|d| d.id).collect();
            due.sort();
            listed.sort();
            assert_eq!(listed, due, "{name}: due list on {today}");
            today = today + chrono::Days::new(5);
        }
        // The days and displays above reach every status.
        assert_eq!(seen.len(), Status::ALL.len(), "{name}: {seen:?}");

        // A new interval for site A is applied to its displays at once.
        let on = day("2026-06-20");
        let before = db.status_counts(on).await.unwrap();
        db.schedule_set(a.id, "jesra-x0093", "daily", 1000, 0, "physicist").await.unwrap();
        let after = db.status_counts(on).await.unwrap();
        let overdue = |c: &[(i64, Status, i64)]| {
            c.iter()
                .filter(|(s, st, _)| *s == a.id && *st == Status::Overdue)
                .map(|c| c.2)
                .sum::<i64>()
        };
        assert!(overdue(&after) < overdue(&before), "{name}: {before:?} → {after:?}");
    })
    .await;
}

/// A database made before the stored status dates gains their columns
/// when opened, and the server's start works them out.
#[tokio::test]
async fn a_database_from_before_the_status_dates_is_brought_up_to_date() {
    for t in TestDb::all().await {
        let db = t.connect().await;
        let site = db.site_add("General Hospital").await.unwrap();
        let d = db.display_add(site.id, "old-1", "", "", "jesra-x0093", "1a").await.unwrap();
        for c in ["status_verdict", "overdue_after", "due_from", "next_due"] {
            db.execute_unchecked(&format!("ALTER TABLE displays DROP COLUMN {c}")).await.unwrap();
        }
        db.close().await;
        let db = t.connect().await;
        let today = day("2026-06-01");
        // Not worked out yet: counted as compliant, which refresh corrects
        // (never accepted: incomplete).
        assert_eq!(db.status_counts(today).await.unwrap(), [(site.id, Status::Compliant, 1)]);
        assert_eq!(db.refresh_statuses().await.unwrap(), 1);
        assert_eq!(db.status_counts(today).await.unwrap(), [(site.id, Status::Incomplete, 1)]);
        assert_eq!(db.display(d).await.unwrap().unwrap().display_key, "old-1");
        t.drop_db(db).await;
    }
}
