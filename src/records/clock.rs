//! Time stamps. The library never reads the system clock itself: whatever
//! records a time (a session's readings, a record's finalisation) is given a
//! [`Clock`]. The command line passes the real one, `chrono::Utc::now`;
//! tests pass a fixed one, so what they write is reproducible.

use chrono::{DateTime, SecondsFormat, Utc};

/// A source of the current time.
pub type Clock = fn() -> DateTime<Utc>;

/// The time `clock` gives, as every journal and record writes it: RFC 3339,
/// UTC, milliseconds (`2026-11-26T06:53:37.790Z`).
pub fn timestamp(clock: Clock) -> String {
    clock().to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        fn fixed() -> chrono::DateTime<chrono::Utc> {
            chrono::Utc.timestamp_millis_opt(1_795_676_017_790).unwrap()
        }
        assert_eq!(super::timestamp(fixed), "2026-11-26T06:53:37.790Z");
    }
}
