//! `monqc gsdf`: the DICOM PS3.14 Grayscale Standard Display Function.

use std::io::Write;

use anyhow::Context;
use clap::{Args, Subcommand};
use monqc::numbers::gsdf;

use super::Outcome;

/// Look up the DICOM Grayscale Standard Display Function (PS3.14).
#[derive(Debug, Args)]
pub struct GsdfArgs {
    #[command(subcommand)]
    command: GsdfCommand,
}

#[derive(Debug, Subcommand)]
enum GsdfCommand {
    /// Print `jnd,luminance` for j = 1..1023 as CSV: PS3.14 Table B-1 as
    /// printed in the standard, or with --formula the §7.1 formula.
    Table {
        /// Evaluate the §7.1 formula instead of printing Table B-1.
        #[arg(long)]
        formula: bool,
    },
    /// The JND index of a luminance in cd/m² (exact inverse of the formula).
    Jnd {
        /// Luminance in cd/m² (0.05 to 3993).
        luminance_cd_m2: f64,
    },
    /// The luminance in cd/m² of a JND index (1 to 1023, fractions allowed).
    Luminance {
        /// JND index.
        jnd_index: f64,
    },
}

pub fn run(args: GsdfArgs) -> anyhow::Result<Outcome> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.command {
        GsdfCommand::Table { formula } => {
            writeln!(out, "jnd,luminance")?;
            if formula {
                for row in gsdf::formula_table() {
                    writeln!(out, "{row}")?;
                }
            } else {
                for row in gsdf::table_b1() {
                    writeln!(out, "{},{}", row.jnd_index, row.luminance_printed)?;
                }
            }
        }
        GsdfCommand::Jnd { luminance_cd_m2 } => {
            let j = gsdf::jnd_index(luminance_cd_m2)
                .context("give a luminance in cd/m² within the GSDF range")?;
            let poly = gsdf::jnd_index_ps314_polynomial(luminance_cd_m2).ok();
            writeln!(out, "{j:.4}")?;
            if let Some(p) = poly {
                note!("(PS3.14 §7.1 polynomial approximation: {p:.4})");
            }
        }
        GsdfCommand::Luminance { jnd_index } => {
            let l = gsdf::luminance_cd_m2(jnd_index).context("give a JND index from 1 to 1023")?;
            writeln!(out, "{l:.4}")?;
            if jnd_index.fract() == 0.0
                && let Some(row) = gsdf::table_b1().find(|r| f64::from(r.jnd_index) == jnd_index)
                && format!("{l:.4}") != row.luminance_printed
            {
                note!(
                    "(PS3.14 §7.1 formula; Table B-1 prints {} — the table holds the \
                             Barten-model levels the formula was fitted to)",
                    row.luminance_printed
                );
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Pass)
}
