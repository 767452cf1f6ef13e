//! Simulated twins: devices that speak a meter family's bytes, so that the
//! real driver talks to them through its real codec, framing and timeouts.
//!
//! A twin is a state machine ([`DeviceTwin`]) fed the bytes the host wrote;
//! it answers with [`TwinAction`]s. The same twin runs on either side of:
//! - a pseudo-terminal ([`spawn`], Unix only), so that the `serialport`
//!   open, configure, read and write path runs as with a real meter;
//! - an in-memory duplex ([`spawn_in_memory`], every platform), which is
//!   what the simulated meters use on Windows, where there are no ptys.
//!
//! Faults that every family shares (silence, garbage, late replies, a
//! hang-up in the middle of a reading) are injected here by [`Fault`], so
//! each family only models its own protocol, error replies, range and
//! timing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::link::Transport;
use crate::{MeterError, Scene, Stimulus};

/// What a twin does in answer to input.
#[derive(Clone, Debug, PartialEq)]
pub enum TwinAction {
    /// Write these bytes to the host.
    Send(Vec<u8>),
    /// Integrate light for this long before the next action; counted in
    /// [`TwinStats::integration`].
    Integrate(Duration),
    /// A free-running meter finished a new sample in the background, having
    /// integrated for this long: counted like [`TwinAction::Integrate`] but
    /// no wait, since the meter measured while the host was doing other
    /// things.
    Sampled(Duration),
    /// Wait this long (a protocol delay that is not integration).
    Wait(Duration),
}

/// A simulated instrument: bytes in, actions out.
pub trait DeviceTwin: Send {
    /// Handle bytes the host wrote (any chunking; the twin buffers).
    fn on_input(&mut self, bytes: &[u8]) -> Vec<TwinAction>;

    /// Called about every 20 ms while the host is silent, for meters that
    /// talk on their own (a data stream left running).
    fn on_idle(&mut self) -> Vec<TwinAction> {
        Vec::new()
    }
}

/// Which variant of a family's twin to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TwinVariant {
    /// The twin as first written from the team's notes: it speaks the forms
    /// the drivers were written for.
    #[default]
    Notes,
    /// The strict twin: wherever the notes assumed a form, it speaks what
    /// the public documents say instead (reply forms, first-contact
    /// behaviour, status codes; PROTOCOLS.md lists each per family).
    Documented,
}

/// A fault injected between the twin and the wire.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Fault {
    /// No fault.
    #[default]
    None,
    /// Never answer (meter off, or not in remote mode).
    Silent,
    /// Answer every command with bytes that follow no protocol.
    Garbage,
    /// Answer, but only after this extra delay.
    Late(Duration),
    /// Close the port when the first measurement starts integrating (cable
    /// pulled mid-reading).
    HangUpMidReading,
    /// Close the port when reading number `n` (1-based) starts integrating:
    /// a cable pulled part-way through a sequence.
    HangUpAtReading(u32),
    /// Deliver every reply in pieces of this many bytes, 16 ms apart, as an
    /// FTDI bridge with its default latency timer does.
    Chunked(usize),
    /// Send only the first half of every reply, then nothing.
    Truncated,
}

/// The FTDI latency timer's default (PROTOCOLS.md, "Every serial family").
const FTDI_LATENCY: Duration = Duration::from_millis(16);

/// Counters a benchmark reads to compare wall time with the meter's own time.
#[derive(Debug, Default)]
pub struct TwinStats {
    integration_ns: AtomicU64,
    integrations: AtomicU64,
}

impl TwinStats {
    /// Total time the twin spent integrating.
    pub fn integration(&self) -> Duration {
        Duration::from_nanos(self.integration_ns.load(Ordering::Relaxed))
    }

    /// Number of integrations (one per measurement command).
    pub fn integrations(&self) -> u64 {
        self.integrations.load(Ordering::Relaxed)
    }
}

/// A running twin. Dropping it stops the thread and closes the pty.
#[derive(Debug)]
pub struct TwinHandle {
    path: String,
    stop: Arc<AtomicBool>,
    stats: Arc<TwinStats>,
    thread: Option<JoinHandle<()>>,
}

impl TwinHandle {
    /// The device path the driver opens (the pty's slave side), or
    /// `memory:N` for an in-memory twin.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Timing counters.
    pub fn stats(&self) -> &TwinStats {
        &self.stats
    }
}

impl Drop for TwinHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `TTYPort::pair()` is not thread-safe (serialport's own tests say so), so
/// every pty in this process is made under one lock.
#[cfg(unix)]
static PTY_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Start `twin` on a new pseudo-terminal with `fault` injected. The driver
/// opens [`TwinHandle::path`] as it would a real port.
#[cfg(unix)]
pub fn spawn(twin: Box<dyn DeviceTwin>, fault: Fault) -> Result<TwinHandle, MeterError> {
    let (mut master, slave) = {
        let _guard = PTY_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        serialport::TTYPort::pair()
            .map_err(|e| MeterError::Io(std::io::Error::other(e.description)))?
    };
    let path = serialport::SerialPort::name(&slave)
        .ok_or_else(|| MeterError::Io(std::io::Error::other("pty without a name")))?;
    serialport::SerialPort::set_timeout(&mut master, Duration::from_millis(20))
        .map_err(|e| MeterError::Io(std::io::Error::other(e.description)))?;
    let end = crate::link::SerialTransport::from_port(Box::new(master));
    // The pair's own slave handle stays open for the thread's life: with no
    // slave fd open, reads on the master fail.
    start(Box::new(end), twin, fault, path, Some(Box::new(slave)))
}

/// Start `twin` on an in-memory duplex with `fault` injected; returns the
/// handle and the host's end, for [`crate::link::Link::over`]. Works on
/// every platform.
pub fn spawn_in_memory(
    twin: Box<dyn DeviceTwin>,
    fault: Fault,
) -> Result<(TwinHandle, crate::duplex::DuplexEnd), MeterError> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let (host, device) = crate::duplex::pair();
    let name = format!("memory:{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let handle = start(Box::new(device), twin, fault, name, None)?;
    Ok((handle, host))
}

fn start(
    end: Box<dyn Transport>,
    twin: Box<dyn DeviceTwin>,
    fault: Fault,
    path: String,
    keep_alive: Option<Box<dyn Send>>,
) -> Result<TwinHandle, MeterError> {
    let stop = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(TwinStats::default());
    let thread = {
        let stop = stop.clone();
        let stats = stats.clone();
        std::thread::Builder::new()
            .name(format!("twin {path}"))
            .spawn(move || {
                let _keep_alive = keep_alive;
                serve(end, twin, fault, &stop, &stats);
            })
            .map_err(MeterError::Io)?
    };
    Ok(TwinHandle { path, stop, stats, thread: Some(thread) })
}

fn serve(
    mut end: Box<dyn Transport>,
    mut twin: Box<dyn DeviceTwin>,
    fault: Fault,
    stop: &AtomicBool,
    stats: &TwinStats,
) {
    let mut buf = [0u8; 512];
    let mut garbage = fastrand::Rng::with_seed(0x6A7B);
    let mut readings_started = 0u32;
    // Hang-up faults end the twin (dropping its end is a hang-up for the
    // driver) when the chosen reading starts.
    let mut hang_up_now = |fault: Fault| {
        readings_started += 1;
        match fault {
            Fault::HangUpMidReading => true,
            Fault::HangUpAtReading(n) => readings_started >= n,
            _ => false,
        }
    };
    while !stop.load(Ordering::Relaxed) {
        let actions = match end.read(&mut buf, Duration::from_millis(20)) {
            Ok(0) => return,
            Ok(n) => twin.on_input(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => twin.on_idle(),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        for action in actions {
            match action {
                TwinAction::Send(bytes) => match fault {
                    Fault::Silent => {}
                    Fault::Garbage => {
                        let mut junk: Vec<u8> =
                            (0..bytes.len().max(8)).map(|_| garbage.u8(..)).collect();
                        junk.extend_from_slice(b"\r\n");
                        let _ = end.write_all(&junk);
                    }
                    Fault::Late(d) => {
                        if !sleep_unless_stopped(d, stop) {
                            return;
                        }
                        let _ = end.write_all(&bytes);
                    }
                    Fault::Chunked(size) => {
                        for (i, piece) in bytes.chunks(size.max(1)).enumerate() {
                            if i > 0 && !sleep_unless_stopped(FTDI_LATENCY, stop) {
                                return;
                            }
                            let _ = end.write_all(piece);
                        }
                    }
                    Fault::Truncated => {
                        let _ = end.write_all(&bytes[..bytes.len() / 2]);
                    }
                    Fault::None | Fault::HangUpMidReading | Fault::HangUpAtReading(_) => {
                        let _ = end.write_all(&bytes);
                    }
                },
                TwinAction::Integrate(d) => {
                    if hang_up_now(fault) {
                        return;
                    }
                    stats.integrations.fetch_add(1, Ordering::Relaxed);
                    stats.integration_ns.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
                    if !sleep_unless_stopped(d, stop) {
                        return;
                    }
                }
                TwinAction::Sampled(d) => {
                    if hang_up_now(fault) {
                        return;
                    }
                    stats.integrations.fetch_add(1, Ordering::Relaxed);
                    stats.integration_ns.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
                }
                TwinAction::Wait(d) => {
                    if !sleep_unless_stopped(d, stop) {
                        return;
                    }
                }
            }
        }
    }
}

/// Sleep in short slices so that dropping the handle never waits for a long
/// simulated integration. Returns false if stopped.
fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) -> bool {
    let end = Instant::now() + d;
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(20)));
    }
}

/// What every twin shares: the scene it looks at, seeded repeatability
/// noise, and a time scale (1.0 = the instrument's real timing; tests use
/// less so they stay fast).
pub struct Optics {
    scene: Arc<dyn Scene + Send + Sync>,
    rng: fastrand::Rng,
    /// Relative standard deviation of one reading.
    pub noise_relative: f64,
    /// Multiplies every simulated duration.
    pub time_scale: f64,
}

impl Optics {
    /// Look at `scene`, with noise from `seed`, at real timing and 0.2 %
    /// repeatability.
    pub fn new(scene: Arc<dyn Scene + Send + Sync>, seed: u64) -> Self {
        Self { scene, rng: fastrand::Rng::with_seed(seed), noise_relative: 0.002, time_scale: 1.0 }
    }

    /// The light now, without noise.
    pub fn stimulus(&self) -> Stimulus {
        self.scene.stimulus()
    }

    /// A normally distributed factor 1 + N(0, noise_relative).
    pub fn noise(&mut self) -> f64 {
        // Box–Muller; 1 - u keeps the logarithm finite.
        let u1 = 1.0 - self.rng.f64();
        let u2 = self.rng.f64();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        1.0 + self.noise_relative * z
    }

    /// A duration of the real instrument, scaled for this run.
    pub fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.time_scale)
    }
}

/// Split complete lines ending in `terminator` off the front of `buffer`.
pub(crate) fn take_lines(buffer: &mut Vec<u8>, terminator: u8) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    while let Some(i) = buffer.iter().position(|&b| b == terminator) {
        let mut line: Vec<u8> = buffer.drain(..=i).collect();
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        lines.push(line);
    }
    lines
}
