//! `monqc patterns`: list, export and show the test patterns of `monqc-patterns`.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use monqc_patterns::presenter::{OperatorKey, Presenter, PresenterError, PresenterOptions};
use monqc_patterns::{
    BitDepth, ErrorKind, PatternId, PatternParams, catalogue, default_bn_background,
};

use super::Outcome;

/// Arguments of `monqc patterns`.
#[derive(Debug, Args)]
pub struct PatternsArgs {
    #[command(subcommand)]
    command: PatternsCommand,
}

#[derive(Debug, Subcommand)]
enum PatternsCommand {
    /// List the pattern names, what each is for and the definition it follows.
    List,
    /// Write a pattern as PNG: 8-bit PNG for 8 bits, 16-bit PNG (with sBIT = 10) for 10 bits.
    Export {
        /// Pattern name, e.g. TG18-QC, TG18-UNL80, TG18-LN12-09, JIRA-BN07-L20, UNIFORM-512.
        name: String,
        /// Display size in pixels, WIDTHxHEIGHT (e.g. 2048x2560).
        #[arg(long, value_parser = parse_size)]
        size: (u32, u32),
        /// Bits per DDL: 8 or 10.
        #[arg(long, default_value_t = 8, value_parser = parse_bits)]
        bits: u8,
        /// Output PNG file.
        #[arg(short, long)]
        output: PathBuf,
        /// Background DDL of a JIRA-BNnn-L20 pattern: the level giving 20 % of this
        /// display's maximum luminance (default: the TG18-LN12 background, 8-bit 154).
        #[arg(long)]
        background_ddl: Option<u16>,
    },
    /// Show patterns fullscreen at 1:1 pixels; Space/Enter/→ next, ←/Backspace back, Esc/Q quit.
    Show {
        /// One or more pattern names, shown in order.
        #[arg(required = true)]
        names: Vec<String>,
        /// Monitor index (see `monqc patterns monitors`).
        #[arg(long, default_value_t = 0)]
        monitor: usize,
        /// Bits per DDL: 8 or 10 (10 needs a 10-bit surface, else it falls back to 8).
        #[arg(long, default_value_t = 8, value_parser = parse_bits)]
        bits: u8,
        /// Background DDL for JIRA-BNnn-L20 patterns (see `export`).
        #[arg(long)]
        background_ddl: Option<u16>,
        /// Operator prompt drawn in the pattern's prompt area (never over a measurement area).
        #[arg(long)]
        prompt: Option<String>,
    },
    /// List the monitors the presenter can use, with their index and size.
    Monitors,
}

/// Runs `monqc patterns …`.
pub fn run(args: PatternsArgs) -> anyhow::Result<Outcome> {
    match args.command {
        PatternsCommand::List => list(),
        PatternsCommand::Export { name, size, bits, output, background_ddl } => {
            export(&name, size, bits, &output, background_ddl)
        }
        PatternsCommand::Show { names, monitor, bits, background_ddl, prompt } => {
            show(&names, monitor, bits, background_ddl, prompt.as_deref())
        }
        PatternsCommand::Monitors => monitors(),
    }
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X', '×'])
        .ok_or_else(|| format!("`{s}` is not WIDTHxHEIGHT (e.g. 1920x1080)"))?;
    let side = |v: &str| v.trim().parse::<u32>().ok().filter(|&n| n > 0);
    match (side(w), side(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!("`{s}` is not WIDTHxHEIGHT with positive whole numbers")),
    }
}

fn parse_bits(s: &str) -> Result<u8, String> {
    match s.trim() {
        "8" => Ok(8),
        "10" => Ok(10),
        other => Err(format!("`{other}` bits: use 8 or 10")),
    }
}

fn pattern_id(name: &str) -> anyhow::Result<PatternId> {
    name.parse().with_context(|| {
        format!("`{name}` is not a pattern name; `monqc patterns list` shows the names")
    })
}

fn params(
    id: &PatternId,
    (width, height): (u32, u32),
    bits: u8,
    background_ddl: Option<u16>,
) -> anyhow::Result<PatternParams> {
    let bit_depth = BitDepth::from_bits(bits).context("use --bits 8 or --bits 10")?;
    if background_ddl.is_some() && !id.takes_background_ddl() {
        bail!("--background-ddl applies only to the JIRA-BNnn-L20 patterns, not to {id}");
    }
    if id.takes_background_ddl() && background_ddl.is_none() {
        note!(
            "note: {id}: background DDL defaulted to {} (the TG18-LN12 background, about 20 % of \
             Lmax on a GSDF-calibrated display); pass --background-ddl with this display's own \
             20 % level for a real test",
            default_bn_background(bit_depth)
        );
    }
    Ok(PatternParams { width, height, bit_depth, background_ddl })
}

fn list() -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    for info in catalogue() {
        writeln!(out, "{:<16} {}  [{}]", info.name, info.summary, info.source)?;
    }
    Ok(Outcome::Pass)
}

fn export(
    name: &str,
    size: (u32, u32),
    bits: u8,
    output: &PathBuf,
    background_ddl: Option<u16>,
) -> anyhow::Result<Outcome> {
    let id = pattern_id(name)?;
    let params = params(&id, size, bits, background_ddl)?;
    // "choose a larger --size" only when the size is too small (REDTEAM U5:
    // it was also said for a DDL out of range, and for sizes too large).
    let spec = id.generate(&params).map_err(|e| {
        let hint = if e.kind() == ErrorKind::Geometry { "; choose a larger --size" } else { "" };
        anyhow::Error::new(e).context(format!("cannot draw {id} at {}x{}{hint}", size.0, size.1))
    })?;
    let file = std::fs::File::create(output).with_context(|| {
        format!("cannot create {}; check that its folder exists and is writable", output.display())
    })?;
    spec.render().write_png(std::io::BufWriter::new(file), &id.to_string()).with_context(|| {
        format!("writing {} failed; check the free disk space", output.display())
    })?;
    note!(
        "wrote {} ({id}, {}x{}, {bits}-bit, {} measurement region(s))",
        output.display(),
        size.0,
        size.1,
        spec.measurement_regions.len()
    );
    Ok(Outcome::Pass)
}

fn spawn_presenter(
    options: PresenterOptions,
) -> anyhow::Result<monqc_patterns::presenter::PresenterHandle> {
    Presenter::spawn(options).context(
        "cannot open a window; run from a graphical session (DISPLAY or WAYLAND_DISPLAY set), \
         or under Xvfb for tests",
    )
}

fn monitors() -> anyhow::Result<Outcome> {
    let presenter = spawn_presenter(PresenterOptions::default())?;
    let monitors = presenter.monitors()?;
    presenter.close();
    let mut out = std::io::stdout().lock();
    for m in monitors {
        let refresh = m.refresh_millihertz.map(|mhz| format!(" {:.2} Hz", f64::from(mhz) / 1000.0));
        writeln!(
            out,
            "{}: {}x{} at ({}, {}){}{} {}",
            m.index,
            m.width,
            m.height,
            m.x,
            m.y,
            refresh.unwrap_or_default(),
            if m.primary { " primary" } else { "" },
            m.name.unwrap_or_default()
        )?;
    }
    Ok(Outcome::Pass)
}

fn show(
    names: &[String],
    monitor: usize,
    bits: u8,
    background_ddl: Option<u16>,
    prompt: Option<&str>,
) -> anyhow::Result<Outcome> {
    let ids = names.iter().map(|n| pattern_id(n)).collect::<anyhow::Result<Vec<_>>>()?;
    let bit_depth = BitDepth::from_bits(bits).context("use --bits 8 or --bits 10")?;
    let presenter = spawn_presenter(PresenterOptions { monitor, bit_depth, ..Default::default() })?;
    let screens = presenter.monitors()?;
    let Some(screen) = screens.get(monitor) else {
        bail!(
            "monitor {monitor} does not exist ({} found); `monqc patterns monitors` lists them",
            screens.len()
        );
    };
    let size = (screen.width, screen.height);
    let mut index = 0;
    loop {
        let id = &ids[index];
        let spec = id.generate(&params(id, size, bits, background_ddl)?).with_context(|| {
            format!("cannot draw {id} on monitor {monitor} ({}x{})", size.0, size.1)
        })?;
        let report = presenter.show_pattern(&spec, prompt).map_err(|e| match e {
            PresenterError::WouldScale { .. } => anyhow::Error::new(e).context(
                "the window did not get the monitor's exact size; set the desktop scaling to 100 % \
                 and make sure no panel or dock covers the monitor",
            ),
            other => anyhow::Error::new(other).context("showing the pattern failed"),
        })?;
        if report.converted_to_8_bit {
            note!("warning: the surface has no 10-bit format; {id} is shown at 8 bits");
        }
        note!(
            "showing {id} ({}/{}) on monitor {monitor}, {}x{}, {}-bit output; \
             Space/→ next, ← back, Esc/Q quit",
            index + 1,
            ids.len(),
            size.0,
            size.1,
            report.output_bits
        );
        match presenter.next_key(None) {
            Some(OperatorKey::Next) if index + 1 < ids.len() => index += 1,
            Some(OperatorKey::Previous) => index = index.saturating_sub(1),
            // Y and N answer a session's questions; here they do nothing.
            Some(OperatorKey::Yes | OperatorKey::No) => {}
            // Next on the last pattern ends the sequence, as Quit does.
            Some(OperatorKey::Next | OperatorKey::Quit) | None => break,
        }
    }
    presenter.close();
    Ok(Outcome::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_bits_parse_or_say_why_not() {
        assert_eq!(parse_size("2048x2560"), Ok((2048, 2560)));
        assert_eq!(parse_size("1920X1080"), Ok((1920, 1080)));
        assert_eq!(parse_size("1024×1024"), Ok((1024, 1024)));
        assert!(parse_size("1024").unwrap_err().contains("WIDTHxHEIGHT"));
        assert!(parse_size("0x100").is_err());
        assert_eq!(parse_bits("10"), Ok(10));
        assert!(parse_bits("12").unwrap_err().contains("8 or 10"));
    }

    #[test]
    fn background_ddl_only_for_the_l20_patterns() {
        let qc = pattern_id("TG18-QC").unwrap();
        assert!(params(&qc, (1024, 1024), 8, Some(100)).is_err());
        let bn = pattern_id("jira-bn07-l20").unwrap();
        let p = params(&bn, (1024, 1024), 10, Some(700)).unwrap();
        assert_eq!((p.bit_depth, p.background_ddl), (BitDepth::Ten, Some(700)));
        let err = pattern_id("TG18-NOPE").unwrap_err();
        assert!(format!("{err}").contains("monqc patterns list"));
    }
}
