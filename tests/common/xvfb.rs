//! A private Xvfb for a test, on a display number Xvfb chooses itself
//! (`-displayfd`): parallel tests never race for a number or for
//! xvfb-run's temporary files.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// An Xvfb this test started; killed when dropped.
pub struct Xvfb {
    process: Child,
    /// The `DISPLAY` to give a client (`:N`).
    pub display: String,
}

impl Xvfb {
    /// Start one with a single 24-bit screen of `width`×`height`.
    pub fn start(width: u32, height: u32) -> Self {
        let mut process = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{width}x{height}x24"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (Debian package xvfb, .ci/apt/patterns.txt)");
        let mut line = String::new();
        BufReader::new(process.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let number: u32 = line.trim().parse().expect("Xvfb reports its display number");
        Self { process, display: format!(":{number}") }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
