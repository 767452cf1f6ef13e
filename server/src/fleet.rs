//! Simulated fleets: real records made by the library's simulated bench on
//! simulated workstations, pushed through the same checks as any push. The
//! demo seeds a small one; the load command a large one.

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::adapter::{self, SimulatedTest, TestKind};
use crate::db::{Db, DisplayHint, Role};
use crate::ingest::{Ingest, IngestError, PushedFacility};
use crate::outbox;

/// One simulated display and its history.
#[derive(Clone, Debug)]
pub struct DisplayPlan {
    /// Display id.
    pub id: String,
    /// Standard id.
    pub standard: String,
    /// Grade id.
    pub grade: String,
    /// Maker, model, serial.
    pub description: String,
    /// The panel's L'max when new, cd/m².
    pub lmax_new_cd_m2: f64,
    /// Relative L'max loss per year (backlight ageing).
    pub ageing_per_year: f64,
    /// Acceptance test day.
    pub acceptance: NaiveDate,
    /// Constancy tests every so many days after acceptance…
    pub constancy_every_days: i64,
    /// …up to this day.
    pub constancy_until: NaiveDate,
    /// Daily checks on these days.
    pub daily: Vec<NaiveDate>,
    /// From this day the panel loses its calibration (Kδ fails).
    pub decalibrated_from: Option<NaiveDate>,
    /// The daily check on this day finds a fault.
    pub daily_fails_on: Option<NaiveDate>,
    /// Noise seed.
    pub seed: u64,
}

impl DisplayPlan {
    /// Its tests, oldest first.
    pub fn tests(&self) -> Vec<SimulatedTest> {
        let at = |d: NaiveDate, hour: u32, minute: u32| -> DateTime<Utc> {
            d.and_hms_opt(hour, minute, 0).expect("valid time").and_utc()
        };
        let mut out = Vec::new();
        let make = |test: TestKind, when: DateTime<Utc>, n: u64| {
            let years = (when - at(self.acceptance, 0, 0)).num_days().max(0) as f64 / 365.25;
            let day = when.date_naive();
            SimulatedTest {
                display_id: self.id.clone(),
                description: self.description.clone(),
                standard: self.standard.clone(),
                grade: self.grade.clone(),
                test,
                started: when,
                operator: if test == TestKind::Daily { "technologist" } else { "physicist" }.into(),
                lmax_cd_m2: self.lmax_new_cd_m2 * (1.0 - self.ageing_per_year * years),
                lmin_cd_m2: 0.55,
                uncalibrated: self.decalibrated_from.is_some_and(|d| day >= d),
                visual_pass: self.daily_fails_on != Some(day),
                seed: self.seed.wrapping_mul(1000).wrapping_add(n),
            }
        };
        out.push(make(TestKind::Acceptance, at(self.acceptance, 1, 30), 0));
        let mut n = 1;
        let mut day = self.acceptance + chrono::Days::new(self.constancy_every_days.max(1) as u64);
        while day <= self.constancy_until {
            out.push(make(TestKind::Constancy, at(day, 2, 0), n));
            n += 1;
            day = day + chrono::Days::new(self.constancy_every_days.max(1) as u64);
        }
        for d in &self.daily {
            if *d > self.acceptance {
                out.push(make(TestKind::Daily, at(*d, 0, 5), n));
                n += 1;
            }
        }
        out.sort_by_key(|t| t.started);
        out
    }
}

/// Run every test of `displays` on one simulated workstation whose data
/// directory is `dir`, in time order (so constancy tests find their
/// baseline). Returns each test with its record id.
pub fn simulate_workstation(
    dir: &Path,
    displays: &[DisplayPlan],
) -> Result<Vec<(SimulatedTest, String)>, adapter::AdapterError> {
    let mut tests: Vec<SimulatedTest> = displays.iter().flat_map(DisplayPlan::tests).collect();
    tests.sort_by_key(|t| t.started);
    tests.into_iter().map(|t| adapter::simulate(dir, &t).map(|id| (t, id))).collect()
}

/// Push workstation directory `dir` in-process, as `monqc push` would over
/// HTTP: same requests, same checks.
pub async fn push_dir(
    ingest: &Ingest,
    account_name: &str,
    dir: &Path,
    hints: &[DisplayHint],
    facility: Option<PushedFacility>,
) -> Result<usize, IngestError> {
    let db = ingest.db();
    let account = db
        .account_by_name(account_name)
        .await?
        .ok_or_else(|| IngestError::Internal(format!("no account {account_name}")))?;
    let state = ingest.state(&account).await?;
    let amended = outbox::amended_records(dir).map_err(|e| IngestError::Internal(e.to_string()))?;
    let counts = ingest.amendment_counts(&account, &amended).await?;
    let requests = outbox::plan(dir, &state, &counts, 200)
        .map_err(|e| IngestError::Internal(e.to_string()))?;
    let mut stored = 0;
    for mut r in requests {
        r.displays = hints.to_vec();
        r.facility = facility.clone();
        stored += ingest.push(&account, r).await?.stored.len();
    }
    Ok(stored)
}

/// Make a workstation account with a token; returns the token.
pub async fn workstation(db: &Db, site: &str, name: &str) -> Result<String, crate::db::DbError> {
    let site = db.site_add(site).await?;
    let id = match db.account_by_name(name).await? {
        Some(a) => a.id,
        None => db.account_add(name, Role::Workstation, Some(site.id), None).await?,
    };
    let token = crate::auth::new_token();
    db.token_add(id, &crate::auth::token_hash(&token)).await?;
    Ok(token)
}

/// What the demo made.
#[derive(Clone, Debug)]
pub struct DemoFleet {
    /// Displays.
    pub displays: usize,
    /// Records stored.
    pub records: usize,
    /// A workstation token for trying `monqc push` against the demo.
    pub push_token: String,
}

struct DemoWorkstation {
    site: &'static str,
    name: &'static str,
    room: &'static str,
    displays: Vec<DisplayPlan>,
}

/// Seed the demo fleet: two sites, rooms with displays in every state
/// (compliant, due, overdue, failed, incomplete), two years of history
/// ending `today`, one amended record; accounts `physicist` and `inspector`
/// with `password`.
pub async fn seed_demo(
    ingest: &Ingest,
    today: NaiveDate,
    password: &str,
) -> Result<DemoFleet, IngestError> {
    let db = ingest.db();
    let days = |n: u64| today - chrono::Days::new(n);
    let dailies = |from: u64, to: u64| (to..=from).rev().map(days).collect::<Vec<_>>();
    let plan = |id: &str, grade: &str, model: &str, seed: u64| DisplayPlan {
        id: id.into(),
        standard: "jesra-x0093".into(),
        grade: grade.into(),
        description: format!("EIZO {model} #{:05}", 24_000 + seed),
        lmax_new_cd_m2: if grade == "2" { 250.0 } else { 420.0 },
        ageing_per_year: 0.03,
        acceptance: days(700),
        constancy_every_days: 182,
        constancy_until: today,
        daily: dailies(9, 0),
        decalibrated_from: None,
        daily_fails_on: None,
        seed,
    };
    let central = "中央病院 Central Hospital";
    let east = "東クリニック East Clinic";
    let workstations = vec![
        DemoWorkstation {
            site: central,
            name: "central-rr1",
            room: "読影室1 Reading room 1",
            displays: vec![
                plan("rr1-left", "1a", "RadiForce RX660", 1),
                // Loses its calibration before its last constancy test.
                DisplayPlan {
                    decalibrated_from: Some(days(200)),
                    ..plan("rr1-right", "1a", "RadiForce RX660", 2)
                },
            ],
        },
        DemoWorkstation {
            site: central,
            name: "central-rr2",
            room: "読影室2 Reading room 2",
            displays: vec![
                DisplayPlan {
                    constancy_until: days(190),
                    daily: dailies(9, 1),
                    ..plan("rr2-left", "1b", "RadiForce RX370", 3)
                },
                DisplayPlan {
                    daily: dailies(12, 5),
                    ..plan("rr2-right", "1a", "RadiForce RX660", 4)
                },
            ],
        },
        DemoWorkstation {
            site: central,
            name: "central-ct",
            room: "CT操作室 CT console",
            displays: vec![DisplayPlan {
                daily: dailies(9, 1),
                ..plan("ct-console", "2", "RadiForce MX243W", 5)
            }],
        },
        DemoWorkstation {
            site: east,
            name: "east-1",
            room: "診察室 Consulting room",
            displays: vec![
                plan("exam-1", "2", "RadiForce MX243W", 6),
                DisplayPlan {
                    daily_fails_on: Some(today),
                    ..plan("exam-2", "1b", "RadiForce RX370", 7)
                },
            ],
        },
    ];
    let mut records = 0;
    let mut displays = 0;
    for w in workstations {
        let dir = tempfile::tempdir().map_err(|e| IngestError::Internal(e.to_string()))?;
        let path = dir.path().to_path_buf();
        let plans = w.displays.clone();
        let made = ingest
            .blocking(move |_| simulate_workstation(&path, &plans))
            .await?
            .map_err(|e| IngestError::Internal(e.to_string()))?;
        if let Some((_, last_constancy)) = made
            .iter()
            .rev()
            .find(|(t, _)| t.display_id == "rr1-left" && t.test == TestKind::Constancy)
        {
            // A correction made after finalisation, as `monqc amend` makes it.
            adapter::amend(
                dir.path(),
                last_constancy,
                "physicist",
                Utc::now() - Duration::days(1),
                "operator",
                "山田 花子 (Hanako Yamada)",
                "the operator's name was entered as the shared login",
            )
            .map_err(|e| IngestError::Internal(e.to_string()))?;
        }
        workstation(db, w.site, w.name).await?;
        let hints: Vec<DisplayHint> = w
            .displays
            .iter()
            .map(|d| DisplayHint {
                id: d.id.clone(),
                location: w.room.into(),
                ..Default::default()
            })
            .collect();
        let facility =
            PushedFacility { name: w.site.into(), department: "放射線科 Radiology".into() };
        records += push_dir(ingest, w.name, dir.path(), &hints, Some(facility)).await?;
        displays += w.displays.len();
    }
    // A display installed but not yet accepted.
    let site = db.site_add(central).await?;
    if db
        .display_add(
            site.id,
            "rr1-new",
            "読影室1 Reading room 1",
            "EIZO RadiForce RX1270 (new)",
            "jesra-x0093",
            "1a",
        )
        .await
        .is_ok()
    {
        displays += 1;
    }
    for (name, role) in [("physicist", Role::Physicist), ("inspector", Role::Inspector)] {
        let hash = crate::auth::hash_password(password);
        match db.account_by_name(name).await? {
            Some(a) => db.account_set_password(a.id, &hash).await?,
            None => {
                db.account_add(name, role, None, Some(&hash)).await?;
            }
        }
    }
    let push_token = workstation(db, central, "your-workstation").await?;
    Ok(DemoFleet { displays, records, push_token })
}
