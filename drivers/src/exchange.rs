//! The exchange every family repeats, in one place: a time budget that
//! every wait draws from, the time scale that lets twins run faster than
//! real time, character pacing, and "discard stale input, send a command,
//! read its framed reply", with a bounded retry around it.
//!
//! A family's driver owns one [`Exchange`] and describes its framing with
//! [`Framing`]; it never writes its own send / read / retry loop.

use std::time::{Duration, Instant};

use crate::link::Link;
use crate::{MeterError, Progress};

/// A time budget: the moment a request must be answered by.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    start: Instant,
    end: Instant,
    budget: Duration,
}

impl Deadline {
    /// A budget of `budget` from now.
    pub fn after(budget: Duration) -> Self {
        let start = Instant::now();
        Self { start, end: start + budget, budget }
    }

    /// The whole budget.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// Time since the budget started.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Time left (zero once past).
    pub fn left(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    /// Time left, but at most `limit` (a per-reply timeout).
    pub fn cap(&self, limit: Duration) -> Duration {
        self.left().min(limit)
    }

    /// Wait `d`, or fail with a timeout at once (after sleeping what is
    /// left) if that would pass the deadline: a wait never overruns.
    pub fn sleep(&self, d: Duration) -> Result<(), MeterError> {
        let left = self.left();
        if d > left {
            std::thread::sleep(left);
            return Err(MeterError::Timeout(self.budget));
        }
        std::thread::sleep(d);
        Ok(())
    }

    /// Wait until `at`, under the same rule as [`Deadline::sleep`].
    pub fn sleep_until(&self, at: Instant) -> Result<(), MeterError> {
        self.sleep(at.saturating_duration_since(Instant::now()))
    }

    /// A progress report for this request.
    pub fn progress(&self, expected: Option<Duration>) -> Progress {
        Progress { elapsed: self.elapsed(), expected }
    }
}

/// How the end of a reply is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing<'a> {
    /// Up to and including this terminator.
    Terminator(&'a [u8]),
    /// Exactly this many bytes (binary replies).
    Length(usize),
    /// Until this text has arrived, or until the line went quiet for this
    /// long after something arrived (a reply without an end marker).
    TextOrQuiet(&'a [u8], Duration),
    /// No reply is expected.
    None,
}

/// The shape of a family's exchange: how it sends and how its waits are
/// scaled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pacing {
    /// Send each character of a command in a write of its own, drained
    /// before the next (false: a command goes in one write). The
    /// PR-655/670 are driven so by every public driver but one.
    pub one_write_per_character: bool,
    /// Multiplies every protocol wait (1.0 for a real meter; twins run
    /// faster). Never applied to reply timeouts.
    pub time_scale: f64,
}

impl Default for Pacing {
    fn default() -> Self {
        Self { one_write_per_character: false, time_scale: 1.0 }
    }
}

/// One family's side of the conversation with a meter.
#[derive(Debug)]
pub struct Exchange {
    link: Link,
    pacing: Pacing,
}

impl Exchange {
    /// Talk over `link` with `pacing`.
    pub fn new(link: Link, pacing: Pacing) -> Self {
        Self { link, pacing }
    }

    /// The link underneath.
    pub fn link(&mut self) -> &mut Link {
        &mut self.link
    }

    /// Change the time scale (twins only).
    pub fn set_time_scale(&mut self, scale: f64) {
        self.pacing.time_scale = scale;
    }

    /// A protocol wait of the real instrument, scaled for this run.
    pub fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.pacing.time_scale)
    }

    /// Send `bytes` in one write, or a character per write if the family
    /// needs it.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), MeterError> {
        if self.pacing.one_write_per_character {
            self.type_slowly(bytes, Duration::ZERO)
        } else {
            self.link.send(bytes)
        }
    }

    /// Send `bytes` a character per write, each drained before the next,
    /// with a pause of `gap` (scaled) between characters: for the one
    /// command of a family whose characters a meter is known to drop when
    /// they come close together.
    pub fn type_slowly(&mut self, bytes: &[u8], gap: Duration) -> Result<(), MeterError> {
        let gap = self.scaled(gap);
        for (i, b) in bytes.iter().enumerate() {
            if i > 0 && !gap.is_zero() {
                std::thread::sleep(gap);
            }
            self.link.send(std::slice::from_ref(b))?;
        }
        Ok(())
    }

    /// Read one reply framed as `framing`, waiting at most `timeout` and
    /// calling `waiting` while nothing arrives.
    pub fn read(
        &mut self,
        framing: Framing<'_>,
        timeout: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Vec<u8>, MeterError> {
        match framing {
            Framing::Terminator(t) => self.link.read_until_reporting(t, timeout, waiting),
            Framing::Length(n) => self.link.read_exact_reporting(n, timeout, waiting),
            Framing::TextOrQuiet(text, quiet) => {
                self.link.read_until_text_or_quiet(text, quiet, timeout)
            }
            Framing::None => Ok(Vec::new()),
        }
    }

    /// Discard stale input, send `command`, and read its reply.
    pub fn ask(
        &mut self,
        command: &[u8],
        framing: Framing<'_>,
        timeout: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Vec<u8>, MeterError> {
        self.link.discard_input();
        self.send(command)?;
        self.read(framing, timeout, waiting)
    }

    /// [`Exchange::ask`] without progress reports.
    pub fn ask_quietly(
        &mut self,
        command: &[u8],
        framing: Framing<'_>,
        timeout: Duration,
    ) -> Result<Vec<u8>, MeterError> {
        self.ask(command, framing, timeout, &mut || {})
    }
}

/// Run `attempt` up to `attempts` times (at least once) while `retry` says
/// its error is worth another try; returns the first success or the last
/// error. Every family's retry (a UART error, auto-ranging, a first
/// contact that needs a second knock) goes through here.
pub fn with_retries<T>(
    attempts: usize,
    retry: impl Fn(&MeterError) -> bool,
    mut attempt: impl FnMut(usize) -> Result<T, MeterError>,
) -> Result<T, MeterError> {
    let mut n = 0;
    loop {
        match attempt(n) {
            Ok(v) => return Ok(v),
            Err(e) if n + 1 < attempts.max(1) && retry(&e) => n += 1,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MeterErrorKind;

    #[test]
    fn retries_only_what_is_worth_retrying() {
        let mut calls = 0;
        let r: Result<u32, _> = with_retries(
            3,
            |e| e.kind() == MeterErrorKind::Timeout,
            |_| {
                calls += 1;
                Err(MeterError::Timeout(Duration::ZERO))
            },
        );
        assert_eq!((r.unwrap_err().kind(), calls), (MeterErrorKind::Timeout, 3));
        let mut calls = 0;
        let r: Result<u32, _> = with_retries(
            3,
            |e| e.kind() == MeterErrorKind::Timeout,
            |_| {
                calls += 1;
                Err(MeterError::Device("x".into()))
            },
        );
        assert_eq!((r.unwrap_err().kind(), calls), (MeterErrorKind::Device, 1));
        let r = with_retries(
            5,
            |_| true,
            |n| if n == 2 { Ok(n) } else { Err(MeterError::Device("x".into())) },
        );
        assert_eq!(r.unwrap(), 2);
    }

    #[test]
    fn a_wait_never_overruns_its_deadline() {
        let d = Deadline::after(Duration::from_millis(30));
        let start = Instant::now();
        assert_eq!(d.sleep(Duration::from_secs(5)).unwrap_err().kind(), MeterErrorKind::Timeout);
        assert!(start.elapsed() < Duration::from_millis(500));
        assert!(d.left().is_zero());
        assert_eq!(d.cap(Duration::from_secs(1)), Duration::ZERO);
    }
}
