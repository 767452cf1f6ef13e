//! Transcripts: every byte between host and meter, both ways, with
//! timestamps, in a plain-text file a user can attach to a bug report; and
//! a replayer that feeds such a file back to a driver.
//!
//! # Format (version 1)
//!
//! UTF-8 text, one item per line. A header, a line `---`, then events:
//!
//! ```text
//! monqc meter transcript 1
//! version: monqc 0.1.0
//! meter: ls100:/dev/ttyUSB0
//! started: 1767225600.125
//! ---
//! 0.000000 port /dev/ttyUSB0 | 4800 baud, 7 data bits, even parity, 2 stop bits, RTS and DTR raised
//! 0.000052 clear ""
//! 0.000061 > "MDS,04\r\n"
//! 0.041377 < "OK00\r\n"
//! 0.041500 note drained 12 bytes
//! ```
//!
//! - Header lines are `key: value`. `version` is the string the caller
//!   gave (the application's version), `meter` names the meter as the user
//!   selected it, `started` is the wall-clock start in seconds since
//!   1970-01-01 UTC. Unknown keys are kept and ignored.
//! - Each event starts with the time in seconds since the start (6
//!   decimals, from a monotonic clock), a blank, a tag and a payload:
//!   - `port NAME | SETTINGS`: the link was opened with these settings;
//!   - `> "BYTES"`: bytes the host sent to the meter;
//!   - `< "BYTES"`: bytes the host received from the meter, as they were
//!     read (one event per read, so FTDI-sized pieces stay visible);
//!   - `clear "BYTES"`: the host discarded its unread input here; the
//!     payload is what it had received and not used (often empty);
//!   - `note TEXT`: anything else worth knowing (a drained stream, a
//!     program started by a bridge).
//! - `BYTES` is quoted: printable ASCII stands for itself except `"` and
//!   `\`, which are written `\"` and `\\`; CR, LF and TAB are `\r`, `\n`,
//!   `\t`; every other byte is `\xHH` (two hex digits). Binary replies (the
//!   K-10's numbers) therefore survive exactly.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::link::{PortSettings, Transport};

/// The first line of every transcript.
pub const MAGIC: &str = "monqc meter transcript 1";

/// What the caller tells the transcript about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptHeader {
    /// The application and its version, e.g. `monqc 0.1.0`.
    pub version: String,
    /// The meter as the user selected it, e.g. `ls100:/dev/ttyUSB0`.
    pub meter: String,
}

struct Sink {
    start: Instant,
    out: Box<dyn Write + Send>,
    error: Option<io::Error>,
}

/// Records the bytes of one or more links. Cheap to clone; every clone
/// writes to the same file. Each event is written and flushed at once, so
/// a crash loses nothing that was already exchanged.
#[derive(Clone)]
pub struct Recorder(Arc<Mutex<Sink>>);

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Recorder {
    /// Create (or replace) the transcript file at `path`.
    pub fn create(path: &Path, header: &TranscriptHeader) -> io::Result<Self> {
        let file = std::fs::File::create(path)?;
        Self::to_writer(Box::new(io::BufWriter::new(file)), header)
    }

    /// Record into any writer (a buffer in tests).
    pub fn to_writer(
        mut out: Box<dyn Write + Send>,
        header: &TranscriptHeader,
    ) -> io::Result<Self> {
        let started = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        writeln!(out, "{MAGIC}")?;
        writeln!(out, "version: {}", one_line(&header.version))?;
        writeln!(out, "meter: {}", one_line(&header.meter))?;
        writeln!(out, "started: {}.{:03}", started.as_secs(), started.subsec_millis())?;
        writeln!(out, "---")?;
        out.flush()?;
        Ok(Self(Arc::new(Mutex::new(Sink { start: Instant::now(), out, error: None }))))
    }

    /// Record into a shared in-memory buffer; returns the recorder and the
    /// buffer (read it with [`MemorySink::text`]).
    pub fn in_memory(header: &TranscriptHeader) -> (Self, MemorySink) {
        let sink = MemorySink::default();
        let recorder =
            Self::to_writer(Box::new(sink.clone()), header).expect("writing to memory cannot fail");
        (recorder, sink)
    }

    fn event(&self, tag: &str, payload: &str) {
        let mut sink = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if sink.error.is_some() {
            return;
        }
        let t = sink.start.elapsed().as_secs_f64();
        let result = writeln!(sink.out, "{t:.6} {tag} {payload}").and_then(|()| sink.out.flush());
        if let Err(e) = result {
            sink.error = Some(e);
        }
    }

    /// A link was opened with `settings`.
    pub fn port(&self, name: &str, settings: &PortSettings) {
        self.event("port", &format!("{} | {settings}", one_line(name)));
    }

    /// The host sent `bytes`.
    pub fn sent(&self, bytes: &[u8]) {
        self.event(">", &quote(bytes));
    }

    /// The host received `bytes`.
    pub fn received(&self, bytes: &[u8]) {
        self.event("<", &quote(bytes));
    }

    /// The host discarded its unread input, of which it had received
    /// `unread`.
    pub fn cleared(&self, unread: &[u8]) {
        self.event("clear", &quote(unread));
    }

    /// A free-text note.
    pub fn note(&self, text: &str) {
        self.event("note", &one_line(text));
    }

    /// The first write error, if any happened. A transcript must never stop
    /// a measurement, so errors are kept here for the caller to report.
    pub fn finish(&self) -> io::Result<()> {
        let mut sink = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = sink.error.take() {
            return Err(e);
        }
        sink.out.flush()
    }
}

/// A shared in-memory transcript buffer.
#[derive(Clone, Default)]
pub struct MemorySink(Arc<Mutex<Vec<u8>>>);

impl MemorySink {
    /// The transcript written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

impl Write for MemorySink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

/// Bytes in the transcript's quoted form.
pub fn quote(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7E => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02X}");
            }
        }
    }
    s.push('"');
    s
}

/// The bytes a quoted payload stands for.
pub fn unquote(text: &str) -> Result<Vec<u8>, String> {
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(|| format!("payload is not quoted: {text:?}"))?;
    let mut out = Vec::with_capacity(inner.len());
    let mut chars = inner.bytes();
    while let Some(c) = chars.next() {
        if c != b'\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(b'"') => out.push(b'"'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'x') => {
                let hex: Vec<u8> = chars.by_ref().take(2).collect();
                let h = std::str::from_utf8(&hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .filter(|_| hex.len() == 2)
                    .ok_or_else(|| format!("bad \\x escape in {text:?}"))?;
                out.push(h);
            }
            other => return Err(format!("unknown escape {other:?} in {text:?}")),
        }
    }
    Ok(out)
}

/// Who an event is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The link was opened: the port's name and its settings as text.
    Port(String),
    /// Bytes the host sent.
    Sent(Vec<u8>),
    /// Bytes the host received.
    Received(Vec<u8>),
    /// The host discarded its input, having left these bytes unread.
    Cleared(Vec<u8>),
    /// A note.
    Note(String),
}

/// One timed event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Time since the transcript started.
    pub at: Duration,
    /// What happened.
    pub kind: EventKind,
    /// The line it came from (1-based), for messages.
    pub line: usize,
}

/// A transcript read back from its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// Every `key: value` header line, in order.
    pub header: Vec<(String, String)>,
    /// The events, in order.
    pub events: Vec<Event>,
}

/// Why a transcript could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// The file could not be read.
    #[error("cannot read the transcript: {0}")]
    Io(#[from] io::Error),
    /// A line is not of the format.
    #[error("transcript line {line}: {message}")]
    Format {
        /// The line number (1-based).
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

impl Transcript {
    /// Read a transcript file.
    pub fn read(path: &Path) -> Result<Self, TranscriptError> {
        Self::parse(&std::fs::read_to_string(path)?)
    }

    /// Parse transcript text.
    pub fn parse(text: &str) -> Result<Self, TranscriptError> {
        let bad = |line: usize, message: String| TranscriptError::Format { line, message };
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, MAGIC)) => {}
            _ => return Err(bad(1, format!("the first line must be {MAGIC:?}"))),
        }
        let mut header = Vec::new();
        for (n, line) in lines.by_ref() {
            if line == "---" {
                break;
            }
            let (k, v) = line
                .split_once(": ")
                .ok_or_else(|| bad(n, "a header line is `key: value`".into()))?;
            header.push((k.to_owned(), v.to_owned()));
        }
        let mut events = Vec::new();
        for (n, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let (time, rest) = line
                .split_once(' ')
                .ok_or_else(|| bad(n, "an event needs a time and a tag".into()))?;
            let seconds: f64 =
                time.parse().map_err(|_| bad(n, format!("{time:?} is not a time in seconds")))?;
            if !seconds.is_finite() || seconds < 0.0 {
                return Err(bad(n, format!("{time:?} is not a time in seconds")));
            }
            let (tag, payload) = rest.split_once(' ').unwrap_or((rest, ""));
            let bytes = |p: &str| unquote(p).map_err(|m| bad(n, m));
            let kind = match tag {
                "port" => EventKind::Port(payload.to_owned()),
                ">" => EventKind::Sent(bytes(payload)?),
                "<" => EventKind::Received(bytes(payload)?),
                "clear" => EventKind::Cleared(bytes(payload)?),
                "note" => EventKind::Note(payload.to_owned()),
                other => return Err(bad(n, format!("unknown event tag {other:?}"))),
            };
            events.push(Event { at: Duration::from_secs_f64(seconds), kind, line: n });
        }
        Ok(Self { header, events })
    }

    /// A header value.
    pub fn header(&self, key: &str) -> Option<&str> {
        self.header.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every byte the host sent, in order.
    pub fn sent(&self) -> Vec<u8> {
        self.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Sent(b) => Some(b.as_slice()),
                _ => None,
            })
            .flatten()
            .copied()
            .collect()
    }
}

/// How far a replay got, readable while a driver runs it.
#[derive(Clone, Default)]
pub struct ReplayProgress(Arc<Mutex<ReplayState>>);

#[derive(Default)]
struct ReplayState {
    events: Vec<Event>,
    cursor: usize,
    /// Bytes of the current `>` event already matched.
    matched: usize,
    available: std::collections::VecDeque<u8>,
}

impl ReplayProgress {
    /// Whether every event of the transcript has been played.
    pub fn finished(&self) -> bool {
        let s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        s.events[s.cursor..]
            .iter()
            .all(|e| !matches!(e.kind, EventKind::Sent(_) | EventKind::Received(_)))
            && s.available.is_empty()
    }
}

/// A [`Transport`] that plays a recorded meter back to a driver: it checks
/// that the driver sends exactly the recorded bytes, and answers with the
/// recorded replies as soon as the driver has sent what preceded them.
/// Sending anything else is an [`io::ErrorKind::InvalidData`] error naming
/// the transcript line; after the last recorded reply the meter is silent.
pub struct Replay {
    state: ReplayProgress,
}

impl Replay {
    /// Play `transcript`.
    pub fn new(transcript: &Transcript) -> Self {
        let events = transcript
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::Sent(_) | EventKind::Received(_) | EventKind::Cleared(_)
                )
            })
            .cloned()
            .collect();
        let state = ReplayState { events, ..ReplayState::default() };
        Self { state: ReplayProgress(Arc::new(Mutex::new(state))) }
    }

    /// A handle to see how far the replay got.
    pub fn progress(&self) -> ReplayProgress {
        self.state.clone()
    }
}

impl ReplayState {
    /// Make every reply that is due (no `>` or `clear` before it) readable.
    fn release_replies(&mut self) {
        while let Some(Event { kind: EventKind::Received(bytes), .. }) =
            self.events.get(self.cursor)
        {
            self.available.extend(bytes.iter().copied());
            self.cursor += 1;
        }
    }
}

impl Transport for Replay {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut s = self.state.0.lock().unwrap_or_else(|p| p.into_inner());
        for (i, &b) in bytes.iter().enumerate() {
            // The driver may skip a recorded discard; that changes nothing
            // the meter sees.
            while let Some(Event { kind: EventKind::Cleared(_), .. }) = s.events.get(s.cursor) {
                s.cursor += 1;
            }
            let (line, expected) = match s.events.get(s.cursor) {
                Some(Event { kind: EventKind::Sent(e), line, .. }) => (*line, e.clone()),
                Some(e) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "replay: the driver sent {} where the transcript (line {}) has the meter answer first",
                            quote(&bytes[i..]),
                            e.line
                        ),
                    ));
                }
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "replay: the driver sent {} after the transcript ended",
                            quote(&bytes[i..])
                        ),
                    ));
                }
            };
            if expected[s.matched] != b {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "replay: the driver sent {} where the transcript (line {line}) has {}",
                        quote(&bytes[i..]),
                        quote(&expected[s.matched..])
                    ),
                ));
            }
            s.matched += 1;
            if s.matched == expected.len() {
                s.matched = 0;
                s.cursor += 1;
                s.release_replies();
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        {
            let mut s = self.state.0.lock().unwrap_or_else(|p| p.into_inner());
            s.release_replies();
            if !s.available.is_empty() {
                let n = buf.len().min(s.available.len());
                for (slot, b) in buf.iter_mut().zip(s.available.drain(..n)) {
                    *slot = b;
                }
                return Ok(n);
            }
        }
        // Nothing due: the recorded meter was silent here.
        std::thread::sleep(timeout.min(Duration::from_millis(20)));
        Err(io::Error::new(io::ErrorKind::TimedOut, "the recorded meter said nothing here"))
    }

    fn clear_input(&mut self) {
        let mut s = self.state.0.lock().unwrap_or_else(|p| p.into_inner());
        s.available.clear();
        if let Some(Event { kind: EventKind::Cleared(_), .. }) = s.events.get(s.cursor) {
            s.cursor += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header() -> TranscriptHeader {
        TranscriptHeader { version: "monqc 0.1.0".into(), meter: "ls100:/dev/ttyUSB0".into() }
    }

    #[test]
    fn records_and_reads_back_every_kind_of_event() {
        let (r, sink) = Recorder::in_memory(&header());
        let settings = crate::konica_ls::codec::PORT;
        r.port("/dev/ttyUSB0", &settings);
        r.cleared(b"");
        r.sent(b"MDS,04\r\n");
        r.received(b"OK00\r\n");
        r.received(&[0x4E, 0x35, 0x0D, 0x3E, 0xFF, b'"', b'\\']);
        r.note("drained 3 bytes");
        r.finish().unwrap();
        let text = sink.text();
        assert!(text.starts_with(
            "monqc meter transcript 1\nversion: monqc 0.1.0\nmeter: ls100:/dev/ttyUSB0\nstarted: "
        ));
        assert!(text.contains(" > \"MDS,04\\r\\n\"\n"), "{text}");
        assert!(text.contains(" < \"N5\\r>\\xFF\\\"\\\\\"\n"), "{text}");
        assert!(text.contains(" port /dev/ttyUSB0 | 4800 baud, 7 data bits, even parity, 2 stop bits, RTS and DTR raised\n"));
        let t = Transcript::parse(&text).unwrap();
        assert_eq!(t.header("version"), Some("monqc 0.1.0"));
        let kinds: Vec<_> = t.events.iter().map(|e| e.kind.clone()).collect();
        assert_eq!(kinds[1], EventKind::Cleared(Vec::new()));
        assert_eq!(kinds[2], EventKind::Sent(b"MDS,04\r\n".to_vec()));
        assert_eq!(kinds[4], EventKind::Received(vec![0x4E, 0x35, 0x0D, 0x3E, 0xFF, b'"', b'\\']));
        assert_eq!(kinds[5], EventKind::Note("drained 3 bytes".into()));
        assert!(t.events.windows(2).all(|w| w[0].at <= w[1].at));
    }

    #[test]
    fn malformed_transcripts_name_the_line() {
        let err = Transcript::parse("hello\n").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let err = Transcript::parse(&format!("{MAGIC}\n---\n0.1 > MES\n")).unwrap_err();
        assert!(err.to_string().contains("line 3") && err.to_string().contains("quoted"), "{err}");
        let err = Transcript::parse(&format!("{MAGIC}\n---\n0.1 ? \"x\"\n")).unwrap_err();
        assert!(err.to_string().contains("unknown event tag"), "{err}");
        let err = Transcript::parse(&format!("{MAGIC}\n---\nsoon > \"x\"\n")).unwrap_err();
        assert!(err.to_string().contains("not a time"), "{err}");
    }

    #[test]
    fn replay_answers_in_order_and_refuses_other_bytes() {
        let text = format!(
            "{MAGIC}\nversion: x\n---\n0.0 clear \"\"\n0.1 > \"MES\\r\\n\"\n0.2 < \"OK00,\"\n0.3 < \" 1.0\\r\\n\"\n0.4 > \"MES\\r\\n\"\n"
        );
        let t = Transcript::parse(&text).unwrap();
        let mut replay = Replay::new(&t);
        let progress = replay.progress();
        let mut buf = [0u8; 64];
        // Nothing to read before the host has asked.
        assert_eq!(
            replay.read(&mut buf, Duration::from_millis(1)).unwrap_err().kind(),
            io::ErrorKind::TimedOut
        );
        replay.clear_input();
        replay.write_all(b"ME").unwrap();
        replay.write_all(b"S\r\n").unwrap();
        let n = replay.read(&mut buf, Duration::from_millis(1)).unwrap();
        assert_eq!(&buf[..n], b"OK00, 1.0\r\n");
        let err = replay.write_all(b"MDS,04\r\n").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("line 8"), "{err}");
        assert!(!progress.finished());
    }

    proptest! {
        #[test]
        fn any_bytes_survive_quoting(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(unquote(&quote(&bytes)).unwrap(), bytes);
        }

        #[test]
        fn parsing_never_panics(text in "[ -~\n]{0,200}") {
            let _ = Transcript::parse(&format!("{MAGIC}\n---\n{text}"));
        }
    }
}
