//! Storage: PostgreSQL, or an embedded SQLite file, behind one interface.
//!
//! Both backends run the same SQL (sqlx binds `$1`-style parameters on both;
//! timestamps are RFC 3339 text in UTC with milliseconds, so they compare as
//! text on both). Only the table definitions differ, in [`schema`]. Records,
//! index lines, amendment lines and the audit log are append-only: triggers
//! refuse any UPDATE or DELETE of them, so not even a bug in this server can
//! change what a workstation sent.
//!
//! SQLite allows one writer at a time: writes go through a one-connection
//! pool (they queue instead of failing with "database is locked"), reads
//! through a second pool, in WAL mode so readers never wait for the writer.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::time::Duration;

use chrono::{FixedOffset, NaiveDate};
use sqlx::postgres::{PgPoolOptions, Postgres};
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Pool, Row};

use crate::schedule::{SiteIntervals, Status, StatusDates};

/// Why the database refused.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The driver's error.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// A unique key was already taken (a concurrent push of the same lines).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A row the operation needs does not exist.
    #[error("{0}")]
    Missing(String),
    /// The URL names no backend we have.
    #[error(
        "database `{0}`: give postgres://USER@HOST/DB for PostgreSQL, or sqlite:PATH (or a \
         file path) for the embedded store"
    )]
    Url(String),
}

type Result<T> = std::result::Result<T, DbError>;

/// Which backend a [`Db`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// The embedded SQLite file.
    Sqlite,
}

#[derive(Clone, Debug)]
enum Pools {
    Pg(Pool<Postgres>),
    Lite { read: Pool<Sqlite>, write: Pool<Sqlite> },
}

/// The database.
#[derive(Clone, Debug)]
pub struct Db {
    pools: Pools,
    /// The local time of the site's clocks: due dates are local dates.
    utc_offset: FixedOffset,
}

/// Run `$body` with `$p` bound to the read pool of whichever backend.
macro_rules! read {
    ($db:expr, $p:ident => $body:expr) => {
        match &$db.pools {
            Pools::Pg($p) => $body,
            Pools::Lite { read: $p, .. } => $body,
        }
    };
}

/// Run `$body` in a write transaction (`$tx`), committed when it returns Ok.
macro_rules! write_tx {
    ($db:expr, $tx:ident => $body:expr) => {
        match &$db.pools {
            Pools::Pg(p) => {
                let mut $tx = p.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            Pools::Lite { write, .. } => {
                let mut $tx = write.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// Inside write transaction `$tx`, work out again the stored status dates
/// ([`StatusDates`]) of the displays of site `$site` (every site when
/// `None`), only those in `$ids` when given, and write those that changed.
/// On PostgreSQL the rows are locked first, so that concurrent pushes for a
/// display cannot leave it with dates from older latest tests.
macro_rules! refresh_status {
    ($db:expr, $tx:ident, $site:expr, $ids:expr) => {{
        let site: Option<i64> = $site;
        let ids: Option<&[i64]> = $ids;
        let only = match ids {
            Some(ids) => format!(
                " AND d.id IN ({})",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            ),
            None => String::new(),
        };
        let lock = if $db.backend() == Backend::Postgres { " FOR UPDATE OF d" } else { "" };
        let sql = format!(
            "SELECT {DISPLAY_STATUS_COLUMNS}, {STORED_STATUS_COLUMNS} FROM displays d \
             JOIN sites s ON s.id = d.site_id WHERE ($1 IS NULL OR d.site_id = $1){only} \
             ORDER BY d.id{lock}"
        );
        let rows = if ids.is_some_and(|i| i.is_empty()) {
            Vec::new()
        } else {
            sqlx::query(&sql).bind(site).fetch_all(&mut *$tx).await?
        };
        if !rows.is_empty() {
            let mut settings: BTreeMap<i64, Vec<ScheduleSetting>> = BTreeMap::new();
            let sql =
                format!("{SETTINGS_SQL_ALL} WHERE ($1 IS NULL OR site_id = $1) {SETTINGS_ORDER}");
            for r in sqlx::query(&sql).bind(site).fetch_all(&mut *$tx).await? {
                let (site, setting) = setting_row(&r)?;
                settings.entry(site).or_default().push(setting);
            }
            let intervals: BTreeMap<i64, SiteIntervals> =
                settings.iter().map(|(id, s)| (*id, SiteIntervals::new(s))).collect();
            let fallback = SiteIntervals::new(&[]);
            for r in &rows {
                let d = display_row(r)?;
                let stored = stored_status_dates(r, DISPLAY_STATUS_COLUMN_COUNT)?;
                let i = intervals.get(&d.site_id).unwrap_or(&fallback);
                let now = StatusDates::of(&d, i, $db.utc_offset);
                if stored.as_ref() != Some(&now) {
                    sqlx::query(
                        "UPDATE displays SET status_verdict = $1, overdue_after = $2, \
                         due_from = $3, next_due = $4 WHERE id = $5",
                    )
                    .bind(now.verdict_status.map(Status::id))
                    .bind(now.overdue_after.map(|d| d.to_string()))
                    .bind(now.due_from.map(|d| d.to_string()))
                    .bind(now.next_due.map(|d| d.to_string()))
                    .bind(d.id)
                    .execute(&mut *$tx)
                    .await?;
                }
            }
        }
    }};
}

/// Now, as stored: RFC 3339 UTC with milliseconds.
pub fn now() -> String {
    stamp(chrono::Utc::now())
}

/// A time as stored.
pub fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Normalise an RFC 3339 time to the stored form (UTC, milliseconds).
pub fn normalise_time(s: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| stamp(t.with_timezone(&chrono::Utc)))
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A site (hospital, campus) whose displays the server follows.
#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// Who may do what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A workstation: may only push records.
    Workstation,
    /// A medical physicist: reads everything, manages displays and schedules.
    Physicist,
    /// An inspector: reads and downloads.
    Inspector,
}

impl Role {
    /// The stored word.
    pub fn id(self) -> &'static str {
        match self {
            Self::Workstation => "workstation",
            Self::Physicist => "physicist",
            Self::Inspector => "inspector",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "workstation" => Ok(Self::Workstation),
            "physicist" => Ok(Self::Physicist),
            "inspector" => Ok(Self::Inspector),
            _ => Err(format!("unknown role `{s}`: use workstation, physicist or inspector")),
        }
    }
}

/// An account.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// Login name (or the workstation's name).
    pub name: String,
    /// Role.
    pub role: Role,
    /// The site a workstation pushes for.
    pub site_id: Option<i64>,
    /// argon2 PHC string (people only).
    pub password_hash: Option<String>,
    /// The facility named in the workstation's site configuration.
    pub facility_name: String,
    /// Its department.
    pub facility_department: String,
}

/// The latest record of one test type on a display.
#[derive(Clone, Debug, PartialEq)]
pub struct LastTest {
    /// When the test was done.
    pub at: String,
    /// Its verdict (`pass`, `fail`, `incomplete`).
    pub overall: String,
    /// The record.
    pub record: String,
}

/// A display as the dashboard lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct DisplayRow {
    /// Row id.
    pub id: i64,
    /// Site.
    pub site_id: i64,
    /// Site name.
    pub site_name: String,
    /// The display's id on its workstation.
    pub display_key: String,
    /// Room.
    pub room: String,
    /// Description (maker, model, serial).
    pub description: String,
    /// Standard id.
    pub standard: String,
    /// Grade id.
    pub grade: String,
    /// Still in service.
    pub active: bool,
    /// When the server first heard of it.
    pub created_at: String,
    /// Latest acceptance, constancy and daily record.
    pub last: [Option<LastTest>; 3],
}

/// A record as lists show it (its bytes are fetched separately).
#[derive(Clone, Debug, PartialEq)]
pub struct RecordRow {
    /// Content hash.
    pub id: String,
    /// Display row id.
    pub display_ref: i64,
    /// The display's id on its workstation.
    pub display_key: String,
    /// Site id.
    pub site_id: i64,
    /// Site name.
    pub site_name: String,
    /// Room.
    pub room: String,
    /// Test.
    pub test: String,
    /// Verdict.
    pub overall: String,
    /// When the test was done.
    pub performed_at: String,
    /// When finalised.
    pub finalised_at: String,
    /// Operator.
    pub operator: String,
    /// Standard id.
    pub standard: String,
    /// Grade id.
    pub grade: String,
    /// Baseline record.
    pub baseline: Option<String>,
    /// L'max, cd/m².
    pub lmax_cd_m2: Option<f64>,
    /// r'.
    pub luminance_ratio: Option<f64>,
    /// Kδ, %.
    pub kdelta_percent: Option<f64>,
    /// Uniformity, %.
    pub uniformity_percent: Option<f64>,
    /// The L'max, r' and Kδ limits (JSON).
    pub limits: String,
    /// Size of the record file, bytes.
    pub size_bytes: i64,
    /// The workstation that pushed it first.
    pub account_id: i64,
    /// When the server stored it.
    pub received_at: String,
}

/// A record to store, with what the server files it under.
#[derive(Clone, Debug)]
pub struct NewRecord {
    /// Content hash.
    pub id: String,
    /// The exact bytes.
    pub bytes: Vec<u8>,
    /// The display's id on its workstation.
    pub display_key: String,
    /// The display's description.
    pub description: String,
    /// Test.
    pub test: String,
    /// Verdict.
    pub overall: String,
    /// When the test was done (stored form).
    pub performed_at: String,
    /// When finalised (stored form).
    pub finalised_at: String,
    /// Operator.
    pub operator: String,
    /// Standard id.
    pub standard: String,
    /// Grade id.
    pub grade: String,
    /// Baseline record.
    pub baseline: Option<String>,
    /// L'max.
    pub lmax_cd_m2: Option<f64>,
    /// r'.
    pub luminance_ratio: Option<f64>,
    /// Kδ.
    pub kdelta_percent: Option<f64>,
    /// Uniformity.
    pub uniformity_percent: Option<f64>,
    /// Limits JSON.
    pub limits: String,
}

/// What a workstation's client says about one of its displays (used only
/// when the server first hears of the display; the physicist edits after).
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct DisplayHint {
    /// The display's id.
    pub id: String,
    /// Location (becomes the room).
    #[serde(default)]
    pub location: String,
    /// Maker.
    #[serde(default)]
    pub maker: String,
    /// Model.
    #[serde(default)]
    pub model: String,
    /// Serial.
    #[serde(default)]
    pub serial: String,
}

/// Everything one accepted push stores, in one transaction.
#[derive(Clone, Debug, Default)]
pub struct PushWrite {
    /// The workstation.
    pub account_id: i64,
    /// Its site.
    pub site_id: i64,
    /// New index lines: (seq, hash, record, text).
    pub index_lines: Vec<(i64, String, Option<String>, String)>,
    /// New records (verified).
    pub records: Vec<NewRecord>,
    /// New amendment lines: (record, seq, hash, text).
    pub amendment_lines: Vec<(String, i64, String, String)>,
    /// Display hints from the workstation's site configuration.
    pub hints: Vec<DisplayHint>,
    /// The workstation's facility (name, department), when sent.
    pub facility: Option<(String, String)>,
    /// Audit detail.
    pub audit_detail: String,
}

/// What a push stored.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PushStored {
    /// Records stored now.
    pub stored: Vec<String>,
    /// Records that were already held.
    pub held: Vec<String>,
}

/// A site's interval for one standard and test.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleSetting {
    /// Standard id.
    pub standard: String,
    /// Test.
    pub test: String,
    /// Interval, days.
    pub interval_days: i64,
    /// How long before the due date a test shows as due, days.
    pub due_soon_days: i64,
    /// Who set it.
    pub updated_by: String,
    /// When.
    pub updated_at: String,
}

/// One audit log entry.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// Sequence.
    pub id: i64,
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What kind of action.
    pub action: String,
    /// What it was done to.
    pub subject: String,
    /// Detail.
    pub detail: String,
}

mod schema {
    /// Tables, in a template: `{ID}`, `{BLOB}`, `{REAL}`, `{BOOL}` differ by backend.
    pub const TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS sites (
    id {ID},
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id {ID},
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('workstation', 'physicist', 'inspector')),
    site_id BIGINT REFERENCES sites(id),
    password_hash TEXT,
    facility_name TEXT NOT NULL DEFAULT '',
    facility_department TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    token_sha256 TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS web_sessions (
    token_sha256 TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS displays (
    id {ID},
    site_id BIGINT NOT NULL REFERENCES sites(id),
    display_key TEXT NOT NULL,
    room TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    standard TEXT NOT NULL DEFAULT '',
    grade TEXT NOT NULL DEFAULT '',
    active {BOOL} NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    last_acceptance_at TEXT, last_acceptance_overall TEXT, last_acceptance_record TEXT,
    last_constancy_at TEXT, last_constancy_overall TEXT, last_constancy_record TEXT,
    last_daily_at TEXT, last_daily_overall TEXT, last_daily_record TEXT,
    status_verdict TEXT, overdue_after TEXT, due_from TEXT, next_due TEXT,
    UNIQUE (site_id, display_key)
);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    bytes {BLOB} NOT NULL,
    display_ref BIGINT NOT NULL REFERENCES displays(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    test TEXT NOT NULL,
    overall TEXT NOT NULL,
    performed_at TEXT NOT NULL,
    finalised_at TEXT NOT NULL,
    operator TEXT NOT NULL,
    standard TEXT NOT NULL,
    grade TEXT NOT NULL,
    baseline TEXT,
    lmax_cd_m2 {REAL},
    luminance_ratio {REAL},
    kdelta_percent {REAL},
    uniformity_percent {REAL},
    limits TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_display ON records (display_ref, performed_at);
CREATE INDEX IF NOT EXISTS records_by_time ON records (performed_at);
CREATE TABLE IF NOT EXISTS index_lines (
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    record TEXT,
    line TEXT NOT NULL,
    PRIMARY KEY (account_id, seq)
);
CREATE INDEX IF NOT EXISTS index_lines_by_record ON index_lines (record);
CREATE TABLE IF NOT EXISTS amendment_lines (
    record TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    line TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (record, seq)
);
CREATE TABLE IF NOT EXISTS schedule_settings (
    site_id BIGINT NOT NULL REFERENCES sites(id),
    standard TEXT NOT NULL,
    test TEXT NOT NULL,
    interval_days BIGINT NOT NULL,
    due_soon_days BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (site_id, standard, test)
);
CREATE TABLE IF NOT EXISTS audit_log (
    id {ID},
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
"#;

    /// The display columns that store its [`super::StatusDates`] (added to
    /// databases made before them).
    pub const STATUS_DATE_COLUMNS: [&str; 4] =
        ["status_verdict", "overdue_after", "due_from", "next_due"];

    /// The tables no statement may change or shorten.
    pub const APPEND_ONLY: [&str; 4] = ["records", "index_lines", "amendment_lines", "audit_log"];

    pub fn postgres() -> String {
        let mut s = TABLES
            .replace("{ID}", "BIGSERIAL PRIMARY KEY")
            .replace("{BLOB}", "BYTEA")
            .replace("{REAL}", "DOUBLE PRECISION")
            .replace("{BOOL}", "BOOLEAN");
        // Every stored record updates its display's latest-test columns:
        // free room in each page lets PostgreSQL update in place (HOT).
        s.push_str("ALTER TABLE displays SET (fillfactor = 70);\n");
        // Databases made before the stored status dates.
        for c in STATUS_DATE_COLUMNS {
            s.push_str(&format!("ALTER TABLE displays ADD COLUMN IF NOT EXISTS {c} TEXT;\n"));
        }
        s.push_str(
            "CREATE OR REPLACE FUNCTION monqc_append_only() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION '% is append-only: rows are never changed or removed', \
             TG_TABLE_NAME; END $$;\n",
        );
        for t in APPEND_ONLY {
            s.push_str(&format!(
                "CREATE OR REPLACE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} \
                 FOR EACH ROW EXECUTE FUNCTION monqc_append_only();\n\
                 CREATE OR REPLACE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} \
                 FOR EACH STATEMENT EXECUTE FUNCTION monqc_append_only();\n"
            ));
        }
        s
    }

    pub fn sqlite() -> String {
        let mut s = TABLES
            .replace("{ID}", "INTEGER PRIMARY KEY AUTOINCREMENT")
            .replace("{BLOB}", "BLOB")
            .replace("{REAL}", "REAL")
            .replace("{BOOL}", "BOOLEAN");
        for t in APPEND_ONLY {
            for op in ["UPDATE", "DELETE"] {
                s.push_str(&format!(
                    "CREATE TRIGGER IF NOT EXISTS {t}_no_{op} BEFORE {op} ON {t} BEGIN \
                     SELECT RAISE(ABORT, '{t} is append-only: rows are never changed or \
                     removed'); END;\n",
                    op = op.to_lowercase()
                ));
            }
        }
        s
    }
}

const DISPLAY_COLUMNS: &str = "d.id, d.site_id, s.name, d.display_key, d.room, d.description, \
     d.standard, d.grade, d.active, d.created_at, \
     d.last_acceptance_at, d.last_acceptance_overall, d.last_acceptance_record, \
     d.last_constancy_at, d.last_constancy_overall, d.last_constancy_record, \
     d.last_daily_at, d.last_daily_overall, d.last_daily_record";

const DISPLAY_STATUS_COLUMNS: &str = "d.id, d.site_id, s.name, d.display_key, d.room, '', \
     d.standard, d.grade, d.active, d.created_at, \
     d.last_acceptance_at, d.last_acceptance_overall, '', \
     d.last_constancy_at, d.last_constancy_overall, '', \
     d.last_daily_at, d.last_daily_overall, ''";

const RECORD_COLUMNS: &str = "r.id, r.display_ref, d.display_key, d.site_id, s.name, d.room, \
     r.test, r.overall, r.performed_at, r.finalised_at, r.operator, r.standard, r.grade, \
     r.baseline, r.lmax_cd_m2, r.luminance_ratio, r.kdelta_percent, r.uniformity_percent, \
     r.limits, r.size_bytes, r.account_id, r.received_at";

/// How many columns [`DISPLAY_STATUS_COLUMNS`] (and [`DISPLAY_COLUMNS`]) have:
/// where the columns a query adds after them start.
const DISPLAY_STATUS_COLUMN_COUNT: usize = column_count(DISPLAY_STATUS_COLUMNS);
const _: () = assert!(column_count(DISPLAY_COLUMNS) == DISPLAY_STATUS_COLUMN_COUNT);

/// The number of columns in a select list without commas inside a column.
const fn column_count(list: &str) -> usize {
    let bytes = list.as_bytes();
    let (mut i, mut n) = (0, 1);
    while i < bytes.len() {
        if bytes[i] == b',' {
            n += 1;
        }
        i += 1;
    }
    n
}

/// A display's stored [`StatusDates`], after its other columns.
const STORED_STATUS_COLUMNS: &str = "d.status_verdict, d.overdue_after, d.due_from, d.next_due";

/// [`StatusDates::status_on`] in SQL, `$1` being today's local date
/// (`YYYY-MM-DD`, which compares as text): 0 failed, 1 overdue,
/// 2 incomplete, 3 due, 4 compliant, the order of [`Status::ALL`]. A store
/// test checks it against the Rust on both backends.
const STATUS_SQL: &str = "CAST(CASE WHEN d.status_verdict = 'failed' THEN 0 \
     WHEN d.overdue_after < $1 THEN 1 WHEN d.status_verdict = 'incomplete' THEN 2 \
     WHEN d.due_from <= $1 THEN 3 ELSE 4 END AS BIGINT)";

/// Schedule settings, for [`setting_row`]: [`SETTINGS_SQL_ALL`], a
/// condition, then [`SETTINGS_ORDER`].
const SETTINGS_SQL_ALL: &str = "SELECT site_id, standard, test, interval_days, due_soon_days, \
     updated_by, updated_at FROM schedule_settings";
const SETTINGS_ORDER: &str = "ORDER BY site_id, standard, test";

fn setting_row<R: Row>(r: &R) -> std::result::Result<(i64, ScheduleSetting), sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok((
        r.try_get(0)?,
        ScheduleSetting {
            standard: r.try_get(1)?,
            test: r.try_get(2)?,
            interval_days: r.try_get(3)?,
            due_soon_days: r.try_get(4)?,
            updated_by: r.try_get(5)?,
            updated_at: r.try_get(6)?,
        },
    ))
}

/// The [`StatusDates`] stored in columns `from..from + 4`; `None` when not
/// worked out yet (or unreadable), so that they are worked out again.
fn stored_status_dates<R: Row>(
    r: &R,
    from: usize,
) -> std::result::Result<Option<StatusDates>, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let text = |i: usize| r.try_get::<Option<String>, _>(from + i);
    let date = |i: usize| -> std::result::Result<Option<Option<NaiveDate>>, sqlx::Error> {
        Ok(match text(i)? {
            None => Some(None),
            Some(t) => t.parse().ok().map(Some),
        })
    };
    let verdict_status = match text(0)?.as_deref() {
        None => None,
        Some(v) => match Status::ALL.into_iter().find(|s| s.id() == v) {
            Some(s) => Some(s),
            None => return Ok(None),
        },
    };
    let (Some(overdue_after), Some(due_from), Some(next_due)) = (date(1)?, date(2)?, date(3)?)
    else {
        return Ok(None);
    };
    // A display with no stored dates at all was never worked out.
    if verdict_status.is_none() && next_due.is_none() && due_from.is_none() {
        return Ok(None);
    }
    Ok(Some(StatusDates { verdict_status, overdue_after, due_from, next_due }))
}

fn display_row<R: Row>(r: &R) -> std::result::Result<DisplayRow, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> bool: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let last = |i: usize| -> std::result::Result<Option<LastTest>, sqlx::Error> {
        let at: Option<String> = r.try_get(i)?;
        Ok(match at {
            Some(at) => Some(LastTest {
                at,
                overall: r.try_get::<Option<String>, _>(i + 1)?.unwrap_or_default(),
                record: r.try_get::<Option<String>, _>(i + 2)?.unwrap_or_default(),
            }),
            None => None,
        })
    };
    Ok(DisplayRow {
        id: r.try_get(0)?,
        site_id: r.try_get(1)?,
        site_name: r.try_get(2)?,
        display_key: r.try_get(3)?,
        room: r.try_get(4)?,
        description: r.try_get(5)?,
        standard: r.try_get(6)?,
        grade: r.try_get(7)?,
        active: r.try_get(8)?,
        created_at: r.try_get(9)?,
        last: [last(10)?, last(13)?, last(16)?],
    })
}

fn record_row<R: Row>(r: &R) -> Result<RecordRow>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> f64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(RecordRow {
        id: r.try_get(0)?,
        display_ref: r.try_get(1)?,
        display_key: r.try_get(2)?,
        site_id: r.try_get(3)?,
        site_name: r.try_get(4)?,
        room: r.try_get(5)?,
        test: r.try_get(6)?,
        overall: r.try_get(7)?,
        performed_at: r.try_get(8)?,
        finalised_at: r.try_get(9)?,
        operator: r.try_get(10)?,
        standard: r.try_get(11)?,
        grade: r.try_get(12)?,
        baseline: r.try_get(13)?,
        lmax_cd_m2: r.try_get(14)?,
        luminance_ratio: r.try_get(15)?,
        kdelta_percent: r.try_get(16)?,
        uniformity_percent: r.try_get(17)?,
        limits: r.try_get(18)?,
        size_bytes: r.try_get(19)?,
        account_id: r.try_get(20)?,
        received_at: r.try_get(21)?,
    })
}

fn account_row<R: Row>(r: &R) -> Result<Account>
where
    usize: sqlx::ColumnIndex<R>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let role: String = r.try_get(2)?;
    Ok(Account {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        role: role.parse().map_err(DbError::Missing)?,
        site_id: r.try_get(3)?,
        password_hash: r.try_get(4)?,
        facility_name: r.try_get(5)?,
        facility_department: r.try_get(6)?,
    })
}

const ACCOUNT_COLUMNS: &str = "a.id, a.name, a.role, a.site_id, a.password_hash, \
     a.facility_name, a.facility_department";

impl Db {
    /// Connect to `url` (`postgres://…`, `sqlite:PATH` or a file path) and
    /// create the tables when missing.
    pub async fn connect(url: &str) -> Result<Self> {
        let pools = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?;
            Pools::Pg(pool)
        } else {
            let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"));
            let path = path.unwrap_or(url);
            if path.is_empty() || path.contains("://") {
                return Err(DbError::Url(url.into()));
            }
            let options = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // A stored record is acknowledged to the workstation: FULL
                // syncs each commit, so an acknowledged record survives a
                // power cut.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(120))
                .connect_with(options.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options.read_only(false))
                .await?;
            Pools::Lite { read, write }
        };
        let db = Self { pools, utc_offset: *chrono::Local::now().offset() };
        db.create_schema().await?;
        Ok(db)
    }

    /// The same database, working out due dates in local time `offset`
    /// (this machine's offset unless set). Every server sharing a database
    /// must use the same offset; [`Db::refresh_statuses`] applies it to the
    /// displays already stored.
    pub fn with_utc_offset(mut self, offset: FixedOffset) -> Self {
        self.utc_offset = offset;
        self
    }

    /// The offset due dates are worked out in.
    pub fn utc_offset(&self) -> FixedOffset {
        self.utc_offset
    }

    /// Work out again every display's stored status dates and write those
    /// that changed: at server start, so that a new server version, changed
    /// default intervals or another UTC offset apply at once. Returns how
    /// many displays it looked at.
    pub async fn refresh_statuses(&self) -> Result<usize> {
        let n: i64 = read!(self, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM displays").fetch_one(p).await?
        });
        write_tx!(self, tx => { refresh_status!(self, tx, None, None) });
        Ok(n as usize)
    }

    async fn create_schema(&self) -> Result<()> {
        match &self.pools {
            Pools::Pg(p) => {
                // Two servers starting at once must not race creating tables.
                let mut tx = p.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(727274)").execute(&mut *tx).await?;
                sqlx::raw_sql(&schema::postgres()).execute(&mut *tx).await?;
                tx.commit().await?;
            }
            Pools::Lite { write, .. } => {
                sqlx::raw_sql(&schema::sqlite()).execute(write).await?;
                // Databases made before the stored status dates (SQLite has
                // no ADD COLUMN IF NOT EXISTS).
                let have: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info('displays')")
                        .fetch_all(write)
                        .await?;
                for c in schema::STATUS_DATE_COLUMNS {
                    if !have.iter().any(|h| h == c) {
                        sqlx::query(&format!("ALTER TABLE displays ADD COLUMN {c} TEXT"))
                            .execute(write)
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Pg(_) => Backend::Postgres,
            Pools::Lite { .. } => Backend::Sqlite,
        }
    }

    /// Close every connection.
    pub async fn close(&self) {
        match &self.pools {
            Pools::Pg(p) => p.close().await,
            Pools::Lite { read, write } => {
                read.close().await;
                write.close().await;
            }
        }
    }

    // --- sites, accounts, tokens, sessions ------------------------------------

    /// Add a site (or return the existing one of that name).
    pub async fn site_add(&self, name: &str) -> Result<Site> {
        write_tx!(self, tx => {
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM sites WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
            let id = match known {
                Some(id) => id,
                None => {
                    sqlx::query_scalar("INSERT INTO sites (name, created_at) VALUES ($1, $2) RETURNING id")
                        .bind(name)
                        .bind(now())
                        .fetch_one(&mut *tx)
                        .await?
                }
            };
            Site { id, name: name.to_string() }
        })
        .pipe(Ok)
    }

    /// Every site, by name.
    pub async fn sites(&self) -> Result<Vec<Site>> {
        read!(self, p => {
            let rows = sqlx::query("SELECT id, name FROM sites ORDER BY name").fetch_all(p).await?;
            rows.iter().map(|r| Ok(Site { id: r.try_get(0)?, name: r.try_get(1)? })).collect()
        })
    }

    /// The site named `name`.
    pub async fn site_by_name(&self, name: &str) -> Result<Option<Site>> {
        read!(self, p => {
            let row = sqlx::query("SELECT id, name FROM sites WHERE name = $1")
                .bind(name)
                .fetch_optional(p)
                .await?;
            row.map(|r| Ok(Site { id: r.try_get(0)?, name: r.try_get(1)? })).transpose()
        })
    }

    /// Add an account; fails with [`DbError::Conflict`] when the name is taken.
    pub async fn account_add(
        &self,
        name: &str,
        role: Role,
        site_id: Option<i64>,
        password_hash: Option<&str>,
    ) -> Result<i64> {
        let r: std::result::Result<i64, sqlx::Error> = async {
            Ok(write_tx!(self, tx => {
                sqlx::query_scalar(
                    "INSERT INTO accounts (name, role, site_id, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(name)
                .bind(role.id())
                .bind(site_id)
                .bind(password_hash)
                .bind(now())
                .fetch_one(&mut *tx)
                .await?
            }))
        }
        .await;
        r.map_err(|e| {
            if unique_violation(&e) {
                DbError::Conflict(format!("an account named `{name}` exists"))
            } else {
                e.into()
            }
        })
    }

    /// Set an account's password hash.
    pub async fn account_set_password(&self, id: i64, password_hash: &str) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// The account named `name`.
    pub async fn account_by_name(&self, name: &str) -> Result<Option<Account>> {
        read!(self, p => {
            let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.name = $1"))
                .bind(name)
                .fetch_optional(p)
                .await?;
            row.as_ref().map(account_row).transpose()
        })
    }

    /// The account `id`.
    pub async fn account(&self, id: i64) -> Result<Option<Account>> {
        read!(self, p => {
            let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1"))
                .bind(id)
                .fetch_optional(p)
                .await?;
            row.as_ref().map(account_row).transpose()
        })
    }

    /// Every account, by name.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        read!(self, p => {
            let rows = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a ORDER BY a.name"))
                .fetch_all(p)
                .await?;
            rows.iter().map(account_row).collect()
        })
    }

    /// Store an API token's hash for `account_id`.
    pub async fn token_add(&self, account_id: i64, token_sha256: &str) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO api_tokens (token_sha256, account_id, created_at) VALUES ($1, $2, $3)")
                .bind(token_sha256)
                .bind(account_id)
                .bind(now())
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// The account holding the token with this hash.
    pub async fn account_by_token(&self, token_sha256: &str) -> Result<Option<Account>> {
        read!(self, p => {
            let row = sqlx::query(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
                 WHERE t.token_sha256 = $1"
            ))
            .bind(token_sha256)
            .fetch_optional(p)
            .await?;
            row.as_ref().map(account_row).transpose()
        })
    }

    /// Start a web session.
    pub async fn session_add(
        &self,
        token_sha256: &str,
        account_id: i64,
        csrf: &str,
        expires_at: &str,
    ) -> Result<()> {
        write_tx!(self, tx => {
            // Expired sessions go when new ones come.
            sqlx::query("DELETE FROM web_sessions WHERE expires_at < $1")
                .bind(now())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO web_sessions (token_sha256, account_id, csrf, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(token_sha256)
            .bind(account_id)
            .bind(csrf)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// The live session with this token hash: its account and CSRF token.
    pub async fn session(&self, token_sha256: &str) -> Result<Option<(Account, String)>> {
        read!(self, p => {
            let row = sqlx::query(&format!(
                "SELECT {ACCOUNT_COLUMNS}, w.csrf FROM web_sessions w \
                 JOIN accounts a ON a.id = w.account_id \
                 WHERE w.token_sha256 = $1 AND w.expires_at > $2"
            ))
            .bind(token_sha256)
            .bind(now())
            .fetch_optional(p)
            .await?;
            match row {
                Some(r) => Some((account_row(&r)?, r.try_get::<String, _>(7)?)),
                None => None,
            }
        })
        .pipe(Ok)
    }

    /// End a web session.
    pub async fn session_delete(&self, token_sha256: &str) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query("DELETE FROM web_sessions WHERE token_sha256 = $1")
                .bind(token_sha256)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    // --- push -------------------------------------------------------------------

    /// Every index line a workstation has pushed, in order.
    pub async fn index_lines(&self, account_id: i64) -> Result<Vec<String>> {
        read!(self, p => {
            sqlx::query_scalar::<_, String>("SELECT line FROM index_lines WHERE account_id = $1 ORDER BY seq")
                .bind(account_id)
                .fetch_all(p)
                .await?
        })
        .pipe(Ok)
    }

    /// How many index lines a workstation has pushed, and the last one's hash.
    pub async fn index_state(&self, account_id: i64) -> Result<(i64, Option<String>)> {
        read!(self, p => {
            let row = sqlx::query(
                "SELECT seq, hash FROM index_lines WHERE account_id = $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(account_id)
            .fetch_optional(p)
            .await?;
            match row {
                Some(r) => (r.try_get::<i64, _>(0)? + 1, Some(r.try_get(1)?)),
                None => (0, None),
            }
        })
        .pipe(Ok)
    }

    /// Which of `ids` the server holds.
    pub async fn records_held(&self, ids: &[String]) -> Result<BTreeSet<String>> {
        let mut held = BTreeSet::new();
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id FROM records WHERE id IN ({})", placeholders.join(","));
            let found: Vec<String> = read!(self, p => {
                let mut q = sqlx::query_scalar(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(p).await?
            });
            held.extend(found);
        }
        Ok(held)
    }

    /// Record `id`'s bytes, exactly as pushed.
    pub async fn record_bytes(&self, id: &str) -> Result<Option<Vec<u8>>> {
        read!(self, p => {
            sqlx::query_scalar::<_, Vec<u8>>("SELECT bytes FROM records WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?
        })
        .pipe(Ok)
    }

    /// Record `id`'s amendment lines, in order.
    pub async fn amendment_lines(&self, id: &str) -> Result<Vec<String>> {
        read!(self, p => {
            sqlx::query_scalar::<_, String>("SELECT line FROM amendment_lines WHERE record = $1 ORDER BY seq")
                .bind(id)
                .fetch_all(p)
                .await?
        })
        .pipe(Ok)
    }

    /// How many amendment lines the server holds for each of `ids`.
    pub async fn amendment_counts(&self, ids: &[String]) -> Result<BTreeMap<String, i64>> {
        let mut counts = BTreeMap::new();
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT record, COUNT(*) FROM amendment_lines WHERE record IN ({}) GROUP BY record",
                placeholders.join(",")
            );
            let rows: Vec<(String, i64)> = read!(self, p => {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(p).await?
            });
            counts.extend(rows);
        }
        Ok(counts)
    }

    /// The workstation whose index lists record `id` first.
    pub async fn record_lister(&self, id: &str) -> Result<Option<i64>> {
        read!(self, p => {
            sqlx::query_scalar::<_, Option<i64>>("SELECT MIN(account_id) FROM index_lines WHERE record = $1")
                .bind(id)
                .fetch_one(p)
                .await?
        })
        .pipe(Ok)
    }

    /// Store an accepted push in one transaction. Index and amendment lines
    /// that another push stored meanwhile make it fail with
    /// [`DbError::Conflict`] and store nothing.
    pub async fn store_push(&self, w: &PushWrite) -> Result<PushStored> {
        let result: std::result::Result<PushStored, sqlx::Error> = async {
            Ok(write_tx!(self, tx => {
                let received = now();
                for (seq, hash, record, line) in &w.index_lines {
                    sqlx::query(
                        "INSERT INTO index_lines (account_id, seq, hash, record, line) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(w.account_id)
                    .bind(seq)
                    .bind(hash)
                    .bind(record)
                    .bind(line)
                    .execute(&mut *tx)
                    .await?;
                }
                let mut out = PushStored::default();
                let mut touched: Vec<i64> = Vec::new();
                for r in &w.records {
                    let hint = w.hints.iter().find(|h| h.id == r.display_key);
                    let room = hint.map(|h| h.location.clone()).unwrap_or_default();
                    let description = match hint {
                        Some(h) if !(h.maker.is_empty() && h.model.is_empty()) => {
                            format!("{} {} {}", h.maker, h.model, h.serial).trim().to_string()
                        }
                        _ => r.description.clone(),
                    };
                    let known: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM displays WHERE site_id = $1 AND display_key = $2",
                    )
                    .bind(w.site_id)
                    .bind(&r.display_key)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let display: i64 = match known {
                        Some(id) => id,
                        None => {
                            sqlx::query_scalar(
                                "INSERT INTO displays (site_id, display_key, room, description, \
                                 standard, grade, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                                 RETURNING id",
                            )
                            .bind(w.site_id)
                            .bind(&r.display_key)
                            .bind(room)
                            .bind(description)
                            .bind(&r.standard)
                            .bind(&r.grade)
                            .bind(&received)
                            .fetch_one(&mut *tx)
                            .await?
                        }
                    };
                    let inserted = sqlx::query(
                        "INSERT INTO records (id, bytes, display_ref, account_id, test, overall, \
                         performed_at, finalised_at, operator, standard, grade, baseline, \
                         lmax_cd_m2, luminance_ratio, kdelta_percent, uniformity_percent, limits, \
                         size_bytes, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                         $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
                         ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(&r.id)
                    .bind(&r.bytes)
                    .bind(display)
                    .bind(w.account_id)
                    .bind(&r.test)
                    .bind(&r.overall)
                    .bind(&r.performed_at)
                    .bind(&r.finalised_at)
                    .bind(&r.operator)
                    .bind(&r.standard)
                    .bind(&r.grade)
                    .bind(&r.baseline)
                    .bind(r.lmax_cd_m2)
                    .bind(r.luminance_ratio)
                    .bind(r.kdelta_percent)
                    .bind(r.uniformity_percent)
                    .bind(&r.limits)
                    .bind(r.bytes.len() as i64)
                    .bind(&received)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if inserted == 0 {
                        out.held.push(r.id.clone());
                        continue;
                    }
                    out.stored.push(r.id.clone());
                    if !touched.contains(&display) {
                        touched.push(display);
                    }
                    // The display's latest test of this kind, when this one is newer.
                    let t = &r.test;
                    if matches!(t.as_str(), "acceptance" | "constancy" | "daily") {
                        sqlx::query(&format!(
                            "UPDATE displays SET last_{t}_at = $1, last_{t}_overall = $2, \
                             last_{t}_record = $3 WHERE id = $4 AND \
                             (last_{t}_at IS NULL OR last_{t}_at < $1)"
                        ))
                        .bind(&r.performed_at)
                        .bind(&r.overall)
                        .bind(&r.id)
                        .bind(display)
                        .execute(&mut *tx)
                        .await?;
                    }
                    if t == "acceptance" {
                        // A display is managed under the grade of its latest acceptance.
                        sqlx::query(
                            "UPDATE displays SET standard = $1, grade = $2 WHERE id = $3 AND \
                             last_acceptance_record = $4",
                        )
                        .bind(&r.standard)
                        .bind(&r.grade)
                        .bind(display)
                        .bind(&r.id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                refresh_status!(self, tx, Some(w.site_id), Some(&touched[..]));
                for (record, seq, hash, line) in &w.amendment_lines {
                    sqlx::query(
                        "INSERT INTO amendment_lines (record, seq, hash, line, account_id) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(record)
                    .bind(seq)
                    .bind(hash)
                    .bind(line)
                    .bind(w.account_id)
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some((name, department)) = &w.facility {
                    sqlx::query(
                        "UPDATE accounts SET facility_name = $1, facility_department = $2 \
                         WHERE id = $3",
                    )
                    .bind(name)
                    .bind(department)
                    .bind(w.account_id)
                    .execute(&mut *tx)
                    .await?;
                }
                let actor: String = sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1")
                    .bind(w.account_id)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO audit_log (at, actor, action, subject, detail) \
                     VALUES ($1, $2, 'push', $3, $4)",
                )
                .bind(&received)
                .bind(&actor)
                .bind(format!(
                    "{} record(s) stored, {} already held",
                    out.stored.len(),
                    out.held.len()
                ))
                .bind(&w.audit_detail)
                .execute(&mut *tx)
                .await?;
                out
            }))
        }
        .await;
        result.map_err(|e| {
            if unique_violation(&e) {
                DbError::Conflict(
                    "another push from this workstation stored these lines first; push again"
                        .into(),
                )
            } else {
                e.into()
            }
        })
    }

    // --- dashboard --------------------------------------------------------------

    /// Displays, of one site or all, by site, room and id.
    pub async fn displays(&self, site: Option<i64>) -> Result<Vec<DisplayRow>> {
        // Sorted here, not by the database: ten thousand rows sorted by
        // text would spill to disk with PostgreSQL's default work_mem.
        let sql = format!(
            "SELECT {DISPLAY_COLUMNS} FROM displays d JOIN sites s ON s.id = d.site_id \
             WHERE ($1 IS NULL OR d.site_id = $1)"
        );
        let mut rows: Vec<DisplayRow> = read!(self, p => {
            let rows = sqlx::query(&sql).bind(site).fetch_all(p).await?;
            rows.iter().map(display_row).collect::<std::result::Result<_, _>>()?
        });
        rows.sort_by(|a, b| {
            (&a.site_name, &a.room, &a.display_key).cmp(&(&b.site_name, &b.room, &b.display_key))
        });
        Ok(rows)
    }

    /// In-service displays counted by site and status on `today` (local
    /// date), from their stored status dates: the fleet overview's figures
    /// without reading every display.
    pub async fn status_counts(&self, today: NaiveDate) -> Result<Vec<(i64, Status, i64)>> {
        let sql = format!(
            "SELECT d.site_id, {STATUS_SQL} AS st, COUNT(*) FROM displays d WHERE d.active \
             GROUP BY d.site_id, st"
        );
        let rows: Vec<(i64, i64, i64)> = read!(self, p => {
            sqlx::query_as(&sql).bind(today.to_string()).fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(site, st, n)| {
                Some((site, *Status::ALL.get(usize::try_from(st).ok()?)?, n))
            })
            .collect())
    }

    /// In-service displays failed, overdue or incomplete on `today`, worst
    /// first, then by next due date, site and id; at most `limit`. With
    /// each its status and next due date.
    pub async fn needing_attention(
        &self,
        today: NaiveDate,
        limit: i64,
    ) -> Result<Vec<(DisplayRow, Status, Option<NaiveDate>)>> {
        // COALESCE: displays with no due date first on both backends
        // (PostgreSQL sorts NULL last, SQLite first).
        let sql = format!(
            "SELECT {DISPLAY_STATUS_COLUMNS}, {STATUS_SQL} AS st, d.next_due FROM displays d \
             JOIN sites s ON s.id = d.site_id WHERE d.active AND {STATUS_SQL} <= 2 \
             ORDER BY st, COALESCE(d.next_due, ''), s.name, d.display_key LIMIT $2"
        );
        read!(self, p => {
            let rows = sqlx::query(&sql).bind(today.to_string()).bind(limit).fetch_all(p).await?;
            rows.iter()
                .map(|r| {
                    let st: i64 = r.try_get(DISPLAY_STATUS_COLUMN_COUNT)?;
                    let next: Option<String> = r.try_get(DISPLAY_STATUS_COLUMN_COUNT + 1)?;
                    let status = usize::try_from(st).ok().and_then(|i| Status::ALL.get(i).copied());
                    Ok((
                        display_row(r)?,
                        status.unwrap_or(Status::Incomplete),
                        next.and_then(|n| n.parse().ok()),
                    ))
                })
                .collect()
        })
    }

    /// Displays (of one site or all) with a test due or overdue on `today`,
    /// by their stored status dates: the due lists, without reading every
    /// display of a large fleet.
    pub async fn displays_due(
        &self,
        site: Option<i64>,
        today: NaiveDate,
    ) -> Result<Vec<DisplayRow>> {
        let sql = format!(
            "SELECT {DISPLAY_STATUS_COLUMNS} FROM displays d JOIN sites s ON s.id = d.site_id \
             WHERE ($1 IS NULL OR d.site_id = $1) AND d.active AND d.due_from <= $2"
        );
        read!(self, p => {
            let rows = sqlx::query(&sql).bind(site).bind(today.to_string()).fetch_all(p).await?;
            Ok(rows.iter().map(display_row).collect::<std::result::Result<_, _>>()?)
        })
    }

    /// Display `id`.
    pub async fn display(&self, id: i64) -> Result<Option<DisplayRow>> {
        let sql = format!(
            "SELECT {DISPLAY_COLUMNS} FROM displays d JOIN sites s ON s.id = d.site_id \
             WHERE d.id = $1"
        );
        read!(self, p => {
            let row = sqlx::query(&sql).bind(id).fetch_optional(p).await?;
            Ok(row.as_ref().map(display_row).transpose()?)
        })
    }

    /// Add a display by hand (before its first record); returns its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn display_add(
        &self,
        site_id: i64,
        key: &str,
        room: &str,
        description: &str,
        standard: &str,
        grade: &str,
    ) -> Result<i64> {
        let r: std::result::Result<i64, sqlx::Error> = async {
            Ok(write_tx!(self, tx => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO displays (site_id, display_key, room, description, standard, \
                     grade, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(site_id)
                .bind(key)
                .bind(room)
                .bind(description)
                .bind(standard)
                .bind(grade)
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
                refresh_status!(self, tx, Some(site_id), Some(&[id][..]));
                id
            }))
        }
        .await;
        r.map_err(|e| {
            if unique_violation(&e) {
                DbError::Conflict(format!("display `{key}` exists at this site"))
            } else {
                e.into()
            }
        })
    }

    /// Change what a physicist manages of a display.
    pub async fn display_update(
        &self,
        id: i64,
        room: &str,
        description: &str,
        standard: &str,
        grade: &str,
        active: bool,
    ) -> Result<()> {
        let n = write_tx!(self, tx => {
            let n = sqlx::query(
                "UPDATE displays SET room = $1, description = $2, standard = $3, grade = $4, \
                 active = $5 WHERE id = $6",
            )
            .bind(room)
            .bind(description)
            .bind(standard)
            .bind(grade)
            .bind(active)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            refresh_status!(self, tx, None, Some(&[id][..]));
            n
        });
        if n == 0 {
            return Err(DbError::Missing(format!("no display {id}")));
        }
        Ok(())
    }

    /// A display's records, oldest first.
    pub async fn display_records(&self, display: i64) -> Result<Vec<RecordRow>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN displays d ON d.id = r.display_ref \
             JOIN sites s ON s.id = d.site_id WHERE r.display_ref = $1 ORDER BY r.performed_at"
        );
        read!(self, p => {
            let rows = sqlx::query(&sql).bind(display).fetch_all(p).await?;
            rows.iter().map(record_row).collect()
        })
    }

    /// Record `id`'s row.
    pub async fn record(&self, id: &str) -> Result<Option<RecordRow>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN displays d ON d.id = r.display_ref \
             JOIN sites s ON s.id = d.site_id WHERE r.id = $1"
        );
        read!(self, p => {
            let row = sqlx::query(&sql).bind(id).fetch_optional(p).await?;
            row.as_ref().map(record_row).transpose()
        })
    }

    /// Every record of a site done in [from, to), oldest first.
    pub async fn records_between(&self, site: i64, from: &str, to: &str) -> Result<Vec<RecordRow>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN displays d ON d.id = r.display_ref \
             JOIN sites s ON s.id = d.site_id WHERE d.site_id = $1 AND r.performed_at >= $2 \
             AND r.performed_at < $3 ORDER BY r.performed_at, r.id"
        );
        read!(self, p => {
            let rows = sqlx::query(&sql).bind(site).bind(from).bind(to).fetch_all(p).await?;
            rows.iter().map(record_row).collect()
        })
    }

    /// A site's interval settings.
    pub async fn schedule_settings(&self, site: i64) -> Result<Vec<ScheduleSetting>> {
        read!(self, p => {
            let rows = sqlx::query(
                "SELECT standard, test, interval_days, due_soon_days, updated_by, updated_at \
                 FROM schedule_settings WHERE site_id = $1 ORDER BY standard, test",
            )
            .bind(site)
            .fetch_all(p)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(ScheduleSetting {
                        standard: r.try_get(0)?,
                        test: r.try_get(1)?,
                        interval_days: r.try_get(2)?,
                        due_soon_days: r.try_get(3)?,
                        updated_by: r.try_get(4)?,
                        updated_at: r.try_get(5)?,
                    })
                })
                .collect()
        })
    }

    /// Every site's interval settings, by site id.
    pub async fn all_schedule_settings(&self) -> Result<BTreeMap<i64, Vec<ScheduleSetting>>> {
        let rows = read!(self, p => {
            sqlx::query(&format!("{SETTINGS_SQL_ALL} {SETTINGS_ORDER}"))
                .fetch_all(p)
                .await?
                .iter()
                .map(setting_row)
                .collect::<std::result::Result<Vec<_>, _>>()?
        });
        let mut out: BTreeMap<i64, Vec<ScheduleSetting>> = BTreeMap::new();
        for (site, setting) in rows {
            out.entry(site).or_default().push(setting);
        }
        Ok(out)
    }

    /// Set a site's interval for a standard's test.
    pub async fn schedule_set(
        &self,
        site: i64,
        standard: &str,
        test: &str,
        interval_days: i64,
        due_soon_days: i64,
        by: &str,
    ) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO schedule_settings (site_id, standard, test, interval_days, \
                 due_soon_days, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (site_id, standard, test) DO UPDATE SET \
                 interval_days = excluded.interval_days, due_soon_days = excluded.due_soon_days, \
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind(site)
            .bind(standard)
            .bind(test)
            .bind(interval_days)
            .bind(due_soon_days)
            .bind(by)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            refresh_status!(self, tx, Some(site), None);
        });
        Ok(())
    }

    // --- audit ------------------------------------------------------------------

    /// Append to the audit log.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(now())
            .bind(actor)
            .bind(action)
            .bind(subject)
            .bind(detail)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// The newest `limit` audit entries before id `before` (all when none).
    pub async fn audit_log(&self, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
        read!(self, p => {
            let rows = sqlx::query(
                "SELECT id, at, actor, action, subject, detail FROM audit_log \
                 WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
            )
            .bind(before)
            .bind(limit)
            .fetch_all(p)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AuditEntry {
                        id: r.try_get(0)?,
                        at: r.try_get(1)?,
                        actor: r.try_get(2)?,
                        action: r.try_get(3)?,
                        subject: r.try_get(4)?,
                        detail: r.try_get(5)?,
                    })
                })
                .collect()
        })
    }

    /// Run one statement as given (tests use it to show what the triggers refuse).
    #[doc(hidden)]
    pub async fn execute_unchecked(&self, sql: &str) -> Result<u64> {
        Ok(write_tx!(self, tx => sqlx::query(sql).execute(&mut *tx).await?.rows_affected()))
    }

    // --- measurement ------------------------------------------------------------

    /// Number of records held.
    pub async fn record_count(&self) -> Result<i64> {
        read!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM records").fetch_one(p).await?)
            .pipe(Ok)
    }

    /// The database's size on disk, bytes (tables and indexes).
    pub async fn size_bytes(&self) -> Result<i64> {
        match &self.pools {
            Pools::Pg(p) => Ok(sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(p)
                .await?),
            Pools::Lite { read, .. } => {
                let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(read).await?;
                let size: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(read).await?;
                Ok(pages * size)
            }
        }
    }
}

/// `x.pipe(f)` = `f(x)`: lets a macro's value flow into `Ok`.
trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}
