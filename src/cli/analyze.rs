//! `monqc analyze`: verdicts for a session file or a measurement CSV.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use monqc::analysis::{self, AnalysisOptions, Outcome as VerdictOutcome};
use monqc::contrast_response::{ExpectedContrast, JndInverse};
use monqc::criteria::{Criteria, TestType};
use monqc::measurement::{self, CsvContext, MeasurementSet, MeterSetup};
use monqc::session;

use super::{Outcome, verdicts};

/// Analyse measurements against a standard's criteria and print the verdicts.
///
/// FILE is a monqc session file or a CSV with the header `ddl,luminance`
/// (cd/m² as the meter read it), optional `x,y`, one row per patch.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Session file or CSV.
    file: PathBuf,
    /// Standard: jesra-x0093, iec-62563-2, aapm-tg18 [default: the session's, else jesra-x0093].
    #[arg(long)]
    standard: Option<String>,
    /// Grade (1a, 1b, 2 for JESRA; diagnostic, other for IEC; primary, secondary for TG18)
    /// [default: the session's].
    #[arg(long)]
    grade: Option<String>,
    /// Test type [default: the session's, else acceptance].
    #[arg(long, value_enum)]
    test: Option<TestArg>,
    /// Ambient luminance Lamb in cd/m² (overrides the session's).
    #[arg(long, value_name = "CD_M2")]
    lamb: Option<f64>,
    /// How the meter saw the display: telescopic readings include Lamb;
    /// contact and built-in-sensor readings do not (L' = reading + Lamb)
    /// [default: the session's, else contact].
    #[arg(long, value_enum)]
    method: Option<MethodArg>,
    /// Bits per DDL of the patterns (CSV only) [default: 8].
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["8", "10"]))]
    bits: Option<String>,
    /// The display's baseline (acceptance) measurement, for constancy tests.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Expected GSDF contrast for Kδ [default: the standard's].
    #[arg(long, value_enum)]
    expected_contrast: Option<ExpectedArg>,
    /// GSDF inverse for J'min and J'max.
    #[arg(long, value_enum, default_value = "exact")]
    jnd_inverse: InverseArg,
    /// Use this criteria table instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    criteria: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TestArg {
    Acceptance,
    Constancy,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MethodArg {
    Telescopic,
    Contact,
    BuiltInSensor,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExpectedArg {
    /// Form A: GSDF contrast over the same ideal interval (TG18 / IEC / JESRA 18-point).
    IdealInterval,
    /// Form B: one-JND GSDF contrast at the interval's mean JND.
    OneJndAtMean,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InverseArg {
    /// Exact numerical inverse of the PS3.14 formula.
    Exact,
    /// The PS3.14 §7.1 polynomial approximation (as pacsDisplay uses).
    Ps314Polynomial,
}

/// What a file holds, with the session's own choices when it is one.
pub struct Loaded {
    pub set: MeasurementSet,
    pub session: Option<session::SessionHeader>,
}

/// Read a session file or CSV, applying `--method`, `--lamb`, `--bits`.
fn load(
    path: &Path,
    method: Option<MeterSetup>,
    lamb: Option<f64>,
    bits: Option<u8>,
) -> anyhow::Result<Loaded> {
    if let Some(l) = lamb {
        if !l.is_finite() || l < 0.0 {
            bail!("--lamb {l}: Lamb must be a finite, non-negative luminance in cd/m²");
        }
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}; check the path", path.display()))?;
    if session::looks_like_session(&text) {
        let s = session::parse(&text, path)?;
        for w in &s.warnings {
            eprintln!("monqc: warning: {w}");
        }
        let mut set = s.measurement_set(path);
        if let Some(m) = method {
            set.setup = m;
        }
        if let Some(l) = lamb {
            set.ambient = Some(measurement::Ambient {
                lamb_cd_m2: l,
                source: measurement::LambSource::Stated,
                illuminance_lx: set.ambient.and_then(|a| a.illuminance_lx),
            });
        }
        Ok(Loaded { set, session: Some(s.header) })
    } else {
        let context =
            CsvContext { setup: method.unwrap_or_default(), lamb_cd_m2: lamb, bit_depth: bits };
        Ok(Loaded { set: measurement::parse_csv(&text, path, context)?, session: None })
    }
}

pub fn run(args: AnalyzeArgs) -> anyhow::Result<Outcome> {
    let method = args.method.map(|m| match m {
        MethodArg::Telescopic => MeterSetup::Telescopic,
        MethodArg::Contact => MeterSetup::Contact,
        MethodArg::BuiltInSensor => MeterSetup::BuiltInSensor,
    });
    let bits = args.bits.as_deref().map(|b| b.parse::<u8>().expect("validated by clap"));
    let loaded = load(&args.file, method, args.lamb, bits)?;
    let standard = args
        .standard
        .clone()
        .or_else(|| loaded.session.as_ref().map(|s| s.standard.clone()))
        .unwrap_or_else(|| "jesra-x0093".into());
    let criteria = match &args.criteria {
        Some(path) => Criteria::load(path)?,
        None => Criteria::built_in_for(&standard)?,
    };
    let grade =
        match args.grade.clone().or_else(|| loaded.session.as_ref().map(|s| s.grade.clone())) {
            Some(g) => g,
            None => bail!(
                "which grade? pass --grade ({} grades: {})",
                criteria.standard.name,
                criteria.grades.iter().map(|g| g.id.as_str()).collect::<Vec<_>>().join(", ")
            ),
        };
    let test = match args.test {
        Some(TestArg::Acceptance) => TestType::Acceptance,
        Some(TestArg::Constancy) => TestType::Constancy,
        None => loaded.session.as_ref().map_or(TestType::Acceptance, |s| s.test),
    };
    let baseline = args
        .baseline
        .as_deref()
        .map(|p| load(p, method, None, bits).with_context(|| format!("baseline {}", p.display())))
        .transpose()?;
    if test == TestType::Acceptance && baseline.is_some() {
        eprintln!("monqc: note: --baseline is only used by constancy tests (--test constancy)");
    }
    let options = AnalysisOptions {
        grade,
        test,
        expected_contrast: args.expected_contrast.map(|e| match e {
            ExpectedArg::IdealInterval => ExpectedContrast::IdealInterval,
            ExpectedArg::OneJndAtMean => ExpectedContrast::OneJndAtMean,
        }),
        jnd_inverse: match args.jnd_inverse {
            InverseArg::Exact => JndInverse::Exact,
            InverseArg::Ps314Polynomial => JndInverse::Ps314Polynomial,
        },
    };
    let analysis = analysis::analyse(
        &loaded.set,
        &criteria,
        &options,
        baseline.as_ref().filter(|_| test == TestType::Constancy).map(|b| &b.set),
    )?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &analysis)?;
        writeln!(out)?;
    } else {
        verdicts::print(&mut out, &analysis)?;
    }
    Ok(match analysis.overall {
        VerdictOutcome::Fail => Outcome::CriteriaFailed,
        _ => Outcome::Pass,
    })
}
