//! Schedules: which tests a display must have (from its standard's
//! procedure data, through the library), how often (`intervals.toml`, with
//! each interval's source, overridable per site), and from that each
//! display's status: compliant, due, overdue, failed or incomplete.

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

/// The status of display `d` on `today` (local), with its site's intervals.
pub fn display_status(
    d: &DisplayRow,
    intervals: &SiteIntervals,
    today: NaiveDate,
    offset: FixedOffset,
) -> DisplayStatus {
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
        let failed = |status| match &done {
            Some((_, v)) if v == "fail" => Status::Failed,
            Some((_, v)) if v == "incomplete" => Status::Incomplete,
            _ => status,
        };
        if test == TestKind::Acceptance {
            let status =
                failed(if done.is_some() { Status::Compliant } else { Status::Incomplete });
            tests.push(TestDue { test, last: done.clone(), next_due: None, status });
            continue;
        }
        let Some(interval) = intervals.get(&d.standard, test) else { continue };
        // Counted from the last such test, else from the acceptance test; a
        // display never accepted has no schedule yet (it is incomplete).
        let Some(from) = done.as_ref().map(|(t, _)| *t).or(acceptance.as_ref().map(|(t, _)| *t))
        else {
            tests.push(TestDue { test, last: None, next_due: None, status: Status::Incomplete });
            continue;
        };
        let next = from + chrono::Days::new(interval.days.max(0) as u64);
        let status = if today > next {
            Status::Overdue
        } else if today + chrono::Days::new(interval.due_soon_days.max(0) as u64) >= next {
            Status::Due
        } else {
            Status::Compliant
        };
        let status = failed(status);
        tests.push(TestDue { test, last: done.clone(), next_due: Some(next), status });
    }
    let status = tests.iter().map(|t| t.status).min().unwrap_or(Status::Incomplete);
    let next_due = tests.iter().filter_map(|t| t.next_due).min();
    DisplayStatus { status, tests, next_due }
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
