//! A bridge to ArgyllCMS `spotread`, run as a separate program, for the
//! X-Rite i1Display family (and any other meter Argyll supports).
//!
//! Why a separate program: the i1Display must be unlocked with an OEM key
//! before it measures, and its colour maths lives on the host; pacsDisplay
//! calls `spotread` for the same reasons (METERS.md §0.1, §3.6.9). No
//! Argyll code is used or linked; we only read its printed results. The
//! line formats are from Argyll's `spotread.c` as quoted in METERS.md
//! §3.6.9 and §6.4 \[O\]: `Result is XYZ: X Y Z, …` and `Ambient = N Lux`.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{
    Capabilities, Chromaticity, DeviceInfo, MeasureRequest, MeterError, Photometer, Progress,
    Quantity, Reading, Validity,
};

/// The program's name.
pub const PROGRAM: &str = "spotread";

/// How often to look whether the child has finished. Polling a child's
/// exit is the only portable way to bound it without extra threads.
const POLL: Duration = Duration::from_millis(10);

/// A parsed `spotread` result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpotreadResult {
    /// Absolute X, Y, Z (cd/m² in emissive mode).
    pub xyz: [f64; 3],
    /// Illuminance from the `Ambient = N Lux` line (ambient mode).
    pub ambient_lx: Option<f64>,
}

/// Parse `spotread` output. Errors: Argyll prints lines containing
/// "failed" or "Error"; pacsDisplay detects failures the same way
/// (METERS.md §3.6.9 \[O\]).
pub fn parse_output(text: &str) -> Result<SpotreadResult, MeterError> {
    let mut xyz = None;
    let mut ambient_lx = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Result is XYZ:") {
            let numbers: Vec<f64> = rest
                .split(',')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|t| t.parse().ok())
                .filter(|v: &f64| v.is_finite())
                .collect();
            if let [x, y, z] = numbers[..] {
                xyz = Some([x, y, z]);
            }
        } else if let Some(rest) = line.strip_prefix("Ambient =") {
            ambient_lx = rest.split_whitespace().next().and_then(|t| t.parse().ok());
        }
    }
    match xyz {
        Some(xyz) => Ok(SpotreadResult { xyz, ambient_lx }),
        None => Err(failure(text)),
    }
}

/// The error an output without a result means.
fn failure(text: &str) -> MeterError {
    let reason = text
        .lines()
        .map(str::trim)
        .find(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("failed") || l.contains("error") || l.contains("no instrument")
        })
        .unwrap_or("no result line");
    let lower = reason.to_ascii_lowercase();
    if lower.contains("no instrument") || lower.contains("not found") {
        MeterError::NotFound(format!("spotread: {reason}"))
    } else if lower.contains("failed") || lower.contains("error") {
        MeterError::Device(format!("spotread: {reason}"))
    } else {
        MeterError::Protocol(format!("spotread: {reason}"))
    }
}

/// The first instrument in `spotread -?`'s list for `-c`, e.g.
/// `1 = 'usb:/bus1/dev4/ (X-Rite i1 DisplayPro, ColorMunki Display)'`.
pub fn parse_instrument(usage: &str) -> Option<String> {
    usage.lines().find_map(|l| {
        let l = l.trim();
        let (_, rest) = l.split_once("1 = '")?;
        let inner = rest.strip_suffix('\'')?;
        let name = inner.split_once(" (").map_or(inner, |(_, n)| n.trim_end_matches(')'));
        Some(name.to_owned())
    })
}

/// Find `spotread` on a search path (the value of `PATH`).
pub fn find_on(search_path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(search_path).map(|dir| dir.join(PROGRAM)).find(|p| p.is_file())
}

/// ArgyllCMS `spotread` as a meter.
#[derive(Clone, Debug)]
pub struct Spotread {
    program: PathBuf,
    display_type: Option<String>,
}

impl Spotread {
    /// Use `spotread` from `PATH`.
    pub fn find(display_type: Option<String>) -> Result<Self, MeterError> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        Self::find_in(&path, display_type)
    }

    /// Use `spotread` from the given search path.
    pub fn find_in(search_path: &OsStr, display_type: Option<String>) -> Result<Self, MeterError> {
        let program = find_on(search_path).ok_or_else(|| {
            MeterError::NotFound("ArgyllCMS spotread is not installed (not on PATH)".into())
        })?;
        Ok(Self { program, display_type })
    }

    /// The program this bridge runs.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// Run the program with `args`, feeding it a key press, bounded by
    /// `timeout`; returns stdout and stderr together.
    fn run(
        &self,
        args: &[OsString],
        timeout: Duration,
        waiting: &mut dyn FnMut(),
    ) -> Result<(bool, String), MeterError> {
        let spawn = || {
            Command::new(&self.program)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
        };
        // ETXTBSY: the program file is still open for writing somewhere (it
        // was just installed or updated, or a concurrently forked process
        // briefly inherited a write descriptor). It clears within moments.
        const TEXT_FILE_BUSY: i32 = 26;
        let mut spawned = spawn();
        for _ in 0..20 {
            match &spawned {
                Err(e) if e.raw_os_error() == Some(TEXT_FILE_BUSY) => {
                    std::thread::sleep(Duration::from_millis(10));
                    spawned = spawn();
                }
                _ => break,
            }
        }
        let mut child = spawned.map_err(|e| {
            MeterError::Io(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", self.program.display()),
            ))
        })?;
        // spotread may wait for a key before it reads; one is enough.
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(b" \n");
        }
        let deadline = Instant::now() + timeout;
        let mut next_report = Instant::now() + crate::link::PROGRESS_INTERVAL;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(MeterError::Timeout(timeout));
            }
            if Instant::now() >= next_report {
                waiting();
                next_report += crate::link::PROGRESS_INTERVAL;
            }
            std::thread::sleep(POLL);
        };
        let mut text = String::new();
        if let Some(mut out) = child.stdout.take() {
            out.read_to_string(&mut text)?;
        }
        if let Some(mut err) = child.stderr.take() {
            err.read_to_string(&mut text)?;
        }
        Ok((status.success(), text))
    }
}

impl Photometer for Spotread {
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        let (_, usage) = self.run(&["-?".into()], Duration::from_secs(10), &mut || {})?;
        let model = parse_instrument(&usage).ok_or_else(|| {
            MeterError::NotFound("spotread lists no instrument: is the meter plugged in?".into())
        })?;
        Ok(DeviceInfo { vendor: "via ArgyllCMS spotread".into(), model, ..DeviceInfo::default() })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            luminance: true,
            chromaticity: true,
            illuminance: true,
            typical_reading_time: Duration::from_secs(2),
            // i1d3 low light: up to 6 s integration, 40 s per command (METERS.md §3.6.7 [O]).
            worst_case_reading_time: Duration::from_secs(40),
        }
    }

    fn measure(
        &mut self,
        request: &MeasureRequest,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Reading, MeterError> {
        let start = Instant::now();
        // `-e` emissive, `-a` ambient, `-x` Yxy, `-O` one reading and exit
        // (pacsDisplay's use, METERS.md §3.6.9 [O]).
        let mut args: Vec<OsString> = match request.quantity {
            Quantity::Luminance => vec!["-e".into()],
            Quantity::Illuminance => vec!["-a".into()],
        };
        if let (Quantity::Luminance, Some(t)) = (request.quantity, &self.display_type) {
            args.push("-y".into());
            args.push(t.into());
        }
        args.extend(["-x".into(), "-O".into()]);
        let expected = Some(Duration::from_secs(2));
        progress(Progress { elapsed: Duration::ZERO, expected });
        let (_, text) = self.run(&args, request.budget, &mut || {
            progress(Progress { elapsed: start.elapsed(), expected })
        })?;
        let result = parse_output(&text)?;
        let [x, y, z] = result.xyz;
        let sum = x + y + z;
        let chromaticity = (sum > 0.0).then(|| Chromaticity { x: x / sum, y: y / sum });
        let value = match request.quantity {
            Quantity::Luminance => y,
            Quantity::Illuminance => result.ambient_lx.ok_or_else(|| {
                MeterError::Protocol(
                    "spotread printed no Ambient line; is the diffuser fitted?".into(),
                )
            })?,
        };
        Ok(Reading {
            quantity: request.quantity,
            value,
            chromaticity: (request.quantity == Quantity::Luminance)
                .then_some(chromaticity)
                .flatten(),
            validity: Validity::Ok,
            raw: text.into_bytes(),
            elapsed: start.elapsed(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_results() {
        let r = parse_output(
            "Place instrument on spot to be measured\n Result is XYZ: 95.047000 100.000000 108.883000, Yxy: 100.000000 0.312700 0.329000\n",
        )
        .unwrap();
        assert_eq!(r.xyz, [95.047, 100.0, 108.883]);
        assert_eq!(r.ambient_lx, None);
        let r = parse_output(
            "Result is XYZ: 1.0 2.0 3.0, Yxy: 2 0.1 0.2\nAmbient = 123.4 Lux, CCT = 5000K\n",
        )
        .unwrap();
        assert_eq!(r.ambient_lx, Some(123.4));
    }

    #[test]
    fn failures_are_typed() {
        use crate::MeterErrorKind as K;
        assert_eq!(
            parse_output("Instrument initialisation failed\n").unwrap_err().kind(),
            K::Device
        );
        assert_eq!(parse_output("No instrument found\n").unwrap_err().kind(), K::NotFound);
        assert_eq!(parse_output("hello\n").unwrap_err().kind(), K::Protocol);
    }

    #[test]
    fn instrument_list() {
        let usage = " -c listno  Set communication port from the following list (default 1)\n    1 = 'usb:/bus1/dev4/ (X-Rite i1 DisplayPro, ColorMunki Display)'\n";
        assert_eq!(
            parse_instrument(usage).as_deref(),
            Some("X-Rite i1 DisplayPro, ColorMunki Display")
        );
        assert_eq!(parse_instrument("usage only\n"), None);
    }

    proptest! {
        #[test]
        fn never_panics(text in ".{0,200}") {
            let _ = parse_output(&text);
            let _ = parse_instrument(&text);
        }

        #[test]
        fn never_panics_near_misses(a in "[ -~]{0,40}", b in "[ -~]{0,40}") {
            let _ = parse_output(&format!("Result is XYZ:{a}\nAmbient ={b}\n"));
        }
    }
}
