//! A bridge to ArgyllCMS `spotread`, run as a separate program, for the
//! X-Rite i1Display family (and any other meter Argyll supports).
//!
//! Why a separate program: the i1Display must be unlocked with an OEM key
//! before it measures, and its colour maths lives on the host; pacsDisplay
//! calls `spotread` for the same reasons (PROTOCOLS.md, "ArgyllCMS
//! spotread"). No Argyll code is used or linked; we only read what it
//! prints. The line formats are Argyll's `spotread.c` format strings \[O\]:
//! `Result is XYZ: X Y Z, …` and `Ambient = N Lux`.
//!
//! With `-O` and no terminal, `spotread` does not give up after an
//! instrument error: on a misread (black on an OLED), a diffuser in the
//! wrong position or a lost connection it prints why, then waits for a key
//! or retries at once, for ever (audit finding 3, PROTOCOLS.md). So the
//! bridge reads its output as it arrives, recognises those messages,
//! stops the program, and returns a typed error with Argyll's own words.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::transcript::Recorder;
use crate::{
    Capabilities, Chromaticity, DeviceInfo, MeasureRequest, MeterError, Photometer, Progress,
    Quantity, Reading, Validity,
};

/// The program's name, without the platform's executable suffix.
pub const PROGRAM: &str = "spotread";

/// How long a stopped `spotread` gets to exit after `q` before it is
/// killed.
const GRACE: Duration = Duration::from_millis(300);

/// A parsed `spotread` result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpotreadResult {
    /// Absolute X, Y, Z (cd/m² in emissive mode), when printed. A mono
    /// ambient instrument prints `Result is Y: …` instead, and only the
    /// `Ambient` line then carries the value.
    pub xyz: Option<[f64; 3]>,
    /// Illuminance from the `Ambient = N Lux` line (ambient mode).
    pub ambient_lx: Option<f64>,
}

/// Parse `spotread` output. Errors: Argyll prints lines containing
/// "failed" or "Error"; pacsDisplay detects failures the same way \[O\].
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
            ambient_lx = rest
                .split_whitespace()
                .next()
                .and_then(|t| t.parse().ok())
                .filter(|v: &f64| v.is_finite());
        }
    }
    if xyz.is_none() && ambient_lx.is_none() {
        return Err(failure(text));
    }
    Ok(SpotreadResult { xyz, ambient_lx })
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

/// Argyll's messages after which `spotread -O` waits or retries for ever
/// (its `spotread.c` read loop \[O\]), and what each means for us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stuck {
    /// "Spot read failed due to misread": most often black on an OLED or
    /// below the meter's range (pacsDisplay issue 3).
    Misread,
    /// "… the sensor being in the wrong position": the diffuser is over the
    /// sensor for a display reading, or off it for an ambient one.
    WrongPosition,
    /// "… communication problem": the meter is gone.
    Communication,
    /// "Spot read failed because instruments needs calibration": a read
    /// failed for want of a calibration.
    Calibration,
    /// Any other "Hit Esc or Q to give up" prompt.
    Prompt,
}

/// The stuck state `text` (everything printed so far) shows, and
/// Argyll's own words for it.
pub fn stuck(text: &str) -> Option<(Stuck, String)> {
    // A calibration asked for at start-up (an i1Pro's white tile) is part
    // of a normal run and takes the key we send; only a read that failed
    // for want of one is a stuck state.
    const RULES: [(&str, Stuck); 5] = [
        ("Spot read failed due to misread", Stuck::Misread),
        ("Spot read failed due to the sensor being in the wrong position", Stuck::WrongPosition),
        ("Spot read failed due to communication problem", Stuck::Communication),
        ("Spot read failed because instruments needs calibration", Stuck::Calibration),
        ("Hit Esc or Q to give up", Stuck::Prompt),
    ];
    RULES.iter().find_map(|(needle, kind)| {
        let at = text.find(needle)?;
        // Argyll's words: this line and the reason in brackets that may
        // follow it, up to its prompt.
        let tail = &text[at..];
        let end = tail.find("Hit Esc").unwrap_or(tail.len()).min(400);
        let mut words: String = tail[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        if words.is_empty() {
            words = needle.to_string();
        }
        Some((*kind, words))
    })
}

/// The typed error for a stuck `spotread`, asked for `quantity`.
pub fn stuck_error(kind: Stuck, words: &str, quantity: Quantity) -> MeterError {
    let said = format!("Argyll spotread: {words}");
    match kind {
        Stuck::Misread => MeterError::UnderRange { limit: None, said },
        Stuck::WrongPosition => MeterError::NeedsOperator(match quantity {
            Quantity::Luminance => format!(
                "turn the meter's diffuser away from the sensor to measure the display ({said})"
            ),
            Quantity::Illuminance => format!(
                "turn the meter's diffuser over the sensor to measure ambient light ({said})"
            ),
        }),
        Stuck::Communication => MeterError::NotFound(format!(
            "the meter stopped answering; check its cable and plug it in again ({said})"
        )),
        Stuck::Calibration => MeterError::NeedsOperator(format!(
            "the meter asks to be calibrated; run `spotread` once by hand and follow it ({said})"
        )),
        Stuck::Prompt => MeterError::Device(said),
    }
}

/// Every instrument in `spotread -?`'s list: (list number, port, name),
/// from lines like `1 = 'usb:/bus1/dev4/ (X-Rite i1 DisplayPro, ColorMunki
/// Display)'`.
pub fn parse_instruments(usage: &str) -> Vec<(u32, String, String)> {
    usage
        .lines()
        .filter_map(|l| {
            let (n, rest) = l.trim().split_once(" = '")?;
            let n: u32 = n.trim().parse().ok()?;
            let inner = rest.strip_suffix('\'')?;
            let (port, name) = match inner.split_once(" (") {
                Some((p, name)) => (p, name.trim_end_matches(')')),
                None => (inner, inner),
            };
            Some((n, port.to_owned(), name.to_owned()))
        })
        .collect()
}

/// The first instrument in `spotread -?`'s list, by name.
pub fn parse_instrument(usage: &str) -> Option<String> {
    parse_instruments(usage).into_iter().next().map(|(_, _, name)| name)
}

/// The program's file name on this platform (`spotread.exe` on Windows).
pub fn program_file_name() -> String {
    format!("{PROGRAM}{}", std::env::consts::EXE_SUFFIX)
}

/// Find `spotread` on a search path (the value of `PATH`).
pub fn find_on(search_path: &OsStr) -> Option<PathBuf> {
    let name = program_file_name();
    std::env::split_paths(search_path).map(|dir| dir.join(&name)).find(|p| p.is_file())
}

/// ArgyllCMS `spotread` as a meter.
#[derive(Clone, Debug)]
pub struct Spotread {
    program: PathBuf,
    display_type: Option<String>,
    recorder: Option<Recorder>,
}

/// What a finished run printed.
struct Run {
    text: String,
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
        Ok(Self { program, display_type, recorder: None })
    }

    /// Record what is sent to and printed by the program in `recorder`.
    pub fn with_recorder(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// The program this bridge runs.
    pub fn program(&self) -> &Path {
        &self.program
    }

    fn spawn(&self, args: &[OsString]) -> Result<Child, MeterError> {
        let spawn = || {
            Command::new(&self.program)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
        };
        let spawned = spawn();
        // ETXTBSY: the program file is still open for writing somewhere (it
        // was just installed or updated, or a concurrently forked process
        // briefly inherited a write descriptor). It clears within moments.
        #[cfg(unix)]
        let spawned = {
            const TEXT_FILE_BUSY: i32 = 26;
            let mut spawned = spawned;
            for _ in 0..20 {
                match &spawned {
                    Err(e) if e.raw_os_error() == Some(TEXT_FILE_BUSY) => {
                        std::thread::sleep(Duration::from_millis(10));
                        spawned = spawn();
                    }
                    _ => break,
                }
            }
            spawned
        };
        spawned.map_err(|e| {
            MeterError::Io(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", self.program.display()),
            ))
        })
    }

    /// Run the program with `args`, feeding it a key press, reading its
    /// output as it comes, bounded by `timeout`. When `quantity` is given
    /// and the output shows a stuck state, the program is stopped and the
    /// typed error returned at once.
    fn run(
        &self,
        args: &[OsString],
        timeout: Duration,
        quantity: Option<Quantity>,
        waiting: &mut dyn FnMut(),
    ) -> Result<Run, MeterError> {
        if let Some(r) = &self.recorder {
            let line: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
            r.note(&format!("run {} {}", self.program.display(), line.join(" ")));
        }
        let mut child = self.spawn(args)?;
        // spotread may wait for a key before it reads; one is enough. The
        // pipe stays open so that `q` can be sent to a stuck program.
        let mut stdin = child.stdin.take();
        if let Some(s) = stdin.as_mut() {
            self.record_sent(b" \n");
            let _ = s.write_all(b" \n").and_then(|()| s.flush());
        }
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        let mut readers = 0;
        for pipe in [
            child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
            child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            readers += 1;
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut pipe = pipe;
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let deadline = Instant::now() + timeout;
        let mut next_report = Instant::now() + crate::link::PROGRESS_INTERVAL;
        let mut output = Vec::new();
        let mut open_pipes = readers;
        loop {
            let now = Instant::now();
            if now >= deadline {
                stop(&mut child, stdin.as_mut(), self);
                let text = String::from_utf8_lossy(&output).trim().to_owned();
                return Err(if text.is_empty() {
                    MeterError::Timeout(timeout)
                } else {
                    MeterError::Stalled { after: timeout, output: last_chars(&text, 600) }
                });
            }
            if now >= next_report {
                waiting();
                next_report += crate::link::PROGRESS_INTERVAL;
            }
            let slice = (deadline - now).min(Duration::from_millis(50));
            match rx.recv_timeout(slice) {
                Ok(chunk) => {
                    if let Some(r) = &self.recorder {
                        r.received(&chunk);
                    }
                    output.extend_from_slice(&chunk);
                    if let Some(q) = quantity {
                        let text = String::from_utf8_lossy(&output);
                        if let Some((kind, words)) = stuck(&text) {
                            stop(&mut child, stdin.as_mut(), self);
                            return Err(stuck_error(kind, &words, q));
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => open_pipes = 0,
            }
            if open_pipes == 0 {
                // Both pipes closed: the program is ending.
                let _ = child.wait();
                break;
            }
        }
        Ok(Run { text: String::from_utf8_lossy(&output).into_owned() })
    }

    fn record_sent(&self, bytes: &[u8]) {
        if let Some(r) = &self.recorder {
            r.sent(bytes);
        }
    }
}

/// Ask a stuck `spotread` to give up (`q`), and kill it if it does not.
fn stop(child: &mut Child, stdin: Option<&mut std::process::ChildStdin>, bridge: &Spotread) {
    if let Some(s) = stdin {
        bridge.record_sent(b"q");
        let _ = s.write_all(b"q").and_then(|()| s.flush());
    }
    let end = Instant::now() + GRACE;
    while Instant::now() < end {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn last_chars(text: &str, n: usize) -> String {
    let count = text.chars().count();
    text.chars().skip(count.saturating_sub(n)).collect()
}

impl Photometer for Spotread {
    fn identify(&mut self) -> Result<DeviceInfo, MeterError> {
        let run = self.run(&["-?".into()], Duration::from_secs(10), None, &mut || {})?;
        let model = parse_instrument(&run.text).ok_or_else(|| {
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
            // i1d3 low light: up to 6 s integration, 40 s per command (PROTOCOLS.md [O]).
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
        // (pacsDisplay's use, PROTOCOLS.md [O]).
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
        let run = self.run(&args, request.budget, Some(request.quantity), &mut || {
            progress(Progress { elapsed: start.elapsed(), expected })
        })?;
        let result = parse_output(&run.text)?;
        let chromaticity = result.xyz.and_then(|[x, y, z]| {
            let sum = x + y + z;
            (sum > 0.0).then(|| Chromaticity { x: x / sum, y: y / sum })
        });
        let value = match request.quantity {
            Quantity::Luminance => result.xyz.map(|[_, y, _]| y).ok_or_else(|| {
                MeterError::Protocol("spotread printed no XYZ result for a display reading".into())
            })?,
            Quantity::Illuminance => result.ambient_lx.ok_or_else(|| {
                MeterError::NeedsOperator(
                    "spotread printed no Ambient line: turn the diffuser over the sensor".into(),
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
            raw: run.text.into_bytes(),
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
        assert_eq!(r.xyz, Some([95.047, 100.0, 108.883]));
        assert_eq!(r.ambient_lx, None);
        let r = parse_output(
            "Result is XYZ: 1.0 2.0 3.0, Yxy: 2 0.1 0.2\nAmbient = 123.4 Lux, CCT = 5000K\n",
        )
        .unwrap();
        assert_eq!(r.ambient_lx, Some(123.4));
        // A mono ambient instrument prints `Result is Y:`; the Ambient line
        // alone carries the value.
        let r = parse_output(" Result is Y: 40.0, L*: 69.5\n Ambient = 125.7 Lux\n").unwrap();
        assert_eq!((r.xyz, r.ambient_lx), (None, Some(125.7)));
    }

    /// Audit finding 3 (PROTOCOLS.md): Argyll's messages before it waits
    /// or retries for ever, as its format strings print them.
    #[test]
    fn stuck_states_are_recognised_with_argylls_words() {
        use crate::MeterErrorKind as K;
        let misread = "\n\nSpot read failed due to misread (Reading is too dark)\nHit Esc or Q to give up, any other key to retry:";
        let (kind, words) = stuck(misread).unwrap();
        assert_eq!(kind, Stuck::Misread);
        assert_eq!(words, "Spot read failed due to misread (Reading is too dark)");
        let e = stuck_error(kind, &words, Quantity::Luminance);
        assert_eq!(e.kind(), K::UnderRange);
        assert!(e.to_string().contains("Reading is too dark"), "{e}");
        let position = "\n\nSpot read failed due to the sensor being in the wrong position\n(Instrument is in wrong configuration)\n";
        let (kind, words) = stuck(position).unwrap();
        assert!(words.contains("(Instrument is in wrong configuration)"), "{words}");
        let e = stuck_error(kind, &words, Quantity::Illuminance);
        assert_eq!(e.kind(), K::NeedsOperator);
        assert!(e.to_string().contains("diffuser over the sensor"), "{e}");
        let comms = "\n\nSpot read failed due to communication problem.\nHit Esc or Q to give up, any other key to retry:";
        assert_eq!(
            stuck_error(stuck(comms).unwrap().0, "", Quantity::Luminance).kind(),
            K::NotFound
        );
        assert_eq!(
            stuck("\n\nSpot read failed because instruments needs calibration.\n").unwrap().0,
            Stuck::Calibration
        );
        // A calibration asked for at start-up is part of a normal run.
        assert_eq!(stuck("Spot read needs a calibration before continuing\n"), None);
        assert_eq!(stuck(" Result is XYZ: 1 2 3, Yxy: 2 0.1 0.2\n"), None);
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
        let two = "    1 = '/dev/ttyS0'\n    2 = 'usb:/bus1/dev4/ (X-Rite i1 DisplayPro, ColorMunki Display)'\n";
        let list = parse_instruments(two);
        assert_eq!(list.len(), 2);
        assert_eq!(
            list[1],
            (2, "usb:/bus1/dev4/".into(), "X-Rite i1 DisplayPro, ColorMunki Display".into())
        );
    }

    proptest! {
        #[test]
        fn never_panics(text in ".{0,200}") {
            let _ = parse_output(&text);
            let _ = parse_instrument(&text);
            let _ = stuck(&text);
        }

        #[test]
        fn never_panics_near_misses(a in "[ -~]{0,40}", b in "[ -~]{0,40}") {
            let _ = parse_output(&format!("Result is XYZ:{a}\nAmbient ={b}\n"));
        }
    }
}
