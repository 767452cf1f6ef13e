//! `monqc meters`: find, identify and read photometers.
//!
//! `list` only reads USB descriptors and never writes to a port; `identify`
//! and `read` talk to the one meter the user names with a selector such as
//! `ls100:/dev/ttyUSB0`, `spotread` or `sim-cl200a`. Hints that name the
//! fix for an error live here, not in the driver library.

use std::io::Write;

use anyhow::Context;
use monqc_drivers::discovery::{self, PortCandidate};
use monqc_drivers::{
    MeasureRequest, MeterError, MeterErrorKind, MeterKind, MeterSelector, Quantity, Reading,
    SIMULATED_KINDS, SettleRule, Validity,
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
        /// The meter: KIND:PORT (ls100:/dev/ttyUSB0), spotread[:TYPE] or sim-KIND.
        selector: String,
    },
    /// Take readings from one meter.
    Read {
        /// The meter: KIND:PORT (ls100:/dev/ttyUSB0), spotread[:TYPE] or sim-KIND.
        selector: String,
        /// How many readings to take (1 or more).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        count: u32,
        /// Measure illuminance (lx) instead of luminance (cd/m²).
        #[arg(long)]
        illuminance: bool,
        /// Repeat each reading until two consecutive ones agree within 1 %.
        #[arg(long)]
        settle: bool,
    },
}

/// Run a `meters` subcommand.
pub fn run(args: MetersArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    match args.command {
        MetersCommand::List => list(&mut out)?,
        MetersCommand::Identify { selector } => identify(&mut out, &selector)?,
        MetersCommand::Read { selector, count, illuminance, settle } => {
            let quantity = if illuminance { Quantity::Illuminance } else { Quantity::Luminance };
            read(&mut out, &selector, count, quantity, settle)?
        }
    }
    Ok(Outcome::Pass)
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

fn parse(selector: &str) -> anyhow::Result<MeterSelector> {
    // REDTEAM U7: `sim` is valid for run and demo, so "unknown meter kind"
    // misled.
    if selector == "sim" {
        anyhow::bail!(
            "`sim` is the ideal meter of a simulated session (monqc demo, monqc run --meter sim) \
             and reads only the simulated display there; here use a simulated twin: {}",
            SIMULATED_KINDS.iter().map(|k| format!("sim-{k}")).collect::<Vec<_>>().join(", ")
        );
    }
    selector.parse::<MeterSelector>().with_context(|| format!("bad meter selector {selector:?}"))
}

fn identify(out: &mut impl Write, selector: &str) -> anyhow::Result<()> {
    let sel = parse(selector)?;
    let mut meter = monqc_drivers::open(&sel).map_err(|e| explain(e, &sel, "could not open"))?;
    let info = meter.identify().map_err(|e| explain(e, &sel, "no identity from"))?;
    writeln!(out, "{sel}: {} {}", info.vendor, info.model)?;
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
    quantity: Quantity,
    settle: bool,
) -> anyhow::Result<()> {
    let sel = parse(selector)?;
    let mut meter = monqc_drivers::open(&sel).map_err(|e| explain(e, &sel, "could not open"))?;
    let request = MeasureRequest { quantity, budget: meter.capabilities().reading_budget() };
    for i in 1..=count {
        let (reading, note) = if settle {
            let s = monqc_drivers::settle(
                meter.as_mut(),
                &request,
                &SettleRule::default(),
                &mut |_| {},
            )
            .map_err(|e| explain(e, &sel, "could not read"))?;
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
                .map_err(|e| explain(e, &sel, "could not read"))?;
            (r, String::new())
        };
        writeln!(out, "{i:>3}  {}{note}", format_reading(&reading))?;
    }
    Ok(())
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
fn explain(e: MeterError, sel: &MeterSelector, doing: &str) -> anyhow::Error {
    let hint = hint(&e, sel);
    let message = match hint {
        Some(h) => format!("{doing} {sel}\n  hint: {h}"),
        None => format!("{doing} {sel}"),
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
        MeterErrorKind::PermissionDenied => format!(
            "your user may not open {port}: add it to the dialout group (sudo usermod -aG dialout $USER), \
             then log out and back in"
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
        assert!(
            h(MeterError::PermissionDenied("/dev/ttyUSB0".into()), "ls100:/dev/ttyUSB0")
                .contains("dialout")
        );
        assert!(
            h(MeterError::Busy("x".into()), "cl200a:/dev/ttyUSB0").contains("fuser /dev/ttyUSB0")
        );
        let t = MeterError::Timeout(std::time::Duration::from_secs(3));
        assert!(
            h(MeterError::Timeout(std::time::Duration::from_secs(3)), "ls100:/dev/ttyUSB0")
                .contains("holding F")
        );
        assert!(h(t, "pr650:/dev/ttyS0").contains("5 s of power-on"));
        assert!(h(MeterError::NotFound("x".into()), "spotread").contains("argyll"));
    }

    #[test]
    fn explained_errors_keep_the_meter_error_as_cause() {
        let e = explain(
            MeterError::PermissionDenied("/dev/ttyUSB0".into()),
            &sel("k10:/dev/ttyUSB0"),
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
