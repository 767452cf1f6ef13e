//! `monqc meters`: find, identify and read photometers.
//!
//! `list` only reads USB descriptors and never writes to a port; `identify`,
//! `read` and `check` talk to the one meter the user names with a selector
//! such as `ls100:/dev/ttyUSB0` (`ls100:COM3` on Windows), `spotread` or `sim-cl200a`, and with
//! `--transcript FILE` record every byte of it for a bug report. Hints that
//! name the fix for an error live here, not in the driver library.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use monqc::measuring::meter::{self, MeterUseError, Transcript};
use monqc_drivers::discovery::{self, PortCandidate};
use monqc_drivers::{
    MeasureRequest, MeterError, MeterErrorKind, MeterKind, MeterSelector, Photometer, Quantity,
    Reading, SIMULATED_KINDS, SettleRule, Validity,
};

use super::Outcome;

/// Find, identify and read photometers.
#[derive(Debug, clap::Args)]
pub struct MetersArgs {
    #[command(subcommand)]
    command: MetersCommand,
}

#[derive(Debug, clap::Subcommand)]
enum MetersCommand {
    /// List serial ports and the meters each may hold. Sends nothing to any port.
    List,
    /// Ask one meter who it is, with that meter's own harmless command.
    Identify {
        /// The meter: KIND:PORT (ls100:/dev/ttyUSB0, ls100:COM3), spotread[:TYPE] or sim-KIND.
        selector: String,
        #[command(flatten)]
        transcript: TranscriptArg,
    },
    /// Take readings from one meter, in what it measures: luminance (cd/m²),
    /// or illuminance (lx) from an illuminance-only meter such as a T-10A.
    Read {
        /// The meter: KIND:PORT (ls100:/dev/ttyUSB0, ls100:COM3), spotread[:TYPE] or sim-KIND.
        selector: String,
        /// How many readings to take (1 or more).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        count: u32,
        /// Measure illuminance (lx) [default: what the meter measures].
        #[arg(long, conflicts_with = "luminance")]
        illuminance: bool,
        /// Measure luminance (cd/m²) [default: what the meter measures].
        #[arg(long)]
        luminance: bool,
        /// Repeat each reading until two consecutive ones agree within 1 %.
        #[arg(long)]
        settle: bool,
        #[command(flatten)]
        transcript: TranscriptArg,
    },
    /// First contact with one meter: identify, one reading per quantity it
    /// measures and an error probe, with a verdict per step. Exit code 0
    /// when no step failed, 1 when one did, 2 when the meter could not be
    /// opened. With --transcript, send the file with a bug report.
    Check {
        /// The meter: KIND:PORT (ls100:/dev/ttyUSB0), spotread[:TYPE] or sim-KIND.
        selector: String,
        #[command(flatten)]
        transcript: TranscriptArg,
    },
}

/// `--transcript FILE`.
#[derive(Debug, clap::Args)]
struct TranscriptArg {
    /// Record every byte exchanged with the meter, both ways, with times,
    /// the port settings and the monqc version, into FILE (plain text, for
    /// a bug report).
    #[arg(long, value_name = "FILE")]
    transcript: Option<PathBuf>,
}

/// Run a `meters` subcommand.
pub fn run(args: MetersArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    match args.command {
        MetersCommand::List => list(&mut out)?,
        MetersCommand::Identify { selector, transcript } => {
            with_transcript(&selector, transcript.transcript.as_deref(), |t| {
                identify(&mut out, &selector, t)
            })?
        }
        MetersCommand::Read { selector, count, illuminance, luminance, settle, transcript } => {
            let asked = match (illuminance, luminance) {
                (true, _) => Some(Quantity::Illuminance),
                (_, true) => Some(Quantity::Luminance),
                _ => None,
            };
            with_transcript(&selector, transcript.transcript.as_deref(), |t| {
                read(&mut out, &selector, count, asked, settle, t)
            })?
        }
        MetersCommand::Check { selector, transcript } => {
            let passed = with_transcript(&selector, transcript.transcript.as_deref(), |t| {
                check(&mut out, &selector, t)
            })?;
            if !passed {
                return Ok(Outcome::CriteriaFailed);
            }
        }
    }
    Ok(Outcome::Pass)
}

/// Run `talk` with a transcript at `path` if one is asked for; say where it
/// is, whatever happened, and report a write error.
fn with_transcript<T>(
    selector: &str,
    path: Option<&Path>,
    talk: impl FnOnce(Option<&Transcript>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let Some(path) = path else { return talk(None) };
    let transcript = Transcript::create(path, selector)?;
    let result = talk(Some(&transcript));
    let written = transcript.finish();
    note!("transcript: {}", path.display());
    let value = result?;
    written?;
    Ok(value)
}

fn list(out: &mut impl Write) -> anyhow::Result<()> {
    let ports = discovery::list_ports().context("could not list serial ports")?;
    let (usb, other): (Vec<PortCandidate>, Vec<PortCandidate>) =
        ports.into_iter().partition(|p| p.usb.is_some());
    let with_meters: Vec<&PortCandidate> =
        usb.iter().filter(|p| !p.candidates.is_empty()).collect();
    if with_meters.is_empty() {
        writeln!(out, "No meter found: no USB serial port here looks like one.")?;
    } else {
        writeln!(out, "USB serial ports that may hold a meter (nothing was sent to them):")?;
    }
    for p in &usb {
        let id = p.usb.as_ref().expect("partitioned on usb");
        let strings = [id.manufacturer.as_deref(), id.product.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let serial = id.serial.as_deref().map(|s| format!(" serial {s}")).unwrap_or_default();
        writeln!(out, "  {}  USB {:04x}:{:04x} {strings}{serial}", p.port, id.vid, id.pid)?;
        if p.candidates.is_empty() {
            writeln!(out, "      no known meter uses this device")?;
            continue;
        }
        let kinds: Vec<&str> = p.candidates.iter().map(|k| k.id()).collect();
        writeln!(out, "      may be: {}  ({})", kinds.join(", "), p.reason)?;
        writeln!(out, "      confirm: monqc meters identify {}:{}", p.candidates[0], p.port)?;
    }
    if !other.is_empty() {
        writeln!(
            out,
            "{} built-in serial port(s) not shown ({} …); an RS-232 meter wired to one is opened by naming it, \
             e.g. monqc meters identify ls100:{}",
            other.len(),
            other[0].port,
            other[0].port
        )?;
    }
    match monqc_drivers::spotread::Spotread::find(None) {
        Ok(s) => writeln!(
            out,
            "ArgyllCMS spotread found at {} (X-Rite i1Display family and others): monqc meters identify spotread",
            s.program().display()
        )?,
        Err(_) => writeln!(
            out,
            "ArgyllCMS spotread is not installed; an X-Rite i1Display needs it (Debian: apt install argyll)."
        )?,
    }
    let sims: Vec<String> = SIMULATED_KINDS.iter().map(|k| format!("sim-{k}")).collect();
    writeln!(out, "Simulated meters, no hardware needed: {}", sims.join(", "))?;
    Ok(())
}

/// Open the meter, with a hint when the driver could not.
fn open(selector: &str, transcript: Option<&Transcript>) -> anyhow::Result<Box<dyn Photometer>> {
    match meter::open(selector, transcript) {
        Ok(m) => Ok(m),
        Err(MeterUseError::Open { source, .. }) => Err(explain(source, selector, "could not open")),
        Err(e) => Err(e.into()),
    }
}

fn identify(
    out: &mut impl Write,
    selector: &str,
    transcript: Option<&Transcript>,
) -> anyhow::Result<()> {
    let mut meter = open(selector, transcript)?;
    let info = meter.identify().map_err(|e| explain(e, selector, "no identity from"))?;
    writeln!(out, "{selector}: {} {}", info.vendor, info.model)?;
    if let Some(s) = info.serial {
        writeln!(out, "  serial:   {s}")?;
    }
    if let Some(f) = info.firmware {
        writeln!(out, "  firmware: {f}")?;
    }
    let caps = meter.capabilities();
    let mut measures = Vec::new();
    if caps.luminance {
        measures.push("luminance (cd/m²)");
    }
    if caps.chromaticity {
        measures.push("chromaticity (x, y)");
    }
    if caps.illuminance {
        measures.push("illuminance (lx)");
    }
    writeln!(out, "  measures: {}", measures.join(", "))?;
    Ok(())
}

fn read(
    out: &mut impl Write,
    selector: &str,
    count: u32,
    asked: Option<Quantity>,
    settle: bool,
    transcript: Option<&Transcript>,
) -> anyhow::Result<()> {
    let mut meter = open(selector, transcript)?;
    let caps = meter.capabilities();
    let quantity = meter::quantity(&meter::describe(selector), &caps, asked)?;
    let request = MeasureRequest { quantity, budget: caps.reading_budget() };
    for i in 1..=count {
        let (reading, note) = if settle {
            let s = monqc_drivers::settle(
                meter.as_mut(),
                &request,
                &SettleRule::default(),
                &mut |_| {},
            )
            .map_err(|e| explain(e, selector, "could not read"))?;
            let note = format!(
                "  settled in {:.2} s over {} readings{}",
                s.settle_time.as_secs_f64(),
                s.readings.len(),
                if s.converged { "" } else { " (did NOT converge)" }
            );
            (s.reading, note)
        } else {
            let r = meter
                .measure(&request, &mut |_| {})
                .map_err(|e| explain(e, selector, "could not read"))?;
            (r, String::new())
        };
        writeln!(out, "{i:>3}  {}{note}", format_reading(&reading))?;
    }
    Ok(())
}

/// Print the first-contact check of the meter; whether no step failed.
fn check(
    out: &mut impl Write,
    selector: &str,
    transcript: Option<&Transcript>,
) -> anyhow::Result<bool> {
    let mut meter = open(selector, transcript)?;
    let report = meter::check(meter.as_mut());
    writeln!(out, "first contact with {selector} ({}):", meter::describe(selector))?;
    write!(out, "{report}")?;
    let verdict = if report.passed() {
        "the meter answered as its protocol says"
    } else {
        "FAILED: see the steps above; run again with --transcript FILE and send the file with \
         a bug report"
    };
    writeln!(out, "overall: {verdict}")?;
    Ok(report.passed())
}

fn format_reading(r: &Reading) -> String {
    let mut s = format!("{} {}", four_digits(r.value), r.quantity.unit());
    if let Some(c) = r.chromaticity {
        s.push_str(&format!("  x={:.4} y={:.4}", c.x, c.y));
    }
    s.push_str(&format!("  ({:.2} s)", r.elapsed.as_secs_f64()));
    if let Validity::Warning(w) = &r.validity {
        s.push_str(&format!("  warning: {w}"));
    }
    s
}

/// Four significant digits, the resolution of most meters' displays.
fn four_digits(v: f64) -> String {
    let magnitude = if v.abs() > 0.0 { v.abs().log10().floor() as i32 } else { 0 };
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
    format!("{v:.decimals$}")
}

/// Wrap a meter error with what was being done and a hint naming the fix.
fn explain(e: MeterError, selector: &str, doing: &str) -> anyhow::Error {
    let hint = selector.parse::<MeterSelector>().ok().and_then(|sel| hint(&e, &sel));
    let message = match hint {
        Some(h) => format!("{doing} {selector}\n  hint: {h}"),
        None => format!("{doing} {selector}"),
    };
    anyhow::Error::new(e).context(message)
}

fn hint(e: &MeterError, sel: &MeterSelector) -> Option<String> {
    let port = match sel {
        MeterSelector::Serial { port, .. } => port.as_str(),
        _ => "the port",
    };
    let kind = match sel {
        MeterSelector::Serial { kind, .. } | MeterSelector::Simulated(kind) => Some(*kind),
        MeterSelector::Spotread { .. } => Some(MeterKind::Spotread),
    };
    Some(match e.kind() {
        MeterErrorKind::PermissionDenied if cfg!(windows) => format!(
            "Windows refused {port}: another program may hold it (a vendor QA tool, a terminal); \
             close it, and check the port in Device Manager (Ports (COM & LPT))"
        ),
        MeterErrorKind::PermissionDenied => format!(
            "your user may not open {port}: add it to the dialout group (sudo usermod -aG dialout $USER), \
             then log out and back in"
        ),
        // Windows says "access denied" both for a port another program
        // holds and for one that is not there (serialport reports both as
        // NoDevice, which the drivers call Busy).
        MeterErrorKind::Busy if cfg!(windows) => format!(
            "{port} is held by another program (a vendor QA tool, a terminal) or does not exist: \
             close the other program, and see Device Manager (Ports (COM & LPT)) or \
             `monqc meters list` for the meter's COM port"
        ),
        MeterErrorKind::Busy => format!(
            "another program holds {port} (a vendor QA tool, a terminal, ModemManager); close it, \
             `fuser {port}` shows which"
        ),
        MeterErrorKind::NotFound if kind == Some(MeterKind::Spotread) => {
            "install ArgyllCMS (Debian: apt install argyll) and plug in the meter".into()
        }
        MeterErrorKind::NotFound => {
            format!(
                "{port} does not exist: check the cable, and `monqc meters list` for the right port"
            )
        }
        MeterErrorKind::Disconnected => {
            "the meter went away: check the cable and the meter's power".into()
        }
        // The message is the meter's own request (move the diffuser, …).
        MeterErrorKind::NeedsOperator => {
            "do what the meter asks, then run the command again".into()
        }
        MeterErrorKind::UnstableSource => {
            "the light changed while the meter measured: let the display warm up and \
             settle, keep the meter still, and turn the meter's sync mode off if the display \
             flickers (a PR-655/670: SS0)"
                .into()
        }
        MeterErrorKind::WrongQuantity => "the meter measured another quantity than asked: check \
             which receptor, lens or diffuser is fitted (illuminance needs the diffuser, \
             luminance the lens) and the meter's own mode setting"
            .into(),
        MeterErrorKind::Uncalibrated => "the meter has no valid calibration for this reading: \
             check the fitted accessory against its calibration, or send the meter for \
             recalibration"
            .into(),
        MeterErrorKind::Timeout if matches!(e, MeterError::Stalled { .. }) => {
            "the meter's program stopped answering; its last words are above: unplug and \
             replug the meter, then try again"
                .into()
        }
        MeterErrorKind::Timeout => match kind? {
            MeterKind::Ls100 | MeterKind::Ls110 | MeterKind::Cs100a => {
                "switch the meter off, then on while \
                 holding F, so that it enters remote mode; make the first reading on a bright field"
                    .into()
            }
            MeterKind::Pr650 => {
                "the PR-650 must be addressed within about 5 s of power-on: switch it off and \
                 on, then run the command at once"
                    .into()
            }
            MeterKind::Pr655 | MeterKind::Pr670 => {
                "check the USB cable; a PR-655 must not be in PR-650 legacy mode".into()
            }
            MeterKind::Cl200a | MeterKind::T10a => {
                "check that the meter is on and its receptor head attached; the meter must answer \
                 PC-connection mode first"
                    .into()
            }
            MeterKind::Mavo | MeterKind::K10 => {
                "check that the meter is on and that this is its port".into()
            }
            MeterKind::Spotread => "spotread took too long; in low light allow up to 40 s".into(),
        },
        MeterErrorKind::OverRange => {
            "the light is above the meter's range: use a darker patch or a ND filter".into()
        }
        MeterErrorKind::UnderRange => {
            "the light is below the meter's range: raise Lmin or use a more sensitive \
             meter"
                .into()
        }
        MeterErrorKind::Unsupported if kind == Some(MeterKind::Mavo) => {
            "a MAVO-MONITOR or MAVO-SPOT measures luminance and a MAVOLUX illuminance: ask \
             for what the attached sensor measures (--luminance or --illuminance)"
                .into()
        }
        MeterErrorKind::Unsupported => {
            "this meter cannot do that; `monqc meters identify` shows what it measures".into()
        }
        MeterErrorKind::Protocol => format!(
            "the reply did not follow the {} protocol: is this the right meter kind for {port}?",
            kind.map_or("meter's", MeterKind::id)
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(s: &str) -> MeterSelector {
        s.parse().unwrap()
    }

    #[test]
    fn hints_name_the_fix() {
        let h = |e: MeterError, s: &str| hint(&e, &sel(s)).unwrap();
        let t = MeterError::Timeout(std::time::Duration::from_secs(3));
        assert!(
            h(MeterError::Timeout(std::time::Duration::from_secs(3)), "ls100:/dev/ttyUSB0")
                .contains("holding F")
        );
        assert!(h(t, "pr650:/dev/ttyS0").contains("5 s of power-on"));
        assert!(h(MeterError::NotFound("x".into()), "spotread").contains("argyll"));
    }

    #[test]
    #[cfg(unix)]
    fn unix_hints_name_the_group_and_fuser() {
        let h = |e: MeterError, s: &str| hint(&e, &sel(s)).unwrap();
        assert!(
            h(MeterError::PermissionDenied("/dev/ttyUSB0".into()), "ls100:/dev/ttyUSB0")
                .contains("dialout")
        );
        assert!(
            h(MeterError::Busy("x".into()), "cl200a:/dev/ttyUSB0").contains("fuser /dev/ttyUSB0")
        );
    }

    #[test]
    #[cfg(windows)]
    fn windows_hints_name_the_com_port_and_device_manager() {
        let h = |e: MeterError, s: &str| hint(&e, &sel(s)).unwrap();
        let busy = h(MeterError::Busy("x".into()), "ls100:COM3");
        assert!(busy.contains("COM3 is held") && busy.contains("Device Manager"), "{busy}");
        assert!(!busy.contains("fuser"), "{busy}");
        let denied = h(MeterError::PermissionDenied("COM3".into()), "ls100:COM3");
        assert!(denied.contains("Windows refused COM3") && !denied.contains("dialout"), "{denied}");
    }

    #[test]
    fn the_new_kinds_of_meter_error_get_hints() {
        let h = |e: MeterError| hint(&e, &sel("pr670:/dev/ttyACM0")).unwrap();
        assert!(h(MeterError::NeedsOperator("move the diffuser".into())).contains("meter asks"));
        assert!(h(MeterError::UnstableSource("-1".into())).contains("sync mode off"));
        assert!(h(MeterError::WrongQuantity("units 1".into())).contains("diffuser"));
        assert!(h(MeterError::Uncalibrated("units 2".into())).contains("recalibration"));
        let stalled = MeterError::Stalled {
            after: std::time::Duration::from_secs(40),
            output: "Spot read failed".into(),
        };
        assert!(hint(&stalled, &sel("spotread")).unwrap().contains("stopped answering"));
    }

    #[test]
    fn explained_errors_keep_the_meter_error_as_cause() {
        let e = explain(
            MeterError::PermissionDenied("/dev/ttyUSB0".into()),
            "k10:/dev/ttyUSB0",
            "could not open",
        );
        let text = format!("{e}");
        assert!(text.starts_with("could not open k10:/dev/ttyUSB0\n  hint: "), "{text}");
        assert!(e.chain().nth(1).unwrap().to_string().contains("permission denied"));
    }

    #[test]
    fn readings_print_four_significant_digits() {
        assert_eq!(four_digits(123.456), "123.5");
        assert_eq!(four_digits(0.012345), "0.01235");
        assert_eq!(four_digits(12345.0), "12345");
    }
}
