//! The byte transport every serial driver uses: a port opened with its
//! family's settings, every read bounded by a deadline, and framing by
//! terminator or by length with leftover bytes kept for the next frame.
//!
//! Drivers never rely on one `read()` returning one reply: a read can end in
//! the middle of a frame or carry the start of the next one (METERS.md §6.2),
//! and FTDI bridges deliver replies in 16 ms chunks (METERS.md §2.2.3).

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use serialport::{DataBits, FlowControl, Parity, SerialPort, StopBits};

use crate::MeterError;

/// Line settings of one instrument family (METERS.md §2.1).
///
/// A pseudo-terminal ignores all of these, so each family asserts its
/// constant against METERS.md in a unit test instead.
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

/// How often a waiting read reports that it is still waiting.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// Longest frame any supported meter sends in one reply; more bytes without
/// a terminator mean the port carries something else.
pub const MAX_FRAME_BYTES: usize = 4096;

/// An open serial port with a receive buffer.
pub struct Link {
    port: Box<dyn SerialPort>,
    name: String,
    pending: Vec<u8>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Link {
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
        let mut link = Self { port, name: path.to_owned(), pending: Vec::new() };
        if settings.assert_rts_dtr {
            // A pseudo-terminal has no modem lines and refuses the ioctl; a
            // real adapter accepts it. Failing here would make the meter
            // untestable without hardware, and a real port that refuses
            // RTS/DTR shows up as a no-reply timeout with its own hint.
            let _ = link.port.write_request_to_send(true);
            let _ = link.port.write_data_terminal_ready(true);
        }
        link.port.clear(serialport::ClearBuffer::All).ok();
        Ok(link)
    }

    /// The port's name, as given to [`Link::open`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Send bytes.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), MeterError> {
        self.port.write_all(bytes).map_err(|e| self.io_error(e))?;
        // serialport reports a failed tcdrain without its errno; on a port
        // we just wrote to, that failure is the device going away (EIO on a
        // pulled USB adapter or a closed pty).
        self.port.flush().map_err(|e| MeterError::Disconnected(format!("{}: {e}", self.name)))
    }

    /// Send bytes one at a time with `gap` between them, for meters whose
    /// firmware drops characters that arrive back to back (PR-655/670).
    pub fn send_paced(&mut self, bytes: &[u8], gap: Duration) -> Result<(), MeterError> {
        for (i, b) in bytes.iter().enumerate() {
            if i > 0 {
                std::thread::sleep(gap);
            }
            self.send(std::slice::from_ref(b))?;
        }
        Ok(())
    }

    /// Forget anything received but not yet read (stale replies).
    pub fn discard_input(&mut self) {
        self.pending.clear();
        self.port.clear(serialport::ClearBuffer::Input).ok();
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
        // `set_timeout` only stores a value on Unix; poll() then returns as
        // soon as a byte arrives, so this is not a fixed wait.
        let slice = (deadline - now).min(PROGRESS_INTERVAL);
        self.port.set_timeout(slice).map_err(|e| MeterError::Io(e.into()))?;
        let mut buf = [0u8; 512];
        match self.port.read(&mut buf) {
            Ok(0) => Err(MeterError::Disconnected(format!("{} closed", self.name))),
            Ok(n) => {
                self.pending.extend_from_slice(&buf[..n]);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                if Instant::now() >= deadline {
                    Err(MeterError::Timeout(budget))
                } else {
                    waiting();
                    Ok(())
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(self.io_error(e)),
        }
    }

    fn io_error(&self, e: io::Error) -> MeterError {
        if is_hangup(&e) {
            MeterError::Disconnected(format!("{}: {e}", self.name))
        } else {
            MeterError::Io(e)
        }
    }
}

/// A hang-up as the OS reports it: POLLHUP (serialport's BrokenPipe), EOF,
/// or EIO once the other end of a pty or a USB adapter is gone.
fn is_hangup(e: &io::Error) -> bool {
    const EIO: i32 = 5;
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::NotConnected
    ) || e.raw_os_error() == Some(EIO)
        || e.to_string().contains("Input/output error")
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
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
        let err = Link::open("/dev/monqc-no-such-port", &settings).unwrap_err();
        assert_eq!(err.kind(), crate::MeterErrorKind::NotFound, "{err}");
    }
}
