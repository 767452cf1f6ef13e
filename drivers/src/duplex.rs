//! An in-memory duplex: two [`Transport`] ends joined by two byte queues.
//!
//! The simulated meters run their twin on one end and the real driver (its
//! codec, framing and timeouts) on the other. On Unix the twins normally
//! sit behind a pseudo-terminal so that the `serialport` open path runs too;
//! Windows has no pseudo-terminals, so there the same twin code runs over
//! this duplex instead (see [`crate::twin::spawn_in_memory`]).
//!
//! Dropping one end is a hang-up for the other: its reads return `Ok(0)`
//! and its writes fail with [`std::io::ErrorKind::BrokenPipe`], as a pulled
//! cable does on a real port.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::link::Transport;

#[derive(Default)]
struct Queue {
    bytes: VecDeque<u8>,
    closed: bool,
}

#[derive(Default)]
struct Pipe {
    queue: Mutex<Queue>,
    ready: Condvar,
}

impl Pipe {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }
}

/// One end of an in-memory duplex.
pub struct DuplexEnd {
    incoming: Arc<Pipe>,
    outgoing: Arc<Pipe>,
}

/// A joined pair of ends: what one writes, the other reads.
pub fn pair() -> (DuplexEnd, DuplexEnd) {
    let a = Arc::new(Pipe::default());
    let b = Arc::new(Pipe::default());
    (DuplexEnd { incoming: a.clone(), outgoing: b.clone() }, DuplexEnd { incoming: b, outgoing: a })
}

impl Transport for DuplexEnd {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut q = self.outgoing.lock();
        if q.closed {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "the other end hung up"));
        }
        q.bytes.extend(bytes);
        drop(q);
        self.outgoing.ready.notify_all();
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let deadline = Instant::now() + timeout;
        let mut q = self.incoming.lock();
        loop {
            if !q.bytes.is_empty() {
                let n = buf.len().min(q.bytes.len());
                for (slot, b) in buf.iter_mut().zip(q.bytes.drain(..n)) {
                    *slot = b;
                }
                return Ok(n);
            }
            if q.closed {
                return Ok(0);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "nothing arrived"));
            }
            q = self
                .incoming
                .ready
                .wait_timeout(q, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn clear_input(&mut self) {
        self.incoming.lock().bytes.clear();
    }
}

impl Drop for DuplexEnd {
    fn drop(&mut self) {
        self.incoming.close();
        self.outgoing.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_cross_and_a_hang_up_is_seen() {
        let (mut a, mut b) = pair();
        a.write_all(b"MES\r\n").unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(b.read(&mut buf, Duration::from_millis(100)).unwrap(), 5);
        assert_eq!(&buf[..5], b"MES\r\n");
        let err = b.read(&mut buf, Duration::from_millis(20)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        drop(a);
        assert_eq!(b.read(&mut buf, Duration::from_millis(20)).unwrap(), 0);
        assert_eq!(b.write_all(b"x").unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn a_waiting_reader_wakes_when_bytes_arrive() {
        let (mut a, mut b) = pair();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            a.write_all(b"OK").unwrap();
            a
        });
        let start = Instant::now();
        let mut buf = [0u8; 4];
        assert_eq!(b.read(&mut buf, Duration::from_secs(2)).unwrap(), 2);
        assert!(start.elapsed() < Duration::from_secs(1));
        drop(t.join());
    }
}
