//! The byte transport every serial driver uses: a port opened with its
//! family's settings, every read bounded by a deadline, and framing by
//! terminator or by length with leftover bytes kept for the next frame.
//!
//! Drivers never rely on one `read()` returning one reply: a read can end in
//! the middle of a frame or carry the start of the next one, and FTDI
//! bridges deliver replies in chunks up to 16 ms apart (PROTOCOLS.md,
//! "Every serial family").
//!
//! The bytes travel through a [`Transport`]: a real serial port
//! ([`SerialTransport`]), one end of an in-memory duplex for simulated
//! meters on any platform ([`crate::duplex`]), or a recorded transcript
//! being replayed ([`crate::transcript::Replay`]). A [`Link`] can record
//! every byte both ways into a [`crate::transcript::Recorder`].

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use serialport::{DataBits, FlowControl, Parity, SerialPort, StopBits};

use crate::MeterError;
use crate::transcript::Recorder;

/// Line settings of one instrument family (PROTOCOLS.md, per family).
///
/// A pseudo-terminal or an in-memory link ignores all of these, so each
/// family asserts its constant against PROTOCOLS.md in a unit test instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortSettings {
    /// Baud rate.
    pub baud: u32,
    /// Data bits per character.
    pub data_bits: DataBits,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: StopBits,
    /// Raise RTS and DTR after opening (the Konica Minolta LS/CS meters need
    /// both asserted).
    pub assert_rts_dtr: bool,
}

impl std::fmt::Display for PortSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bits = match self.data_bits {
            DataBits::Five => 5,
            DataBits::Six => 6,
            DataBits::Seven => 7,
            DataBits::Eight => 8,
        };
        let parity = match self.parity {
            Parity::None => "no",
            Parity::Odd => "odd",
            Parity::Even => "even",
        };
        let stop = match self.stop_bits {
            StopBits::One => 1,
            StopBits::Two => 2,
        };
        write!(f, "{} baud, {bits} data bits, {parity} parity, {stop} stop bits", self.baud)?;
        if self.assert_rts_dtr {
            f.write_str(", RTS and DTR raised")?;
        }
        Ok(())
    }
}

/// How often a waiting read reports that it is still waiting.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// Longest frame any supported meter sends in one reply; more bytes without
/// a terminator mean the port carries something else.
pub const MAX_FRAME_BYTES: usize = 4096;

/// Something bytes travel through: a serial port, an in-memory duplex, or a
/// transcript being replayed.
pub trait Transport: Send {
    /// Write all of `bytes` and wait until they have left.
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// Read whatever is available into `buf`, waiting at most `timeout`
    /// for the first byte. Returns `Ok(0)` when the other end has closed,
    /// and an error of kind [`io::ErrorKind::TimedOut`] when nothing came.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;

    /// Drop anything received and not yet read.
    fn clear_input(&mut self);

    /// Raise or lower RTS and DTR, where the transport has modem lines.
    fn set_modem_lines(&mut self, _rts: bool, _dtr: bool) -> io::Result<()> {
        Ok(())
    }
}

/// A real serial port (or a pseudo-terminal) through the `serialport` crate.
pub struct SerialTransport(Box<dyn SerialPort>);

impl SerialTransport {
    /// Open `path` exclusively with `settings`.
    pub fn open(path: &str, settings: &PortSettings) -> Result<Self, MeterError> {
        let port = serialport::new(path, settings.baud)
            .data_bits(settings.data_bits)
            .parity(settings.parity)
            .stop_bits(settings.stop_bits)
            .flow_control(FlowControl::None)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| open_error(path, e))?;
        Ok(Self(port))
    }

    /// Wrap a port opened elsewhere.
    pub fn from_port(port: Box<dyn SerialPort>) -> Self {
        Self(port)
    }
}

impl Transport for SerialTransport {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes)?;
        self.0.flush()
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        // `set_timeout` only stores a value on Unix; poll() then returns as
        // soon as a byte arrives, so this is not a fixed wait.
        self.0.set_timeout(timeout).map_err(io::Error::from)?;
        self.0.read(buf)
    }

    fn clear_input(&mut self) {
        self.0.clear(serialport::ClearBuffer::Input).ok();
    }

    fn set_modem_lines(&mut self, rts: bool, dtr: bool) -> io::Result<()> {
        self.0.write_request_to_send(rts).map_err(io::Error::from)?;
        self.0.write_data_terminal_ready(dtr).map_err(io::Error::from)
    }
}

/// An open transport with a receive buffer.
pub struct Link {
    transport: Box<dyn Transport>,
    name: String,
    pending: Vec<u8>,
    recorder: Option<Recorder>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Link {
    /// Open the serial port `path` exclusively with `settings`.
    pub fn open(path: &str, settings: &PortSettings) -> Result<Self, MeterError> {
        Self::open_recorded(path, settings, None)
    }

    /// [`Link::open`], recording every byte into `recorder` when given.
    pub fn open_recorded(
        path: &str,
        settings: &PortSettings,
        recorder: Option<Recorder>,
    ) -> Result<Self, MeterError> {
        let transport = SerialTransport::open(path, settings)?;
        let mut link = Self::over(Box::new(transport), path, settings, recorder);
        // A freshly opened port may hold bytes from before we owned it.
        link.transport.clear_input();
        Ok(link)
    }

    /// A link over any transport, named `name`, with the family's
    /// `settings` (applied where the transport has modem lines, and
    /// written to the transcript).
    pub fn over(
        transport: Box<dyn Transport>,
        name: &str,
        settings: &PortSettings,
        recorder: Option<Recorder>,
    ) -> Self {
        let mut link = Self { transport, name: name.to_owned(), pending: Vec::new(), recorder };
        if let Some(r) = &link.recorder {
            r.port(name, settings);
        }
        if settings.assert_rts_dtr {
            // A pseudo-terminal has no modem lines and refuses the ioctl; a
            // real adapter accepts it. Failing here would make the meter
            // untestable without hardware, and a real port that refuses
            // RTS/DTR shows up as a no-reply timeout with its own hint.
            let _ = link.transport.set_modem_lines(true, true);
        }
        link
    }

    /// The port's name, as given when opening.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The recorder this link writes to, if any.
    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    /// Send bytes.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), MeterError> {
        if let Some(r) = &self.recorder {
            r.sent(bytes);
        }
        self.transport.write_all(bytes).map_err(|e| {
            // serialport reports a failed tcdrain without its errno; on a
            // port we just wrote to, that failure is the device going away
            // (EIO on a pulled USB adapter or a closed pty).
            if e.kind() == io::ErrorKind::Other {
                MeterError::Disconnected(format!("{}: {e}", self.name))
            } else {
                self.io_error(e)
            }
        })
    }

    /// Forget anything received but not yet read (stale replies).
    pub fn discard_input(&mut self) {
        if let Some(r) = &self.recorder {
            r.cleared(&self.pending);
        }
        self.pending.clear();
        self.transport.clear_input();
    }

    /// Read up to and including the first `terminator`, waiting at most
    /// `timeout` for it.
    pub fn read_until(
        &mut self,
        terminator: &[u8],
        timeout: Duration,
    ) -> Result<Vec<u8>, MeterError> {
        self.read_until_reporting(terminator, timeout, &mut || {})
    }

    /// [`Link::read_until`], calling `waiting` about every
    /// [`PROGRESS_INTERVAL`] while nothing arrives (the meter integrates).
    pub fn read_until_reporting(
        &mut self,
        terminator: &[u8],
        timeout: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Vec<u8>, MeterError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(end) = find(&self.pending, terminator) {
                return Ok(self.pending.drain(..end + terminator.len()).collect());
            }
            if self.pending.len() > MAX_FRAME_BYTES {
                let junk = std::mem::take(&mut self.pending);
                return Err(MeterError::Protocol(format!(
                    "{} bytes without a frame end from {} (starts {:?})",
                    junk.len(),
                    self.name,
                    String::from_utf8_lossy(&junk[..32])
                )));
            }
            self.fill(deadline, timeout, waiting)?;
        }
    }

    /// Read exactly `len` bytes, waiting at most `timeout` for all of them.
    pub fn read_exact(&mut self, len: usize, timeout: Duration) -> Result<Vec<u8>, MeterError> {
        self.read_exact_reporting(len, timeout, &mut || {})
    }

    /// [`Link::read_exact`], calling `waiting` about every
    /// [`PROGRESS_INTERVAL`] while nothing arrives.
    pub fn read_exact_reporting(
        &mut self,
        len: usize,
        timeout: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<Vec<u8>, MeterError> {
        let deadline = Instant::now() + timeout;
        while self.pending.len() < len {
            self.fill(deadline, timeout, waiting)?;
        }
        Ok(self.pending.drain(..len).collect())
    }

    /// Read until `text` has arrived (returning everything up to and
    /// including it), or until something arrived and then the line stayed
    /// quiet for `quiet` (returning what arrived), waiting at most
    /// `timeout` in all. For replies whose end is not marked (the PR-655's
    /// answer to `PHOTO`, PROTOCOLS.md).
    pub fn read_until_text_or_quiet(
        &mut self,
        text: &[u8],
        quiet: Duration,
        timeout: Duration,
    ) -> Result<Vec<u8>, MeterError> {
        let deadline = Instant::now() + timeout;
        let mut last_byte: Option<Instant> = (!self.pending.is_empty()).then(Instant::now);
        loop {
            if let Some(at) = find(&self.pending, text) {
                return Ok(self.pending.drain(..at + text.len()).collect());
            }
            if let Some(t) = last_byte
                && t.elapsed() >= quiet
            {
                return Ok(std::mem::take(&mut self.pending));
            }
            let before = self.pending.len();
            let now = Instant::now();
            if now >= deadline {
                return Err(MeterError::Timeout(timeout));
            }
            let slice = match last_byte {
                Some(t) => quiet.saturating_sub(t.elapsed()).min(deadline - now),
                None => deadline - now,
            };
            match self.fill_once(slice.max(Duration::from_millis(1))) {
                Ok(()) => {}
                Err(e) => return Err(e),
            }
            if self.pending.len() > before {
                last_byte = Some(Instant::now());
            }
        }
    }

    /// Whatever arrives within `timeout`, or nothing. For bridges that only
    /// need to know that the meter said *something*.
    pub fn read_any(&mut self, timeout: Duration) -> Result<Vec<u8>, MeterError> {
        let deadline = Instant::now() + timeout;
        if self.pending.is_empty() {
            match self.fill(deadline, timeout, &mut || {}) {
                Ok(()) | Err(MeterError::Timeout(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(std::mem::take(&mut self.pending))
    }

    /// Read and drop everything that arrives until the line has been quiet
    /// for `quiet`, for at most `limit`; returns what was dropped (a data
    /// stream left running, a late reply).
    pub fn drain(&mut self, quiet: Duration, limit: Duration) -> Result<Vec<u8>, MeterError> {
        let end = Instant::now() + limit;
        let mut dropped = std::mem::take(&mut self.pending);
        loop {
            let now = Instant::now();
            if now >= end {
                break;
            }
            let before = self.pending.len();
            self.fill_once(quiet.min(end - now))?;
            if self.pending.len() == before {
                break;
            }
            dropped.append(&mut self.pending);
        }
        if let Some(r) = &self.recorder
            && !dropped.is_empty()
        {
            r.note(&format!("drained {} bytes", dropped.len()));
        }
        Ok(dropped)
    }

    /// One read into the buffer, bounded by the deadline.
    fn fill(
        &mut self,
        deadline: Instant,
        budget: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<(), MeterError> {
        let now = Instant::now();
        if now >= deadline {
            return Err(MeterError::Timeout(budget));
        }
        let before = self.pending.len();
        self.fill_once((deadline - now).min(PROGRESS_INTERVAL))?;
        if self.pending.len() == before {
            if Instant::now() >= deadline {
                return Err(MeterError::Timeout(budget));
            }
            waiting();
        }
        Ok(())
    }

    /// One read of at most `slice`; a timeout is not an error here (the
    /// buffer simply did not grow).
    fn fill_once(&mut self, slice: Duration) -> Result<(), MeterError> {
        let mut buf = [0u8; 512];
        match self.transport.read(&mut buf, slice) {
            Ok(0) => Err(MeterError::Disconnected(format!("{} closed", self.name))),
            Ok(n) => {
                if let Some(r) = &self.recorder {
                    r.received(&buf[..n]);
                }
                self.pending.extend_from_slice(&buf[..n]);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(self.io_error(e)),
        }
    }

    fn io_error(&self, e: io::Error) -> MeterError {
        if is_hangup(&e) {
            MeterError::Disconnected(format!("{}: {e}", self.name))
        } else if e.kind() == io::ErrorKind::InvalidData {
            // A replayed transcript that the driver left: the message says where.
            MeterError::Protocol(format!("{}: {e}", self.name))
        } else {
            MeterError::Io(e)
        }
    }
}

/// A hang-up as the OS reports it: POLLHUP (serialport's BrokenPipe), EOF,
/// or (on Unix) EIO once the other end of a pty or a USB adapter is gone.
fn is_hangup(e: &io::Error) -> bool {
    let kind = matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::NotConnected
    );
    #[cfg(unix)]
    let os = {
        const EIO: i32 = 5;
        e.raw_os_error() == Some(EIO) || e.to_string().contains("Input/output error")
    };
    // Windows reports a removed USB serial adapter as ERROR_ACCESS_DENIED (5)
    // or ERROR_BAD_COMMAND (22) on the next read or write.
    #[cfg(windows)]
    let os = matches!(e.raw_os_error(), Some(5 | 22));
    #[cfg(not(any(unix, windows)))]
    let os = false;
    kind || os
}

fn open_error(path: &str, e: serialport::Error) -> MeterError {
    use serialport::ErrorKind as K;
    match e.kind {
        // serialport reports EBUSY (TIOCEXCL held by another program) as NoDevice.
        K::NoDevice => MeterError::Busy(format!("{path}: {}", e.description)),
        K::Io(io::ErrorKind::NotFound) => MeterError::NotFound(path.to_owned()),
        K::Io(io::ErrorKind::PermissionDenied) => MeterError::PermissionDenied(path.to_owned()),
        _ => MeterError::Io(io::Error::other(format!("{path}: {}", e.description))),
    }
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_terminator_split_across_the_buffer() {
        assert_eq!(find(b"OK00\r\n", b"\r\n"), Some(4));
        assert_eq!(find(b"OK00\r", b"\r\n"), None);
        assert_eq!(find(b"", b"\n"), None);
    }

    #[test]
    fn a_missing_port_is_not_found() {
        let settings = PortSettings {
            baud: 9600,
            data_bits: DataBits::Eight,
            parity: Parity::None,
            stop_bits: StopBits::One,
            assert_rts_dtr: false,
        };
        #[cfg(unix)]
        let missing = "/dev/monqc-no-such-port";
        #[cfg(windows)]
        let missing = "COM249";
        let err = Link::open(missing, &settings).unwrap_err();
        assert_eq!(err.kind(), crate::MeterErrorKind::NotFound, "{err}");
    }

    #[test]
    fn settings_print_for_people() {
        let s = PortSettings {
            baud: 4800,
            data_bits: DataBits::Seven,
            parity: Parity::Even,
            stop_bits: StopBits::Two,
            assert_rts_dtr: true,
        };
        assert_eq!(
            s.to_string(),
            "4800 baud, 7 data bits, even parity, 2 stop bits, RTS and DTR raised"
        );
    }
}
