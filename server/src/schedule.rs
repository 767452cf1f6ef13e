//! Schedules: which tests a display must have (from its standard's
//! procedure data, through the library), how often (`intervals.toml`, with
//! each interval's source, overridable per site), and from that each
//! display's status: compliant, due, overdue, failed or incomplete.
//!
//! A status changes with the date, but what decides it does not: each
//! display's [`StatusDates`] (a verdict that fails it or leaves it
//! incomplete, the day after which it is overdue, the day from which it is
//! due) are stored with the display and worked out again when a record, the
//! display or its site's intervals change. The fleet overview then counts
//! statuses in the database, for any day, without working out each display.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{FixedOffset, NaiveDate};
use serde::Deserialize;

use crate::adapter::{self, TestKind};
use crate::db::{DisplayRow, ScheduleSetting};

/// How sure we are of a default interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The standard's own words.
    Standard,
    /// Not confirmed from the standard's text: a default each site sets.
    SiteSetting,
}

/// A default interval from `intervals.toml`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DefaultInterval {
    /// Standard id.
    pub standard: String,
    /// Test (`daily`, `constancy`).
    pub test: String,
    /// Interval, days.
    pub days: i64,
    /// How many days before the due date the test shows as due.
    pub due_soon_days: i64,
    /// Standard or site setting.
    pub basis: Basis,
    /// Where it comes from.
    pub source: String,
}

#[derive(Deserialize)]
struct IntervalsFile {
    interval: Vec<DefaultInterval>,
}

/// The default intervals shipped with the server.
pub fn defaults() -> &'static [DefaultInterval] {
    static DEFAULTS: OnceLock<Vec<DefaultInterval>> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let file: IntervalsFile = toml::from_str(include_str!("../intervals.toml"))
            .expect("intervals.toml is checked by a unit test");
        file.interval
    })
}

/// The interval a site applies to one standard's test.
#[derive(Clone, Debug, PartialEq)]
pub struct Interval {
    /// Days.
    pub days: i64,
    /// Days before the due date it shows as due.
    pub due_soon_days: i64,
    /// The default it starts from (none when the site added its own).
    pub default: Option<DefaultInterval>,
    /// Who changed it from the default, and when.
    pub changed: Option<(String, String)>,
}

/// A site's intervals: the defaults with the site's own settings on top.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteIntervals {
    map: BTreeMap<(String, TestKind), Interval>,
}

impl SiteIntervals {
    /// The defaults, overridden by `settings`.
    pub fn new(settings: &[ScheduleSetting]) -> Self {
        let mut map = BTreeMap::new();
        for d in defaults() {
            if let Some(test) = TestKind::from_id(&d.test) {
                map.insert(
                    (d.standard.clone(), test),
                    Interval {
                        days: d.days,
                        due_soon_days: d.due_soon_days,
                        default: Some(d.clone()),
                        changed: None,
                    },
                );
            }
        }
        for s in settings {
            if let Some(test) = TestKind::from_id(&s.test) {
                let e = map.entry((s.standard.clone(), test)).or_insert(Interval {
                    days: s.interval_days,
                    due_soon_days: s.due_soon_days,
                    default: None,
                    changed: None,
                });
                e.days = s.interval_days;
                e.due_soon_days = s.due_soon_days;
                e.changed = Some((s.updated_by.clone(), s.updated_at.clone()));
            }
        }
        Self { map }
    }

    /// The interval of `standard`'s `test`.
    pub fn get(&self, standard: &str, test: TestKind) -> Option<&Interval> {
        self.map.get(&(standard.to_string(), test))
    }

    /// Every (standard, test, interval), by standard.
    pub fn all(&self) -> impl Iterator<Item = (&str, TestKind, &Interval)> {
        self.map.iter().map(|((s, t), i)| (s.as_str(), *t, i))
    }
}

/// A display's status, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Its latest test of some kind failed.
    Failed,
    /// A test is past its due date.
    Overdue,
    /// No acceptance test, or a latest test could not be judged in full.
    Incomplete,
    /// A test falls due within its due-soon window.
    Due,
    /// Everything done and passed.
    Compliant,
}

impl Status {
    /// Every status, worst first.
    pub const ALL: [Status; 5] =
        [Self::Failed, Self::Overdue, Self::Incomplete, Self::Due, Self::Compliant];

    /// The word used in URLs and CSS classes.
    pub fn id(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Overdue => "overdue",
            Self::Incomplete => "incomplete",
            Self::Due => "due",
            Self::Compliant => "compliant",
        }
    }
}

/// Where one test of a display stands.
#[derive(Clone, Debug, PartialEq)]
pub struct TestDue {
    /// The test.
    pub test: TestKind,
    /// When it was last done (local date) and its verdict.
    pub last: Option<(NaiveDate, String)>,
    /// When it is next due (none for acceptance, done once).
    pub next_due: Option<NaiveDate>,
    /// Compliant, due or overdue for periodic tests; incomplete for a
    /// missing acceptance; failed when the latest failed.
    pub status: Status,
}

/// A display's status with the reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct DisplayStatus {
    /// The worst of its tests.
    pub status: Status,
    /// Each required test.
    pub tests: Vec<TestDue>,
    /// The earliest due date of its periodic tests.
    pub next_due: Option<NaiveDate>,
}

/// The local date of a stored UTC time.
pub fn local_date(stored: &str, offset: FixedOffset) -> Option<NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(stored).ok().map(|t| t.with_timezone(&offset).date_naive())
}

/// One required test of a display, worked out without today's date.
struct PlannedTest {
    test: TestKind,
    last: Option<(NaiveDate, String)>,
    next_due: Option<NaiveDate>,
    /// Failed or incomplete whatever the date: its latest verdict (or a
    /// missing acceptance test) decides.
    verdict_status: Option<Status>,
    due_soon_days: i64,
}

impl PlannedTest {
    fn status_on(&self, today: NaiveDate) -> Status {
        if let Some(s) = self.verdict_status {
            return s;
        }
        match self.next_due {
            Some(next) if today > next => Status::Overdue,
            Some(next) if today + chrono::Days::new(self.due_soon_days.max(0) as u64) >= next => {
                Status::Due
            }
            _ => Status::Compliant,
        }
    }

    /// The first day it shows as due, when its date decides its status.
    fn due_from(&self) -> Option<NaiveDate> {
        let next = self.next_due.filter(|_| self.verdict_status.is_none())?;
        Some(next - chrono::Days::new(self.due_soon_days.max(0) as u64))
    }
}

/// Display `d`'s required tests with its site's intervals.
fn planned_tests(
    d: &DisplayRow,
    intervals: &SiteIntervals,
    offset: FixedOffset,
) -> Vec<PlannedTest> {
    let last = |test: TestKind| {
        let i = TestKind::ALL.iter().position(|t| *t == test).expect("listed");
        d.last[i].as_ref().and_then(|l| Some((local_date(&l.at, offset)?, l.overall.clone())))
    };
    let acceptance = last(TestKind::Acceptance);
    let mut tests = Vec::new();
    for test in TestKind::ALL {
        if !d.standard.is_empty() && !adapter::procedure_defines(&d.standard, test) {
            continue;
        }
        let done = last(test);
        let verdict = match &done {
            Some((_, v)) if v == "fail" => Some(Status::Failed),
            Some((_, v)) if v == "incomplete" => Some(Status::Incomplete),
            _ => None,
        };
        let planned = |next_due, verdict_status, due_soon_days| PlannedTest {
            test,
            last: done.clone(),
            next_due,
            verdict_status,
            due_soon_days,
        };
        if test == TestKind::Acceptance {
            let missing = done.is_none().then_some(Status::Incomplete);
            tests.push(planned(None, verdict.or(missing), 0));
            continue;
        }
        let Some(interval) = intervals.get(&d.standard, test) else { continue };
        // Counted from the last such test, else from the acceptance test; a
        // display never accepted has no schedule yet (it is incomplete).
        let Some(from) = done.as_ref().map(|(t, _)| *t).or(acceptance.as_ref().map(|(t, _)| *t))
        else {
            tests.push(planned(None, Some(Status::Incomplete), 0));
            continue;
        };
        let next = from + chrono::Days::new(interval.days.max(0) as u64);
        tests.push(planned(Some(next), verdict, interval.due_soon_days));
    }
    tests
}

/// The status of display `d` on `today` (local), with its site's intervals.
pub fn display_status(
    d: &DisplayRow,
    intervals: &SiteIntervals,
    today: NaiveDate,
    offset: FixedOffset,
) -> DisplayStatus {
    let tests: Vec<TestDue> = planned_tests(d, intervals, offset)
        .into_iter()
        .map(|p| TestDue {
            test: p.test,
            status: p.status_on(today),
            next_due: p.next_due,
            last: p.last,
        })
        .collect();
    let status = tests.iter().map(|t| t.status).min().unwrap_or(Status::Incomplete);
    let next_due = tests.iter().filter_map(|t| t.next_due).min();
    DisplayStatus { status, tests, next_due }
}

/// What decides a display's status on any day, stored with the display so
/// that the fleet overview of thousands of displays counts statuses in the
/// database instead of working each out per request. Worked out again
/// whenever a record, the display or its site's intervals change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusDates {
    /// Failed or incomplete whatever the date (a latest verdict, or a
    /// missing acceptance test).
    pub verdict_status: Option<Status>,
    /// Overdue on any day after this one.
    pub overdue_after: Option<NaiveDate>,
    /// Due (or overdue) from this day on.
    pub due_from: Option<NaiveDate>,
    /// The earliest due date of its periodic tests.
    pub next_due: Option<NaiveDate>,
}

impl StatusDates {
    /// Display `d`'s, with its site's intervals.
    pub fn of(d: &DisplayRow, intervals: &SiteIntervals, offset: FixedOffset) -> Self {
        let tests = planned_tests(d, intervals, offset);
        let verdict_status = if tests.is_empty() {
            Some(Status::Incomplete)
        } else {
            tests.iter().filter_map(|t| t.verdict_status).min()
        };
        let dated = tests.iter().filter(|t| t.verdict_status.is_none());
        StatusDates {
            verdict_status,
            overdue_after: dated.clone().filter_map(|t| t.next_due).min(),
            due_from: dated.filter_map(PlannedTest::due_from).min(),
            next_due: tests.iter().filter_map(|t| t.next_due).min(),
        }
    }

    /// The status on `today`: the same as [`display_status`] gives (a unit
    /// test checks every day of two years), in the order of
    /// [`Status::ALL`]. `db::STATUS_SQL` says the same in SQL.
    pub fn status_on(&self, today: NaiveDate) -> Status {
        if self.verdict_status == Some(Status::Failed) {
            Status::Failed
        } else if self.overdue_after.is_some_and(|d| today > d) {
            Status::Overdue
        } else if self.verdict_status == Some(Status::Incomplete) {
            Status::Incomplete
        } else if self.due_from.is_some_and(|d| today >= d) {
            Status::Due
        } else {
            Status::Compliant
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::LastTest;

    fn display(last: [Option<(&str, &str)>; 3]) -> DisplayRow {
        DisplayRow {
            id: 1,
            site_id: 1,
            site_name: "s".into(),
            display_key: "d".into(),
            room: "r".into(),
            description: String::new(),
            standard: "jesra-x0093".into(),
            grade: "1a".into(),
            active: true,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            last: last.map(|l| {
                l.map(|(at, overall)| LastTest {
                    at: at.into(),
                    overall: overall.into(),
                    record: "x".into(),
                })
            }),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const UTC: FixedOffset = FixedOffset::east_opt(0).unwrap();

    #[test]
    fn the_shipped_intervals_parse_and_cover_every_standard_with_a_periodic_procedure() {
        let intervals = SiteIntervals::new(&[]);
        for standard in adapter::standards().into_iter().map(|s| s.id) {
            for test in [TestKind::Constancy, TestKind::Daily] {
                if adapter::procedure_defines(&standard, test) {
                    let i = intervals.get(&standard, test);
                    assert!(i.is_some(), "{standard} {test:?} has no default interval");
                    assert!(!i.unwrap().default.as_ref().unwrap().source.is_empty());
                }
            }
        }
        // The JESRA daily check is the standard's own words; the constancy
        // interval is not (B-2017's text unread).
        let jesra = |t| intervals.get("jesra-x0093", t).unwrap().default.clone().unwrap().basis;
        assert_eq!(jesra(TestKind::Daily), Basis::Standard);
        assert_eq!(jesra(TestKind::Constancy), Basis::SiteSetting);
    }

    #[test]
    fn statuses_follow_the_dates_and_verdicts() {
        let intervals = SiteIntervals::new(&[]);
        let today = day("2026-06-10");
        let status = |d: &DisplayRow| display_status(d, &intervals, today, UTC).status;
        // No acceptance test at all.
        assert_eq!(status(&display([None, None, None])), Status::Incomplete);
        let acc = Some(("2026-03-01T09:00:00.000Z", "pass"));
        // Daily done today, constancy not due until 182 days after acceptance.
        let ok = display([acc, None, Some(("2026-06-10T08:00:00.000Z", "pass"))]);
        assert_eq!(status(&ok), Status::Compliant);
        let s = display_status(&ok, &intervals, today, UTC);
        assert_eq!(s.next_due, Some(day("2026-06-11")));
        // Yesterday's daily: today's is due; the day before: overdue.
        let due = display([acc, None, Some(("2026-06-09T08:00:00.000Z", "pass"))]);
        assert_eq!(status(&due), Status::Due);
        let late = display([acc, None, Some(("2026-06-08T08:00:00.000Z", "pass"))]);
        assert_eq!(status(&late), Status::Overdue);
        // A failed latest test outranks everything.
        let failed = display([acc, None, Some(("2026-06-10T08:00:00.000Z", "fail"))]);
        assert_eq!(status(&failed), Status::Failed);
        // Constancy due within its 14-day window, then overdue.
        let old = Some(("2025-12-20T09:00:00.000Z", "pass"));
        let today_daily = Some(("2026-06-10T08:00:00.000Z", "pass"));
        let window = display([old, None, today_daily]);
        assert_eq!(
            display_status(&window, &intervals, today, UTC).tests[1].next_due,
            Some(day("2026-06-20"))
        );
        assert_eq!(status(&window), Status::Due);
        let past = display([Some(("2025-12-01T09:00:00.000Z", "pass")), None, today_daily]);
        assert_eq!(status(&past), Status::Overdue);
    }

    #[test]
    fn the_stored_dates_give_the_same_status_as_the_full_working_on_every_day() {
        let custom = ScheduleSetting {
            standard: "jesra-x0093".into(),
            test: "daily".into(),
            interval_days: 7,
            due_soon_days: 3,
            updated_by: "physicist".into(),
            updated_at: "2026-01-01T00:00:00.000Z".into(),
        };
        let sites = [SiteIntervals::new(&[]), SiteIntervals::new(&[custom])];
        // Times near midnight, so that the UTC offset moves their local date.
        let times =
            ["2025-09-30T15:30:00.000Z", "2026-02-14T23:59:00.000Z", "2026-05-01T00:01:00.000Z"];
        let mut choices = vec![None];
        for t in times {
            choices.extend(["pass", "fail", "incomplete"].map(|v| Some((t, v))));
        }
        // A standard the server knows, one it does not (no tests), none set
        // (no intervals).
        let standards = ["jesra-x0093", "not-a-standard", ""].map(String::from);
        let offsets = [FixedOffset::east_opt(9 * 3600).unwrap()];
        let mut checked = 0;
        for standard in &standards {
            for (a, c, dl) in every_triple(choices.len()) {
                let last = [a, c, dl].map(|k: usize| choices[k]);
                let mut d = display(last);
                d.standard = standard.clone();
                for intervals in &sites {
                    for offset in offsets {
                        let stored = StatusDates::of(&d, intervals, offset);
                        // Every day around the due dates those times give.
                        let mut today = day("2026-02-01");
                        while today <= day("2026-11-15") {
                            let full = display_status(&d, intervals, today, offset);
                            assert_eq!(
                                stored.status_on(today),
                                full.status,
                                "{d:?} on {today} at {offset}"
                            );
                            assert_eq!(stored.next_due, full.next_due);
                            today = today + chrono::Days::new(1);
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 1_500_000, "{checked}");
    }

    /// Every (a, b, c) with each below `n`.
    fn every_triple(n: usize) -> impl Iterator<Item = (usize, usize, usize)> {
        (0..n).flat_map(move |a| (0..n).flat_map(move |b| (0..n).map(move |c| (a, b, c))))
    }

    #[test]
    fn a_site_setting_replaces_the_default() {
        let setting = ScheduleSetting {
            standard: "jesra-x0093".into(),
            test: "constancy".into(),
            interval_days: 365,
            due_soon_days: 30,
            updated_by: "physicist".into(),
            updated_at: "2026-01-01T00:00:00.000Z".into(),
        };
        let intervals = SiteIntervals::new(&[setting]);
        let i = intervals.get("jesra-x0093", TestKind::Constancy).unwrap();
        assert_eq!((i.days, i.due_soon_days), (365, 30));
        assert!(i.changed.is_some() && i.default.is_some());
    }
}
