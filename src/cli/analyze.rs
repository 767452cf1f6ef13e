//! `monqc analyze`: verdicts for a session file or a measurement CSV.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use monqc::numbers::contrast_response::{ExpectedContrast, JndInverse};
use monqc::numbers::measurement::{Ambient, LambSource, MeasurementSet, MeterSetup};
use monqc::records::csv_input::{self, CsvContext};
use monqc::records::file_kind::{self, FileKind};
use monqc::records::session;
use monqc::records::text_file;
use monqc::records::values;
use monqc::standards::analysis::{self, AnalysisOptions};
use monqc::standards::criteria::{Criteria, TestType};
use monqc::standards::procedure::Procedure;

use super::{Outcome, verdicts};

/// Analyse measurements against a standard's criteria and print the verdicts.
///
/// FILE is a monqc session file or a CSV with the header `ddl,luminance`
/// (cd/m² as the meter read it), optional `x,y`, one row per patch.
///
/// Exit codes: 0 PASS (every required item measured and met), 1 FAIL, 2 an
/// error, 3 INCOMPLETE (判定保留: nothing failed but a required item was not
/// judged — a CSV holds no uniformity readings and no visual judgements, so
/// its verdict is INCOMPLETE at best).
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
    /// Ambient luminance Lamb in cd/m², as measured with the display off
    /// (overrides the session's).
    #[arg(long, value_name = "CD_M2", conflicts_with = "rd")]
    lamb: Option<f64>,
    /// Illuminance at the display face in lx (recorded; with --rd gives Lamb = Rd · E).
    #[arg(long, value_name = "LX")]
    illuminance: Option<f64>,
    /// The display's diffuse reflection coefficient Rd in cd·m⁻²·lx⁻¹, for Lamb = Rd · E.
    #[arg(long, value_name = "CD_M2_PER_LX", requires = "illuminance")]
    rd: Option<f64>,
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
    /// Judge only these items (comma-separated: lmax, ratio, kdelta, ambient,
    /// uniformity, chromaticity, tracking, lmax-change, lmax-without-ambient,
    /// visual); the verdict says which it covers, and the items left out are
    /// not judged (INCOMPLETE at best).
    #[arg(long, value_name = "ITEMS", value_delimiter = ',')]
    only: Option<Vec<String>>,
    /// The site's own tolerance on the change of L'max from the baseline, in
    /// % (constancy; no standard gives one, so it is marked unsourced).
    #[arg(long, value_name = "PERCENT")]
    lmax_change_limit: Option<f64>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TestArg {
    Acceptance,
    Constancy,
    Daily,
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
    pub path: PathBuf,
    pub set: MeasurementSet,
    pub session: Option<session::SessionHeader>,
}

/// The ambient light given on the command line, if any.
fn ambient_from_args(args: &AnalyzeArgs) -> anyhow::Result<Option<Ambient>> {
    // Range and sense, with the value quoted short (REDTEAM U4: 1e308 was
    // printed as 309 digits; W5: an Rd of 0 or above 1/π).
    if let Some(v) = args.lamb {
        values::luminance("--lamb", v)?;
    }
    if let Some(v) = args.illuminance {
        values::illuminance("--illuminance", v)?;
    }
    if let Some(v) = args.rd {
        values::rd("--rd", v)?;
    }
    Ok(match (args.lamb, args.illuminance, args.rd) {
        (Some(lamb), e, _) => {
            Some(Ambient { lamb_cd_m2: lamb, source: LambSource::Stated, illuminance_lx: e })
        }
        // IEC 62563-1 Annex B; AAPM TG18: Lamb = Rd · E.
        (None, Some(e), Some(rd)) => Some(Ambient {
            lamb_cd_m2: rd * e,
            source: LambSource::DiffuseReflection { rd_cd_m2_per_lx: rd },
            illuminance_lx: Some(e),
        }),
        (None, Some(_), None) => bail!(
            "--illuminance alone does not give Lamb; add the display's --rd (Lamb = Rd · E) \
             or give --lamb measured with the display off"
        ),
        (None, None, _) => None,
    })
}

/// Read a session file or CSV, applying `--method`, the ambient options and `--bits`.
/// `ambient` replaces a session's own ambient only when `override_session`
/// is set (the measurement itself, not its baseline).
fn load(
    path: &Path,
    method: Option<MeterSetup>,
    ambient: Option<Ambient>,
    override_session: bool,
    bits: Option<u8>,
) -> anyhow::Result<Loaded> {
    let text = text_file::read(path)?;
    if file_kind::recognise(&text, path)? == FileKind::Session {
        let s = session::parse(&text, path)?;
        for w in &s.warnings {
            note!("monqc: warning: {w}");
        }
        let mut set = s.measurement_set(path);
        if let Some(m) = method {
            set.setup = m;
        }
        if let Some(a) = ambient.filter(|_| override_session) {
            set.ambient = Some(Ambient {
                illuminance_lx: a.illuminance_lx.or(set.ambient.and_then(|s| s.illuminance_lx)),
                ..a
            });
        }
        Ok(Loaded { path: path.to_owned(), set, session: Some(s.header) })
    } else {
        let context = CsvContext { setup: method.unwrap_or_default(), ambient, bit_depth: bits };
        Ok(Loaded {
            path: path.to_owned(),
            set: csv_input::parse_csv(&text, path, context)?,
            session: None,
        })
    }
}

pub fn run(args: AnalyzeArgs) -> anyhow::Result<Outcome> {
    let method = args.method.map(|m| match m {
        MethodArg::Telescopic => MeterSetup::Telescopic,
        MethodArg::Contact => MeterSetup::Contact,
        MethodArg::BuiltInSensor => MeterSetup::BuiltInSensor,
    });
    let bits = args.bits.as_deref().map(|b| b.parse::<u8>().expect("validated by clap"));
    let ambient = ambient_from_args(&args)?;
    let loaded = load(&args.file, method, ambient, true, bits)?;
    let standard = args
        .standard
        .clone()
        .or_else(|| loaded.session.as_ref().map(|s| s.standard.clone()))
        .unwrap_or_else(|| "jesra-x0093".into());
    let criteria = match &args.criteria {
        Some(path) => Criteria::parse(&text_file::read(path)?, &path.display().to_string())?,
        None => Criteria::built_in_for(&standard)?,
    };
    // REDTEAM U7: `--standard` was silently ignored next to `--criteria`.
    if let (Some(asked), Some(path)) = (&args.standard, &args.criteria)
        && !criteria.standard.id.eq_ignore_ascii_case(asked)
    {
        bail!(
            "--standard {asked} and --criteria {} (a table for {}) disagree; give one of them",
            path.display(),
            criteria.standard.id
        );
    }
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
        Some(TestArg::Daily) => TestType::Daily,
        None => loaded.session.as_ref().map_or(TestType::Acceptance, |s| s.test),
    };
    let baseline = args
        .baseline
        .as_deref()
        // A CSV baseline carries no ambient of its own: it gets the same
        // set-up and Lamb as the measurement; a session keeps its own.
        .map(|p| {
            load(p, method, ambient, false, bits)
                .with_context(|| format!("baseline {}", p.display()))
        })
        .transpose()?;
    if test == TestType::Acceptance && baseline.is_some() {
        note!("monqc: note: --baseline is only used by constancy tests (--test constancy)");
    }
    if let Some(b) = baseline.as_ref().filter(|_| test == TestType::Constancy) {
        check_baseline_session(b, &loaded)?;
    }
    if let Some(only) = &args.only {
        analysis::check_scope(only)?;
    }
    if let Some(p) = args.lmax_change_limit {
        anyhow::ensure!(
            p.is_finite() && p > 0.0,
            "--lmax-change-limit {p}: give a positive percentage (for example 10)"
        );
    }
    let session_limit = loaded.session.as_ref().and_then(|h| h.lmax_change_limit_percent);
    let options = AnalysisOptions {
        expected_contrast: args.expected_contrast.map(|e| match e {
            ExpectedArg::IdealInterval => ExpectedContrast::IdealInterval,
            ExpectedArg::OneJndAtMean => ExpectedContrast::OneJndAtMean,
        }),
        jnd_inverse: match args.jnd_inverse {
            InverseArg::Exact => JndInverse::Exact,
            InverseArg::Ps314Polynomial => JndInverse::Ps314Polynomial,
        },
        // The visual items the standard's procedure asks for must be judged
        // for a PASS (a session holds them; a CSV cannot).
        visual_items: Procedure::built_in(&criteria.standard.id, test)
            .map(|p| p.visual_items())
            .unwrap_or_default(),
        only: args.only.clone().or_else(|| loaded.session.as_ref().and_then(|h| h.only.clone())),
        lmax_change_limit_percent: args.lmax_change_limit.or(session_limit),
        ..AnalysisOptions::new(grade, test)
    };
    let analysis = analysis::analyse(
        &loaded.set,
        &criteria,
        &options,
        baseline.as_ref().filter(|_| test == TestType::Constancy).map(|b| &b.set),
    )?;
    verdicts::emit(&analysis, args.json)
}

/// A session given as the baseline must be of the same display and an
/// acceptance test (a CSV carries no display: the user vouches for it).
fn check_baseline_session(baseline: &Loaded, now: &Loaded) -> anyhow::Result<()> {
    let Some(b) = &baseline.session else { return Ok(()) };
    if let Some(n) = &now.session
        && n.display_id != b.display_id
    {
        bail!(
            "baseline {} is a session of display {}, but {} is of display {}: a constancy test \
             is compared with its own display's acceptance measurement",
            baseline.path.display(),
            b.display_id,
            now.path.display(),
            n.display_id
        );
    }
    if b.test != TestType::Acceptance {
        bail!(
            "baseline {} is a {} session: the baseline (基準値) is the display's acceptance \
             measurement",
            baseline.path.display(),
            b.test
        );
    }
    Ok(())
}
