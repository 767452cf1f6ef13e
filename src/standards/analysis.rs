//! One measurement set analysed against one standard, grade and test type.
//!
//! Analysis is a pure function of the readings, the criteria table and the
//! [`AnalysisOptions`]: the same inputs give the same [`Analysis`], which
//! reports, JSON export and the verdict table all read.
//!
//! **Editions.** How monqc judges has changed once, and a record must keep
//! verifying against the rules it was finalised under, so the options carry
//! an `edition` (records written before it existed read as edition 1):
//! - edition 1 (monqc up to the "verdict" change): the overall verdict is
//!   PASS unless something fails, even when items were not evaluated; Kδ is
//!   computed over every response reading; uniformity readings are pooled.
//! - edition 2 ([`EDITION`]): an overall verdict is PASS only when every
//!   required item was judged and met; otherwise INCOMPLETE (判定保留) with
//!   the items not judged and why ([`Analysis::not_judged`]). Kδ is judged
//!   over the standard's own levels; each uniform field is judged on its
//!   own; a value resting on a reading the meter flagged is not a plain
//!   pass; each value carries its measurement uncertainty where the meter's
//!   accuracy is known ([`crate::numbers::uncertainty`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::numbers::contrast_response::{
    ContrastOptions, ContrastResponse, ContrastResponseError, ExpectedContrast, JndInverse,
    contrast_response,
};
use crate::numbers::measurement::{
    Ambient, Judgement, LambSource, MeasurementSet, MeterFlag, MeterSetup, Origin, ResponseReading,
};
use crate::numbers::uncertainty::{self, Input, Quantity, Uncertainty};
use crate::numbers::uniformity::{self, UniformityDefinition};
use crate::numbers::{colour, luminance};
use crate::standards::criteria::{
    Basis, Comparison, Criteria, CriteriaError, Item, Limit, TestType,
};

/// The edition of the rules this build judges by (see the module docs).
pub const EDITION: u32 = 2;

/// The token of `--only` that keeps the visual items in scope.
pub const VISUAL_SCOPE: &str = "visual";

/// The result of a verdict, or of the whole test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The value meets the limit (overall: every required item was judged
    /// and met).
    Pass,
    /// The value does not meet the limit (overall: at least one failed).
    Fail,
    /// No value to judge (nothing measured, no baseline, excluded by
    /// `--only`); see the reason.
    NotEvaluated,
    /// The value meets the limit but rests on readings the meter flagged
    /// (below range, unsettled, …): not a plain pass.
    Unconfirmed,
    /// Overall only: nothing failed, but at least one required item was not
    /// judged (判定保留).
    Incomplete,
}

impl Outcome {
    /// Word for tables.
    pub fn word(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::NotEvaluated => "not evaluated",
            Self::Unconfirmed => "unconfirmed",
            Self::Incomplete => "INCOMPLETE",
        }
    }
}

/// A value with its unit as tables and reports show it: luminance to 0.01
/// cd/m² (0.001 below 10 cd/m², where L'min and Lamb live), percentages to
/// 0.01, small ratios (Δu'v', Lamb/L'min) to 4 decimals, others to 1.
pub fn format_value(value: f64, unit: &str) -> String {
    if unit.is_empty() {
        format!("{value:.digits$}", digits = digits_for(value, unit))
    } else {
        format!("{value:.digits$} {unit}", digits = digits_for(value, unit))
    }
}

fn digits_for(value: f64, unit: &str) -> usize {
    match unit {
        "cd/m²" if value < 10.0 => 3,
        "cd/m²" | "%" => 2,
        _ if value.abs() < 1.0 => 4,
        _ => 1,
    }
}

/// A value with its expanded uncertainty: "375.20 ± 8.67 cd/m²".
pub fn format_with_uncertainty(value: f64, u: Option<&Uncertainty>, unit: &str) -> String {
    match u {
        None => format_value(value, unit),
        Some(u) => {
            let digits = digits_for(value, unit);
            let unit = if unit.is_empty() { String::new() } else { format!(" {unit}") };
            format!("{value:.digits$} ± {:.digits$}{unit}", u.expanded)
        }
    }
}

/// A uniform field judged on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// The field in % of full scale (TG18-UN80: 80).
    pub percent: u8,
    /// Its DDL.
    pub ddl: u16,
}

/// One criterion applied to one measured value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The item judged.
    pub item: Item,
    /// The item's name with its symbol.
    pub label: String,
    /// The measured value, in `unit`.
    pub value: Option<f64>,
    /// Unit of value and limit ("" for ratios).
    pub unit: String,
    /// How the value is compared with the limit.
    pub comparison: Comparison,
    /// The limit.
    pub limit: f64,
    /// Where the limit comes from.
    pub clause: String,
    /// How sure we are that the limit is the standard's own.
    pub basis: Basis,
    /// Pass, fail, not evaluated or unconfirmed.
    pub result: Outcome,
    /// Why a verdict is not evaluated or unconfirmed, or a note on the limit
    /// or the value.
    pub reason: Option<String>,
    /// The standard marks the item optional: judged when measured, never
    /// holding back the overall verdict when not.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    /// For uniformity: the uniform field this row judges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The meter's flags on the readings the value rests on ("DDL 0: below
    /// range (OK13)").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    /// The value's expanded uncertainty and interval, when the meters'
    /// stated accuracy is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
    /// The limit lies within the value's uncertainty interval: the verdict
    /// stands as computed, but a repeat measurement could fall either side.
    #[serde(default, skip_serializing_if = "is_false")]
    pub near_limit: bool,
}

impl Verdict {
    /// "pass", "pass, within uncertainty of the limit", "FAIL", …
    pub fn word(&self) -> String {
        match (self.result, self.near_limit) {
            (Outcome::Pass, true) => "pass, within uncertainty of the limit".into(),
            (Outcome::Fail, true) => "FAIL, within uncertainty of the limit".into(),
            (r, _) => r.word().into(),
        }
    }

    /// The item's id, with the field for uniformity (`uniformity@80`).
    pub fn key(&self) -> String {
        match self.level {
            Some(l) => format!("{}@{}", self.item.id(), l.percent),
            None => self.item.id().into(),
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// An item the overall verdict could not judge, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotJudged {
    /// The item: a criteria item id (`ambient-ratio`, `uniformity@10`), a
    /// visual item (`visual/greyscale`), or `baseline`.
    pub item: String,
    /// Why it was not judged.
    pub reason: String,
}

/// Constancy figures relative to the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineComparison {
    /// Baseline L'max, in cd/m².
    pub lmax_cd_m2: f64,
    /// Baseline L'min, in cd/m².
    pub lmin_cd_m2: f64,
    /// Baseline luminance ratio.
    pub luminance_ratio: f64,
    /// Baseline Kδ, in %.
    pub kdelta_percent: f64,
    /// 100 · (L'max − baseline) / baseline, signed.
    pub lmax_change_percent: f64,
}

/// The uniformity of one uniform field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UniformityLevel {
    /// The field.
    pub level: Level,
    /// Readings at it.
    pub points: usize,
    /// Uniformity by the standard's definition, in %.
    pub uniformity_percent: Option<f64>,
    /// Deviation from the median (AAPM Report 270 "LUDM"), in %.
    pub deviation_from_median_percent: Option<f64>,
}

/// The second luminance response, on the background at 20 % of the
/// maximum luminance: reported beside the judged one, not judged (which
/// background a standard judges Kδ on is not known; see the procedures).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackgroundSeries {
    /// The background DDL the session found and showed.
    pub background_ddl: Option<u16>,
    /// Its contrast response.
    pub contrast_response: ContrastResponse,
}

/// The analysis of one measurement set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The rules' edition (see the module docs).
    #[serde(default = "edition_1", skip_serializing_if = "is_edition_1")]
    pub edition: u32,
    /// Standard id (`jesra-x0093`, …).
    pub standard_id: String,
    /// Standard name and edition as printed.
    pub standard: String,
    /// Grade id.
    pub grade: String,
    /// Acceptance or constancy.
    pub test: TestType,
    /// SHA-256 of the criteria table used.
    pub criteria_sha256: String,
    /// Meter set-up.
    pub setup: MeterSetup,
    /// Ambient light as used (Lamb 0 when unknown).
    pub ambient: Option<Ambient>,
    /// Lamb, in cd/m² (0 when not known).
    pub lamb_cd_m2: f64,
    /// Lamb was not known and is taken as 0 cd/m² in L'max, L'min and r'.
    #[serde(default, skip_serializing_if = "is_false")]
    pub lamb_unknown: bool,
    /// L'max: the luminance at the highest DDL including ambient, cd/m²
    /// (none for a visual-only test).
    pub lmax_cd_m2: Option<f64>,
    /// Lmax = L'max − Lamb, the display's own, cd/m².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lmax_without_ambient_cd_m2: Option<f64>,
    /// L'min: the luminance at DDL 0 including ambient, cd/m².
    pub lmin_cd_m2: Option<f64>,
    /// r' = L'max / L'min.
    pub luminance_ratio: Option<f64>,
    /// Lamb / L'min, when Lamb is known.
    pub ambient_ratio: Option<f64>,
    /// The contrast response, interval by interval.
    pub contrast_response: Option<ContrastResponse>,
    /// Kδ, in %.
    pub kdelta_percent: Option<f64>,
    /// The DDLs the response is judged over (the standard's own levels),
    /// when more were read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_levels: Vec<u16>,
    /// How uniformity is expressed for this standard.
    pub uniformity_definition: UniformityDefinition,
    /// Luminance uniformity, in %, when measured (edition 2: the worst field).
    pub uniformity_percent: Option<f64>,
    /// Luminance uniformity as AAPM Report 270 expresses it (deviation from
    /// the median, "LUDM"), in %, for comparison whatever the standard.
    pub uniformity_deviation_from_median_percent: Option<f64>,
    /// Each uniform field on its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniformity_levels: Vec<UniformityLevel>,
    /// Largest Δu'v' between the uniformity points, when measured.
    pub chromaticity_max_delta_uv: Option<f64>,
    /// Largest greyscale Δu'v' from the brightest step, when measured.
    pub greyscale_tracking_delta_uv: Option<f64>,
    /// The response on the 20 % background, when measured (not judged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_series: Option<BackgroundSeries>,
    /// Constancy figures, when a baseline was given.
    pub baseline: Option<BaselineComparison>,
    /// One verdict per criterion that applies.
    pub verdicts: Vec<Verdict>,
    /// The operator's visual judgements.
    pub visual: Vec<Judgement>,
    /// The items `--only` kept in scope (item ids, `visual`); none: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<Vec<String>>,
    /// Required items not judged, and why (edition 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_judged: Vec<NotJudged>,
    /// What a reader of the verdict must know about how it was reached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Edition 2: FAIL if anything in scope failed; INCOMPLETE if nothing
    /// failed but a required item was not judged; PASS otherwise.
    /// Edition 1: FAIL if anything failed, PASS otherwise.
    pub overall: Outcome,
}

fn edition_1() -> u32 {
    1
}

fn is_edition_1(e: &u32) -> bool {
    *e == 1
}

/// Why a measurement set cannot be analysed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalysisError {
    /// Too few readings for the contrast response.
    #[error(
        "{origin}: {got} luminance-response readings, but {requirement}; measure the \
         missing DDLs{missing}"
    )]
    TooFewResponsePoints {
        /// The file.
        origin: Origin,
        /// Readings found.
        got: usize,
        /// What the standard needs, e.g. "JESRA X-0093*B-2017 needs 18 (JIRA BN01–BN18 …)".
        requirement: String,
        /// ": 30, 45, …" when the expected DDL set is known.
        missing: String,
    },
    /// The response does not span DDL 0 to full scale.
    #[error(
        "{origin}: the readings run from DDL {first} to DDL {last}, but L'min and L'max are \
         the readings at DDL 0 and DDL {full_scale}; add those readings (or pass --bits if \
         the patterns are not {bits}-bit)"
    )]
    IncompleteRange {
        /// The file.
        origin: Origin,
        /// Lowest DDL read.
        first: u16,
        /// Highest DDL read.
        last: u16,
        /// Highest DDL of the bit depth.
        full_scale: u16,
        /// The bit depth assumed.
        bits: u8,
    },
    /// Lamb is not below L'min.
    #[error(
        "{origin}: Lamb = {lamb_cd_m2} cd/m² is not below L'min = {lmin_cd_m2:.4} cd/m² (the \
         reading at DDL 0{with}); Lamb is part of L'min and must be smaller. Check that Lamb is \
         in cd/m² (not lx), that the meter set-up is right (--method), and that the room \
         light did not change between the readings"
    )]
    LambNotBelowLmin {
        /// Where L'min came from.
        origin: Origin,
        /// Lamb.
        lamb_cd_m2: f64,
        /// L'min.
        lmin_cd_m2: f64,
        /// Set-up note.
        with: &'static str,
    },
    /// The contrast response could not be computed.
    #[error("{origin}: {source}")]
    ContrastResponse {
        /// Where the offending reading is.
        origin: Origin,
        /// Why.
        source: ContrastResponseError,
    },
    /// Criteria problem (unknown grade, …).
    #[error(transparent)]
    Criteria(#[from] CriteriaError),
    /// The baseline could not be analysed.
    #[error("the baseline could not be analysed: {0}")]
    Baseline(Box<AnalysisError>),
    /// An option names no item.
    #[error(
        "--only {name}: no such item; name items by id or short name (lmax, ratio, kdelta, \
         ambient, uniformity, chromaticity, tracking, lmax-change, lmax-without-ambient) \
         or `visual` for the visual checks"
    )]
    UnknownItem {
        /// As given.
        name: String,
    },
}

/// Choices that change the analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalysisOptions {
    /// Grade id within the standard.
    pub grade: String,
    /// Acceptance or constancy.
    pub test: TestType,
    /// Override the standard's expected-contrast form.
    pub expected_contrast: Option<ExpectedContrast>,
    /// Which GSDF inverse to use.
    pub jnd_inverse: JndInverse,
    /// The rules' edition (records finalised before editions existed read as 1).
    #[serde(default = "edition_1", skip_serializing_if = "is_edition_1")]
    pub edition: u32,
    /// Judge only these items (ids, short names, `visual`); none: every item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<Vec<String>>,
    /// The visual items the test's procedure asks for: each must be judged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visual_items: Vec<String>,
    /// The site's own tolerance on the change of L'max from the baseline,
    /// in %, for constancy tests (no standard gives one: unsourced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lmax_change_limit_percent: Option<f64>,
}

impl AnalysisOptions {
    /// The current edition's options for `grade` and `test`, every item in
    /// scope, no visual items required, the standard's own contrast form.
    pub fn new(grade: impl Into<String>, test: TestType) -> Self {
        Self {
            grade: grade.into(),
            test,
            expected_contrast: None,
            jnd_inverse: JndInverse::Exact,
            edition: EDITION,
            only: None,
            visual_items: Vec::new(),
            lmax_change_limit_percent: None,
        }
    }

    /// Whether `--only` keeps `item` in scope.
    fn in_scope(&self, item: Item) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|n| Item::from_name(n) == Some(item)))
    }

    /// Whether `--only` keeps the visual items in scope.
    fn visual_in_scope(&self) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|n| n == VISUAL_SCOPE))
    }
}

/// Check the names of `--only`: every one an item or `visual`.
pub fn check_scope(names: &[String]) -> Result<(), AnalysisError> {
    match names.iter().find(|n| *n != VISUAL_SCOPE && Item::from_name(n).is_none()) {
        Some(name) => Err(AnalysisError::UnknownItem { name: name.clone() }),
        None => Ok(()),
    }
}

/// The DDLs of the standard's `points` response levels at `bit_depth`:
/// evenly from 0 to full scale, rounded (8 bits, 18 points: 0, 15, …, 255) —
/// the levels the procedures show (`procedure::Procedure::plan`).
pub fn standard_levels(bit_depth: u8, points: usize) -> Vec<u16> {
    let full = f64::from((1u32 << bit_depth) - 1);
    let n = points.max(2);
    (0..n).map(|i| (i as f64 * full / (n - 1) as f64).round() as u16).collect()
}

/// The level in % of full scale of a uniform field at `ddl`.
fn level_of(ddl: u16, bit_depth: u8) -> Level {
    let full = f64::from((1u32 << bit_depth) - 1);
    Level { percent: (100.0 * f64::from(ddl) / full).round() as u8, ddl }
}

/// Luminance-response figures shared by the measurement and its baseline.
struct Response {
    lmax: f64,
    lmin: f64,
    contrast: ContrastResponse,
    /// The readings used, by index into the set's response.
    used: Vec<usize>,
}

fn analyse_response(
    set: &MeasurementSet,
    readings: &[ResponseReading],
    criteria: &Criteria,
    options: ContrastOptions,
    edition: u32,
) -> Result<Response, AnalysisError> {
    let file_origin = Origin { path: set.source.clone(), line: None };
    let need = criteria.standard.response_points;
    let full_scale = ((1u32 << set.bit_depth) - 1) as u16;
    let levels = standard_levels(set.bit_depth, need);
    let too_few = |missing: Vec<u16>| AnalysisError::TooFewResponsePoints {
        origin: file_origin.clone(),
        got: readings.len(),
        requirement: format!(
            "{} needs {need} ({})",
            criteria.standard.name, criteria.standard.response_patterns
        ),
        missing: if missing.is_empty() {
            String::new()
        } else {
            format!(": {}", missing.iter().map(u16::to_string).collect::<Vec<_>>().join(", "))
        },
    };
    let used: Vec<usize> = if edition >= 2 {
        // The standard's own point set, picked from the data; every level
        // must be there (a 256- or 52-level response holds all 18).
        let missing: Vec<u16> =
            levels.iter().copied().filter(|d| !readings.iter().any(|r| r.ddl == *d)).collect();
        if !missing.is_empty() {
            return Err(too_few(missing));
        }
        levels
            .iter()
            .map(|d| readings.iter().position(|r| r.ddl == *d).expect("checked above"))
            .collect()
    } else {
        if readings.len() < need {
            let missing =
                levels.iter().copied().filter(|d| !readings.iter().any(|r| r.ddl == *d)).collect();
            return Err(too_few(missing));
        }
        let first = readings.first().map_or(0, |r| r.ddl);
        let last = readings.last().map_or(0, |r| r.ddl);
        if first != 0 || last != full_scale {
            return Err(AnalysisError::IncompleteRange {
                origin: file_origin,
                first,
                last,
                full_scale,
                bits: set.bit_depth,
            });
        }
        (0..readings.len()).collect()
    };
    let points: Vec<(u16, f64)> = used
        .iter()
        .map(|&i| (readings[i].ddl, set.total_luminance_cd_m2(readings[i].luminance_cd_m2)))
        .collect();
    let (lmin, lmax) = (points[0].1, points[points.len() - 1].1);
    let lamb = set.lamb_cd_m2();
    if set.ambient.is_some() && lamb >= lmin {
        return Err(AnalysisError::LambNotBelowLmin {
            origin: set.origin_of_ddl(0),
            lamb_cd_m2: lamb,
            lmin_cd_m2: lmin,
            with: if set.setup.readings_include_ambient() {
                ", which a telescopic meter reads with the ambient included"
            } else {
                " plus Lamb"
            },
        });
    }
    let contrast = contrast_response(&points, options).map_err(|source| {
        let ddl = match &source {
            ContrastResponseError::NotMonotonic { ddl_high, .. } => *ddl_high,
            ContrastResponseError::OutsideGsdf { which: "L'max", .. } => full_scale,
            _ => 0,
        };
        AnalysisError::ContrastResponse { origin: set.origin_of_ddl(ddl), source }
    })?;
    Ok(Response { lmax, lmin, contrast, used })
}

/// Analyse `set` against `criteria` for the grade and test in `options`;
/// `baseline` is the display's acceptance (or re-baseline) measurement.
pub fn analyse(
    set: &MeasurementSet,
    criteria: &Criteria,
    options: &AnalysisOptions,
    baseline: Option<&MeasurementSet>,
) -> Result<Analysis, AnalysisError> {
    let edition = options.edition;
    let grade = criteria.grade(&options.grade)?;
    if let Some(only) = &options.only {
        check_scope(only)?;
    }
    let expected = ContrastOptions {
        expected: options.expected_contrast.unwrap_or(criteria.standard.expected_contrast),
        inverse: options.jnd_inverse,
    };
    let m = Measures::of(set, criteria, expected, options, baseline)?;
    let context = Context {
        set,
        baseline,
        response: m.response.as_ref(),
        baseline_response: m.baseline_response.as_ref(),
        expected,
        definition: m.uniformity_definition,
    };
    let mut limits = criteria.limits(grade, options.test);
    if edition >= 2
        && options.test == TestType::Constancy
        && !limits.iter().any(|l| l.item == Item::LmaxChange)
        && let Some(percent) = options.lmax_change_limit_percent
    {
        limits.push(site_lmax_change_limit(percent));
    }
    let mut verdicts = Vec::new();
    for limit in limits {
        for level in rows_for(&limit, &m.levels, set.bit_depth, edition) {
            let mut verdict = verdict_on(&limit, level, m.value_of(limit.item, level));
            if edition >= 2 {
                judge_further(&mut verdict, &limit, level, &context, options);
            }
            verdicts.push(verdict);
        }
    }
    let mut analysis = Analysis {
        edition,
        standard_id: criteria.standard.id.clone(),
        standard: criteria.standard.name.clone(),
        grade: grade.id.clone(),
        test: options.test,
        criteria_sha256: criteria.sha256.clone(),
        setup: set.setup,
        ambient: set.ambient,
        lamb_cd_m2: m.lamb,
        lamb_unknown: false,
        lmax_cd_m2: m.response.as_ref().map(|r| r.lmax),
        lmax_without_ambient_cd_m2: None,
        lmin_cd_m2: m.response.as_ref().map(|r| r.lmin),
        luminance_ratio: m.luminance_ratio,
        ambient_ratio: m.ambient_ratio,
        kdelta_percent: m.kdelta_percent,
        contrast_response: m.response.as_ref().map(|r| r.contrast.clone()),
        response_levels: Vec::new(),
        uniformity_definition: m.uniformity_definition,
        uniformity_percent: m.uniformity_percent,
        uniformity_deviation_from_median_percent: m.uniformity_deviation_from_median_percent,
        uniformity_levels: Vec::new(),
        chromaticity_max_delta_uv: m.chromaticity_max_delta_uv,
        greyscale_tracking_delta_uv: m.greyscale_tracking_delta_uv,
        background_series: None,
        baseline: m.baseline_comparison.clone(),
        verdicts,
        visual: set.judgements.clone(),
        only: None,
        not_judged: Vec::new(),
        notes: Vec::new(),
        overall: Outcome::Pass,
    };
    if edition < 2 {
        analysis.overall = if analysis.verdicts.iter().any(|v| v.result == Outcome::Fail)
            || set.judgements.iter().any(|j| !j.passed)
        {
            Outcome::Fail
        } else {
            Outcome::Pass
        };
        return Ok(analysis);
    }
    complete_edition_2(&mut analysis, m, set, criteria, expected, options);
    Ok(analysis)
}

/// What `analyse` measures before it judges: the response and its baseline,
/// ambient, uniformity and chromaticity.
struct Measures {
    response: Option<Response>,
    baseline_response: Option<Response>,
    baseline_comparison: Option<BaselineComparison>,
    lamb: f64,
    ambient_ratio: Option<f64>,
    uniformity_definition: UniformityDefinition,
    levels: Vec<UniformityLevel>,
    uniformity_percent: Option<f64>,
    uniformity_deviation_from_median_percent: Option<f64>,
    chromaticity_max_delta_uv: Option<f64>,
    greyscale_tracking_delta_uv: Option<f64>,
    luminance_ratio: Option<f64>,
    kdelta_percent: Option<f64>,
    lmax_without_ambient: Option<f64>,
}

impl Measures {
    fn of(
        set: &MeasurementSet,
        criteria: &Criteria,
        expected: ContrastOptions,
        options: &AnalysisOptions,
        baseline: Option<&MeasurementSet>,
    ) -> Result<Self, AnalysisError> {
        let edition = options.edition;
        // A visual-only test (the daily check) measures nothing; every other
        // test needs the full luminance response.
        let response = if set.response.is_empty() && options.test == TestType::Daily {
            None
        } else {
            Some(analyse_response(set, &set.response, criteria, expected, edition)?)
        };
        let baseline_response = baseline
            .filter(|_| response.is_some())
            .map(|b| {
                analyse_response(b, &b.response, criteria, expected, edition)
                    .map_err(|e| AnalysisError::Baseline(Box::new(e)))
            })
            .transpose()?;
        let baseline_comparison =
            response.as_ref().zip(baseline_response.as_ref()).map(|(r, b)| BaselineComparison {
                lmax_cd_m2: b.lmax,
                lmin_cd_m2: b.lmin,
                luminance_ratio: luminance::luminance_ratio(b.lmax, b.lmin),
                kdelta_percent: b.contrast.kdelta_percent,
                lmax_change_percent: 100.0 * (r.lmax - b.lmax) / b.lmax,
            });

        let lamb = set.lamb_cd_m2();
        let ambient_ratio = set
            .ambient
            .zip(response.as_ref())
            .map(|(a, r)| luminance::ambient_ratio(a.lamb_cd_m2, r.lmin));
        let uniformity_definition = criteria.standard.uniformity;
        let levels = uniformity_levels(set, uniformity_definition, edition);
        let (uniformity_percent, uniformity_deviation_from_median_percent) = if edition >= 2 {
            let worst = |f: fn(&UniformityLevel) -> Option<f64>| {
                levels.iter().filter_map(f).reduce(f64::max)
            };
            (worst(|l| l.uniformity_percent), worst(|l| l.deviation_from_median_percent))
        } else {
            levels
                .first()
                .map_or((None, None), |l| (l.uniformity_percent, l.deviation_from_median_percent))
        };
        // Δu'v' between the points: on the brightest field (TG18 / ACR: grey
        // 204, the UN80 field); edition 1 pooled every reading.
        let chroma_ddl = set.uniformity.iter().map(|u| u.ddl).max();
        let uniform_xy: Vec<_> = set
            .uniformity
            .iter()
            .filter(|u| edition < 2 || Some(u.ddl) == chroma_ddl)
            .filter_map(|u| u.chromaticity.map(|c| (u.position, c)))
            .collect();
        let tracking: Vec<_> = set
            .response
            .iter()
            .enumerate()
            .filter(|(i, _)| edition < 2 || response.as_ref().is_none_or(|r| r.used.contains(i)))
            .filter_map(|(_, r)| r.chromaticity.map(|c| (r.luminance_cd_m2, c)))
            .collect();
        Ok(Self {
            baseline_comparison,
            lamb,
            ambient_ratio,
            uniformity_definition,
            uniformity_percent,
            uniformity_deviation_from_median_percent,
            chromaticity_max_delta_uv: colour::max_pairwise_delta_uv(&uniform_xy),
            greyscale_tracking_delta_uv: colour::greyscale_tracking_delta_uv(&tracking),
            luminance_ratio: response.as_ref().map(|r| luminance::luminance_ratio(r.lmax, r.lmin)),
            kdelta_percent: response.as_ref().map(|r| r.contrast.kdelta_percent),
            lmax_without_ambient: response.as_ref().map(|r| r.lmax - lamb),
            levels,
            response,
            baseline_response,
        })
    }

    /// The value a limit on `item` (at uniformity `level`) is judged on, or
    /// why there is none.
    fn value_of(&self, item: Item, level: Option<Level>) -> Result<f64, String> {
        let no_response = || "no luminance response measured".to_string();
        match item {
            Item::Lmax => self.response.as_ref().map(|r| r.lmax).ok_or_else(no_response),
            Item::LmaxWithoutAmbient => self.lmax_without_ambient.ok_or_else(no_response),
            Item::LuminanceRatio => self.luminance_ratio.ok_or_else(no_response),
            Item::Kdelta => self.kdelta_percent.ok_or_else(no_response),
            Item::AmbientRatio => self
                .ambient_ratio
                .ok_or_else(|| "Lamb not known (measure it, or give --lamb)".to_string()),
            Item::Uniformity => match level {
                Some(level) => self
                    .levels
                    .iter()
                    .find(|l| l.level.percent == level.percent)
                    .and_then(|l| l.uniformity_percent)
                    .ok_or_else(|| {
                        format!(
                            "no uniformity readings on the {} % field (DDL {}, centre and \
                             corners)",
                            level.percent, level.ddl
                        )
                    }),
                None => self.uniformity_percent.ok_or_else(|| {
                    "no uniformity readings (TG18-UN80 centre and corners)".to_string()
                }),
            },
            Item::ChromaticityUniformity => self
                .chromaticity_max_delta_uv
                .ok_or_else(|| "no chromaticity at the uniformity points".to_string()),
            Item::GreyscaleTracking => self.greyscale_tracking_delta_uv.ok_or_else(|| {
                "no chromaticity on at least two response readings ≥ 5 cd/m²".to_string()
            }),
            Item::LmaxChange => self
                .baseline_comparison
                .as_ref()
                .map(|b| b.lmax_change_percent.abs())
                .ok_or_else(|| "no baseline given (--baseline FILE)".to_string()),
        }
    }
}

/// The verdict of `limit` (at uniformity `level`) on `value`: pass or fail,
/// or not evaluated with the reason there is no value.
fn verdict_on(limit: &Limit, level: Option<Level>, value: Result<f64, String>) -> Verdict {
    let label = match level {
        Some(l) => format!("{} ({} % field, DDL {})", limit.item.label(), l.percent, l.ddl),
        None => limit.item.label().to_string(),
    };
    let (value, result, reason) = match value {
        Ok(v) => {
            let pass = limit.comparison.holds(v, limit.value);
            (Some(v), if pass { Outcome::Pass } else { Outcome::Fail }, limit.note.clone())
        }
        Err(why) => (None, Outcome::NotEvaluated, Some(why)),
    };
    Verdict {
        item: limit.item,
        label,
        value,
        unit: limit.item.unit().to_string(),
        comparison: limit.comparison,
        limit: limit.value,
        clause: limit.clause.clone(),
        basis: limit.basis,
        result,
        reason,
        optional: false,
        level: None,
        flags: Vec::new(),
        uncertainty: None,
        near_limit: false,
    }
}

/// Edition 2's additions to a judged analysis: the per-level uniformity,
/// the scope, notes on the levels used, the 20 % background series and the
/// surface's bit depth, what was not judged, and the overall outcome
/// (INCOMPLETE when a required item was not judged).
fn complete_edition_2(
    analysis: &mut Analysis,
    m: Measures,
    set: &MeasurementSet,
    criteria: &Criteria,
    expected: ContrastOptions,
    options: &AnalysisOptions,
) {
    analysis.lamb_unknown = set.ambient.is_none() && m.response.is_some();
    analysis.lmax_without_ambient_cd_m2 = m.lmax_without_ambient;
    analysis.uniformity_levels = m.levels;
    analysis.only = options.only.clone();
    if let Some(r) = &m.response
        && r.used.len() < set.response.len()
    {
        analysis.response_levels = r.used.iter().map(|&i| set.response[i].ddl).collect();
        analysis.notes.push(format!(
            "L'max, L'min, r' and Kδ are judged over the standard's {} levels (DDL {}); {} \
             readings at other levels are not used",
            r.used.len(),
            describe_levels(&analysis.response_levels),
            set.response.len() - r.used.len()
        ));
    }
    if !set.response_on_background.is_empty() {
        match analyse_response(
            set,
            &set.response_on_background,
            criteria,
            expected,
            options.edition,
        ) {
            Ok(r) => {
                analysis.background_series = Some(BackgroundSeries {
                    background_ddl: set.background_ddl,
                    contrast_response: r.contrast,
                })
            }
            Err(e) => analysis
                .notes
                .push(format!("the response on the 20 % background could not be analysed: {e}")),
        }
    }
    if let Some(shown) = set.shown_bits.filter(|b| *b < set.bit_depth) {
        analysis.notes.push(format!(
            "the session's {}-bit patterns were shown on a {shown}-bit surface: each DDL went \
             out as its nearest {shown}-bit level",
            set.bit_depth
        ));
    }
    analysis.not_judged = not_judged(analysis, set, options);
    let failed = analysis.verdicts.iter().any(|v| v.result == Outcome::Fail)
        || (options.visual_in_scope() && set.judgements.iter().any(|j| !j.passed));
    analysis.overall = if failed {
        Outcome::Fail
    } else if !analysis.not_judged.is_empty() {
        Outcome::Incomplete
    } else {
        Outcome::Pass
    };
}

/// "0, 15, …, 255".
fn describe_levels(levels: &[u16]) -> String {
    match levels {
        [a, b, .., z] => format!("{a}, {b}, …, {z}"),
        _ => levels.iter().map(u16::to_string).collect::<Vec<_>>().join(", "),
    }
}

/// The limit a site set itself on the change of L'max from the baseline.
fn site_lmax_change_limit(percent: f64) -> Limit {
    Limit {
        item: Item::LmaxChange,
        comparison: Comparison::AtMost,
        value: percent,
        clause: "site setting (site.toml [constancy] lmax_change_percent, or \
                 --lmax-change-limit): no standard gives a limit on the change of L'max \
                 from the baseline"
            .into(),
        basis: Basis::Unsourced,
        note: None,
        optional: false,
        levels_percent: None,
    }
}

/// The uniform fields measured, each on its own (edition 1: all pooled).
fn uniformity_levels(
    set: &MeasurementSet,
    definition: UniformityDefinition,
    edition: u32,
) -> Vec<UniformityLevel> {
    let ddls: BTreeSet<u16> = set.uniformity.iter().map(|u| u.ddl).collect();
    let groups: Vec<(Level, Vec<f64>)> = if edition < 2 {
        let l: Vec<f64> =
            set.uniformity.iter().map(|u| set.total_luminance_cd_m2(u.luminance_cd_m2)).collect();
        let ddl = ddls.iter().next_back().copied().unwrap_or(0);
        vec![(level_of(ddl, set.bit_depth), l)]
    } else {
        ddls.iter()
            .rev()
            .map(|&ddl| {
                let l = set
                    .uniformity
                    .iter()
                    .filter(|u| u.ddl == ddl)
                    .map(|u| set.total_luminance_cd_m2(u.luminance_cd_m2))
                    .collect();
                (level_of(ddl, set.bit_depth), l)
            })
            .collect()
    };
    groups
        .into_iter()
        .map(|(level, l)| UniformityLevel {
            level,
            points: l.len(),
            uniformity_percent: uniformity::uniformity_percent(definition, &l),
            deviation_from_median_percent: uniformity::uniformity_percent(
                UniformityDefinition::DeviationFromMedian,
                &l,
            ),
        })
        .collect()
}

/// The rows a limit gives: one per uniform field for uniformity (the
/// fields the rule names, else every field measured), one otherwise.
fn rows_for(
    limit: &Limit,
    levels: &[UniformityLevel],
    bit_depth: u8,
    edition: u32,
) -> Vec<Option<Level>> {
    if limit.item != Item::Uniformity || edition < 2 {
        return vec![None];
    }
    let full = f64::from((1u32 << bit_depth) - 1);
    match &limit.levels_percent {
        Some(wanted) => wanted
            .iter()
            .map(|&p| {
                levels.iter().find(|l| l.level.percent == p).map(|l| l.level).or(Some(Level {
                    percent: p,
                    ddl: (f64::from(p) / 100.0 * full).round() as u16,
                }))
            })
            .collect(),
        None if levels.is_empty() => vec![None],
        None => levels.iter().map(|l| Some(l.level)).collect(),
    }
}

/// What the edition-2 judgement needs besides the values.
struct Context<'a> {
    set: &'a MeasurementSet,
    baseline: Option<&'a MeasurementSet>,
    response: Option<&'a Response>,
    baseline_response: Option<&'a Response>,
    expected: ContrastOptions,
    definition: UniformityDefinition,
}

/// Edition 2: scope, optional items, the meter's flags, Lamb unknown and
/// the measurement uncertainty.
fn judge_further(
    v: &mut Verdict,
    limit: &Limit,
    level: Option<Level>,
    c: &Context<'_>,
    options: &AnalysisOptions,
) {
    v.optional = limit.optional;
    v.level = level;
    let mut reasons: Vec<String> = v.reason.take().into_iter().collect();
    if v.value.is_some() {
        let inputs = inputs_of(v.item, level, c);
        v.flags = inputs
            .iter()
            .flat_map(|i| {
                i.flags
                    .iter()
                    .filter(|f| v.item.is_colour() || f.kind.doubts_luminance())
                    .map(move |f| format!("{}: {f}", i.what))
            })
            .collect();
        v.uncertainty = uncertainty_of(v.item, level, &inputs, c);
        if let (Some(u), Some(value)) = (&v.uncertainty, v.value) {
            v.near_limit = u.expanded > 0.0 && (value - v.limit).abs() <= u.expanded;
        }
        if c.set.ambient.is_none()
            && matches!(v.item, Item::Lmax | Item::LmaxWithoutAmbient | Item::LuminanceRatio)
        {
            reasons.push("Lamb unknown: taken as 0 cd/m²".into());
        }
        if !v.flags.is_empty() && v.result == Outcome::Pass {
            v.result = Outcome::Unconfirmed;
            reasons.push(format!(
                "meets the limit, but rests on readings the meter flagged ({}); measure them \
                 again",
                v.flags.join("; ")
            ));
        }
    }
    if !options.in_scope(v.item) {
        v.result = Outcome::NotEvaluated;
        reasons.push("excluded by --only: not judged".into());
    }
    v.reason = (!reasons.is_empty()).then(|| reasons.join("; "));
}

/// The required items the overall verdict could not judge.
fn not_judged(a: &Analysis, set: &MeasurementSet, options: &AnalysisOptions) -> Vec<NotJudged> {
    let mut out = Vec::new();
    for v in a.verdicts.iter().filter(|v| !v.optional) {
        if matches!(v.result, Outcome::NotEvaluated | Outcome::Unconfirmed) {
            out.push(NotJudged {
                item: v.key(),
                reason: v.reason.clone().unwrap_or_else(|| v.result.word().into()),
            });
        }
    }
    if a.test == TestType::Constancy
        && a.baseline.is_none()
        && !a.verdicts.iter().any(|v| v.item == Item::LmaxChange)
    {
        out.push(NotJudged {
            item: "baseline".into(),
            reason: "no baseline: a constancy test compares the display with its accepted \
                     state (JESRA X-0093 §6.5.2 基準値); give --baseline, or run an acceptance \
                     test first"
                .into(),
        });
    }
    for item in &options.visual_items {
        if !set.judgements.iter().any(|j| &j.item == item) {
            out.push(NotJudged {
                item: format!("visual/{item}"),
                reason: if options.visual_in_scope() {
                    "not judged: a person looks at the pattern (monqc run)".into()
                } else {
                    "excluded by --only: not judged".into()
                },
            });
        }
    }
    if a.verdicts.is_empty() && (a.test != TestType::Daily || set.judgements.is_empty()) {
        out.push(NotJudged {
            item: "criteria".into(),
            reason: format!(
                "{} has no measured criterion for grade {} in a {} test{}: nothing was judged",
                a.standard,
                a.grade,
                a.test,
                if set.judgements.is_empty() { " and no visual item was judged" } else { "" }
            ),
        });
    }
    out
}

/// One reading a value rests on: its value, what to call it, its flags and
/// how it enters the propagation.
struct InputReading {
    what: String,
    flags: Vec<MeterFlag>,
    slot: Slot,
}

/// Where an input of the propagation sits.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    /// The set's response reading `i`.
    Response(usize),
    /// The set's uniformity reading `i`.
    Uniformity(usize),
    /// The Lamb reading (display off) or the illuminance (Lamb = Rd · E).
    Ambient,
    /// The baseline's response reading `i`.
    BaselineResponse(usize),
}

impl Item {
    /// Items about colour, which every meter flag concerns.
    fn is_colour(self) -> bool {
        matches!(self, Self::ChromaticityUniformity | Self::GreyscaleTracking)
    }
}

/// The readings the value of `item` rests on.
fn inputs_of(item: Item, level: Option<Level>, c: &Context<'_>) -> Vec<InputReading> {
    let set = c.set;
    let response = |i: usize| {
        let r = &set.response[i];
        InputReading {
            what: format!("DDL {}", r.ddl),
            flags: r.flags.clone(),
            slot: Slot::Response(i),
        }
    };
    let ambient = || {
        set.ambient.map(|a| InputReading {
            what: match a.source {
                LambSource::DiffuseReflection { .. } => "illuminance".into(),
                _ => "Lamb".into(),
            },
            flags: set.ambient_flags.clone(),
            slot: Slot::Ambient,
        })
    };
    // Lamb is part of every L' of a contact or built-in sensor set-up; for a
    // telescopic meter it enters only Lmax without ambient and Lamb/L'min.
    let needs_ambient = if set.setup.readings_include_ambient() {
        matches!(item, Item::LmaxWithoutAmbient | Item::AmbientRatio)
    } else {
        !matches!(item, Item::LmaxWithoutAmbient) && !item.is_colour()
    };
    let used: Vec<usize> = c.response.map(|r| r.used.clone()).unwrap_or_default();
    let (first, last) = (used.first().copied(), used.last().copied());
    let mut out: Vec<InputReading> = match item {
        Item::Lmax | Item::LmaxChange | Item::LmaxWithoutAmbient => {
            last.into_iter().map(response).collect()
        }
        Item::LuminanceRatio => first.into_iter().chain(last).map(response).collect(),
        Item::Kdelta | Item::GreyscaleTracking => used.iter().map(|&i| response(i)).collect(),
        Item::AmbientRatio => first.into_iter().map(response).collect(),
        Item::Uniformity | Item::ChromaticityUniformity => {
            let ddl = match (item, level) {
                (Item::Uniformity, Some(l)) => Some(l.ddl),
                _ => set.uniformity.iter().map(|u| u.ddl).max(),
            };
            set.uniformity
                .iter()
                .enumerate()
                .filter(|(_, u)| Some(u.ddl) == ddl)
                .map(|(i, u)| InputReading {
                    what: format!("{} at DDL {}", u.position, u.ddl),
                    flags: u.flags.clone(),
                    slot: Slot::Uniformity(i),
                })
                .collect()
        }
    };
    if needs_ambient {
        out.extend(ambient());
    }
    if item == Item::LmaxChange
        && let (Some(b), Some(br)) = (c.baseline, c.baseline_response)
        && let Some(&i) = br.used.last()
    {
        out.push(InputReading {
            what: format!("baseline DDL {}", b.response[i].ddl),
            flags: b.response[i].flags.clone(),
            slot: Slot::BaselineResponse(i),
        });
    }
    out
}

/// The expanded uncertainty of `item` from the meters' stated accuracy
/// (GUM first-order propagation, [`uncertainty::propagate`]); `None` when
/// the luminance meter's accuracy is not known. Lamb from a meter whose
/// accuracy is not known, a stated Lamb and Rd are taken as exact.
fn uncertainty_of(
    item: Item,
    level: Option<Level>,
    inputs: &[InputReading],
    c: &Context<'_>,
) -> Option<Uncertainty> {
    if item.is_colour() {
        // Chromaticity accuracy is stated in x, y; its propagation to
        // Δu'v' is not modelled.
        return None;
    }
    let set = c.set;
    let luminance_meter = set.luminance_meter.as_ref()?;
    // Correlation groups: the luminance meter's gain (0), the illuminance
    // meter's (1), the baseline session's meter (2).
    let input_of = |slot: Slot| -> Option<Input> {
        match slot {
            Slot::Response(i) => {
                luminance_meter.input(Quantity::Luminance, set.response[i].luminance_cd_m2, 0)
            }
            Slot::Uniformity(i) => {
                luminance_meter.input(Quantity::Luminance, set.uniformity[i].luminance_cd_m2, 0)
            }
            Slot::Ambient => {
                let a = set.ambient?;
                let exact = Input { value: 0.0, independent: 0.0, correlated: 0.0, group: 0 };
                Some(match a.source {
                    LambSource::MeasuredDisplayOff => luminance_meter
                        .input(Quantity::Luminance, a.lamb_cd_m2, 0)
                        .unwrap_or(Input { value: a.lamb_cd_m2, ..exact }),
                    LambSource::DiffuseReflection { .. } => {
                        let e = a.illuminance_lx.unwrap_or(0.0);
                        set.illuminance_meter
                            .as_ref()
                            .and_then(|m| m.input(Quantity::Illuminance, e, 1))
                            .unwrap_or(Input { value: e, ..exact })
                    }
                    LambSource::Stated => Input { value: a.lamb_cd_m2, ..exact },
                })
            }
            Slot::BaselineResponse(i) => {
                let b = c.baseline?;
                let r = &b.response[i];
                Some(
                    b.luminance_meter
                        .as_ref()
                        .and_then(|m| m.input(Quantity::Luminance, r.luminance_cd_m2, 2))
                        .unwrap_or(Input {
                            value: r.luminance_cd_m2,
                            independent: 0.0,
                            correlated: 0.0,
                            group: 2,
                        }),
                )
            }
        }
    };
    let slots: Vec<Slot> = inputs.iter().map(|i| i.slot).collect();
    let values: Vec<Input> = slots.iter().map(|s| input_of(*s)).collect::<Option<Vec<_>>>()?;
    uncertainty::propagate(&values, |x| {
        let (perturbed, perturbed_baseline) = apply(c, &slots, x);
        item_value(item, level, &perturbed, perturbed_baseline.as_ref(), c)
    })
}

/// The set (and baseline) with the inputs at `slots` set to `x`.
fn apply(c: &Context<'_>, slots: &[Slot], x: &[f64]) -> (MeasurementSet, Option<MeasurementSet>) {
    let mut set = c.set.clone();
    let mut baseline = c.baseline.cloned();
    for (slot, &value) in slots.iter().zip(x) {
        match *slot {
            Slot::Response(i) => set.response[i].luminance_cd_m2 = value,
            Slot::Uniformity(i) => set.uniformity[i].luminance_cd_m2 = value,
            Slot::Ambient => {
                if let Some(a) = set.ambient.as_mut() {
                    match a.source {
                        LambSource::DiffuseReflection { rd_cd_m2_per_lx } => {
                            a.illuminance_lx = Some(value);
                            a.lamb_cd_m2 = rd_cd_m2_per_lx * value;
                        }
                        _ => a.lamb_cd_m2 = value,
                    }
                }
            }
            Slot::BaselineResponse(i) => {
                if let Some(b) = baseline.as_mut() {
                    b.response[i].luminance_cd_m2 = value;
                }
            }
        }
    }
    (set, baseline)
}

/// The value of `item` computed from `set` as the analysis does, over the
/// same readings; `None` where it is not defined.
fn item_value(
    item: Item,
    level: Option<Level>,
    set: &MeasurementSet,
    baseline: Option<&MeasurementSet>,
    c: &Context<'_>,
) -> Option<f64> {
    let r = c.response?;
    let l = |s: &MeasurementSet, i: usize| s.total_luminance_cd_m2(s.response[i].luminance_cd_m2);
    let (first, last) = (*r.used.first()?, *r.used.last()?);
    match item {
        Item::Lmax => Some(l(set, last)),
        Item::LmaxWithoutAmbient => Some(l(set, last) - set.lamb_cd_m2()),
        Item::LuminanceRatio => Some(l(set, last) / l(set, first)),
        Item::AmbientRatio => Some(set.ambient?.lamb_cd_m2 / l(set, first)),
        Item::Kdelta => {
            let points: Vec<(u16, f64)> =
                r.used.iter().map(|&i| (set.response[i].ddl, l(set, i))).collect();
            contrast_response(&points, c.expected).ok().map(|cr| cr.kdelta_percent)
        }
        Item::Uniformity => {
            let ddl =
                level.map(|l| l.ddl).or_else(|| set.uniformity.iter().map(|u| u.ddl).max())?;
            let lum: Vec<f64> = set
                .uniformity
                .iter()
                .filter(|u| u.ddl == ddl)
                .map(|u| set.total_luminance_cd_m2(u.luminance_cd_m2))
                .collect();
            uniformity::uniformity_percent(c.definition, &lum)
        }
        Item::LmaxChange => {
            let b = baseline?;
            let bl = *c.baseline_response?.used.last()?;
            let base = l(b, bl);
            Some((100.0 * (l(set, last) - base) / base).abs())
        }
        Item::ChromaticityUniformity | Item::GreyscaleTracking => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numbers::measurement::{FlagKind, Position, UniformityReading};
    use crate::numbers::uncertainty::{Confidence, MeterPerformance, Tolerance};

    /// A GSDF display with L'min 1.0 and L'max 400 cd/m² at the 18 levels
    /// (or every level of `step`), read by a contact meter.
    fn gsdf_set(step: u16) -> MeasurementSet {
        let (jmin, jmax) = (
            crate::numbers::gsdf::jnd_index(1.0).unwrap(),
            crate::numbers::gsdf::jnd_index(400.0).unwrap(),
        );
        let response = (0..=255u16)
            .step_by(step.into())
            .map(|d| ResponseReading {
                ddl: d,
                luminance_cd_m2: crate::numbers::gsdf::luminance_cd_m2(
                    jmin + f64::from(d) / 255.0 * (jmax - jmin),
                )
                .unwrap(),
                chromaticity: None,
                flags: Vec::new(),
                origin: Origin::default(),
            })
            .collect();
        MeasurementSet::from_readings(MeterSetup::Contact, None, 8, response)
    }

    fn jesra() -> Criteria {
        Criteria::built_in_for("jesra-x0093").unwrap()
    }

    fn verdict<'a>(a: &'a Analysis, key: &str) -> &'a Verdict {
        a.verdicts.iter().find(|v| v.key() == key).unwrap_or_else(|| panic!("{key}"))
    }

    #[test]
    fn kdelta_is_judged_over_the_standards_own_levels_whatever_else_was_read() {
        let options = AnalysisOptions::new("1b", TestType::Acceptance);
        let eighteen = analyse(&gsdf_set(15), &jesra(), &options, None).unwrap();
        for step in [1, 5] {
            let dense = analyse(&gsdf_set(step), &jesra(), &options, None).unwrap();
            assert_eq!(dense.kdelta_percent, eighteen.kdelta_percent, "step {step}");
            assert_eq!(dense.contrast_response.as_ref().unwrap().intervals.len(), 17);
            assert_eq!(dense.response_levels.len(), 18);
            assert!(dense.notes[0].contains("not used"), "{:?}", dense.notes);
        }
        // Edition 1 (records finalised before) judged every interval.
        let old = AnalysisOptions { edition: 1, ..options.clone() };
        let dense = analyse(&gsdf_set(1), &jesra(), &old, None).unwrap();
        assert_eq!(dense.contrast_response.unwrap().intervals.len(), 255);
        // A set missing some of the 18 levels is refused, naming them.
        let mut gappy = gsdf_set(5);
        gappy.response.retain(|r| r.ddl != 30 && r.ddl != 240);
        let err = analyse(&gappy, &jesra(), &options, None).unwrap_err().to_string();
        assert!(err.contains("missing DDLs: 30, 240"), "{err}");
    }

    #[test]
    fn items_not_evaluated_make_the_test_incomplete_never_a_pass() {
        let a = analyse(
            &gsdf_set(15),
            &jesra(),
            &AnalysisOptions::new("1b", TestType::Acceptance),
            None,
        )
        .unwrap();
        assert_eq!(a.overall, Outcome::Incomplete);
        let missing: Vec<&str> = a.not_judged.iter().map(|n| n.item.as_str()).collect();
        assert_eq!(missing, ["ambient-ratio", "uniformity", "chromaticity-uniformity"]);
        // Edition 1 called the same PASS.
        let old =
            AnalysisOptions { edition: 1, ..AnalysisOptions::new("1b", TestType::Acceptance) };
        assert_eq!(analyse(&gsdf_set(15), &jesra(), &old, None).unwrap().overall, Outcome::Pass);
        // With everything measured, it passes.
        let mut set = gsdf_set(15);
        set.ambient =
            Some(Ambient { lamb_cd_m2: 0.1, source: LambSource::Stated, illuminance_lx: None });
        set.uniformity = Position::FIVE
            .iter()
            .map(|&position| UniformityReading {
                position,
                ddl: 204,
                luminance_cd_m2: 200.0,
                chromaticity: Some(crate::numbers::colour::Chromaticity { x: 0.31, y: 0.33 }),
                flags: Vec::new(),
            })
            .collect();
        let a = analyse(&set, &jesra(), &AnalysisOptions::new("1b", TestType::Acceptance), None)
            .unwrap();
        assert_eq!(a.overall, Outcome::Pass, "{:?}", a.not_judged);
        // A visual item the procedure asks for but nobody judged.
        let options = AnalysisOptions {
            visual_items: vec!["greyscale".into()],
            ..AnalysisOptions::new("1b", TestType::Acceptance)
        };
        let a = analyse(&set, &jesra(), &options, None).unwrap();
        assert_eq!(a.overall, Outcome::Incomplete);
        assert_eq!(a.not_judged[0].item, "visual/greyscale");
    }

    #[test]
    fn only_judges_the_named_items_and_says_the_rest_were_not() {
        let options = AnalysisOptions {
            only: Some(vec!["kdelta".into(), "lmax".into(), "ratio".into()]),
            ..AnalysisOptions::new("1b", TestType::Acceptance)
        };
        let a = analyse(&gsdf_set(15), &jesra(), &options, None).unwrap();
        assert_eq!(verdict(&a, "kdelta").result, Outcome::Pass);
        assert_eq!(verdict(&a, "luminance-ratio").result, Outcome::Pass);
        let amb = verdict(&a, "ambient-ratio");
        assert!(amb.reason.as_deref().unwrap().contains("excluded by --only"), "{amb:?}");
        assert_eq!(a.overall, Outcome::Incomplete);
        assert_eq!(a.only.as_deref().unwrap().len(), 3);
        let bad = AnalysisOptions { only: Some(vec!["flux".into()]), ..options };
        let err = analyse(&gsdf_set(15), &jesra(), &bad, None).unwrap_err().to_string();
        assert!(err.contains("--only flux: no such item"), "{err}");
    }

    #[test]
    fn a_flagged_reading_makes_its_items_unconfirmed_not_a_plain_pass() {
        let mut set = gsdf_set(15);
        set.response[0].flags =
            vec![MeterFlag { kind: FlagKind::BelowRange, words: "OK13".into() }];
        let options = AnalysisOptions {
            only: Some(vec!["kdelta".into(), "lmax".into(), "ratio".into()]),
            ..AnalysisOptions::new("1b", TestType::Acceptance)
        };
        let a = analyse(&set, &jesra(), &options, None).unwrap();
        let ratio = verdict(&a, "luminance-ratio");
        assert_eq!(ratio.result, Outcome::Unconfirmed);
        assert_eq!(ratio.flags, ["DDL 0: below range (OK13)"]);
        assert_eq!(verdict(&a, "kdelta").result, Outcome::Unconfirmed);
        assert_eq!(verdict(&a, "lmax").result, Outcome::Pass, "L'max rests on DDL 255 only");
        assert!(a.not_judged.iter().any(|n| n.item == "luminance-ratio"));
        // Low light doubts the colour, not the luminance.
        set.response[0].flags = vec![MeterFlag { kind: FlagKind::LowLight, words: "e6".into() }];
        let a = analyse(&set, &jesra(), &options, None).unwrap();
        assert_eq!(verdict(&a, "luminance-ratio").result, Outcome::Pass);
    }

    fn ls100() -> MeterPerformance {
        MeterPerformance {
            luminance_accuracy: Some(Tolerance::percent_digits(2.0, 1)),
            luminance_repeatability: Some(Tolerance::percent_digits(0.2, 1)),
            illuminance_accuracy: None,
            illuminance_repeatability: None,
            source: "test".into(),
            confidence: Confidence::Unconfirmed,
        }
    }

    #[test]
    fn uncertainty_reaches_lmax_ratio_and_kdelta_and_near_limit_is_said() {
        let mut set = gsdf_set(15);
        set.luminance_meter = Some(ls100());
        let options = AnalysisOptions {
            only: Some(vec!["kdelta".into(), "lmax".into(), "ratio".into()]),
            ..AnalysisOptions::new("1b", TestType::Acceptance)
        };
        let a = analyse(&set, &jesra(), &options, None).unwrap();
        let lmax = verdict(&a, "lmax").uncertainty.unwrap();
        // One reading, ±2 % ±1 digit and ±0.2 % ±1 digit, rectangular, k = 2.
        let want = 2.0 * (8.0f64.powi(2) + 0.1f64.powi(2) + 0.9f64.powi(2)).sqrt() / 3f64.sqrt();
        assert!((lmax.expanded - want).abs() < 1e-6, "{lmax:?}");
        // The gain error cancels in r′: only repeatability and digits remain.
        let ratio = verdict(&a, "luminance-ratio").uncertainty.unwrap();
        assert!(ratio.expanded / a.luminance_ratio.unwrap() < 0.01, "{ratio:?}");
        assert!(verdict(&a, "kdelta").uncertainty.unwrap().expanded > 0.0);
        // r′ = 400 against a limit of 398: within its uncertainty.
        let mut near = jesra();
        for r in near.rules.iter_mut().filter(|r| r.item == Item::LuminanceRatio) {
            r.limits.insert("1b".into(), 399.5);
        }
        let a = analyse(&set, &near, &options, None).unwrap();
        let v = verdict(&a, "luminance-ratio");
        assert_eq!((v.result, v.near_limit), (Outcome::Pass, true));
        assert_eq!(v.word(), "pass, within uncertainty of the limit");
    }

    #[test]
    fn uniformity_is_judged_per_field() {
        let criteria = Criteria::built_in_for("aapm-tg18").unwrap();
        let mut set = gsdf_set(15);
        let field = |ddl: u16, centre: f64, corner: f64| -> Vec<UniformityReading> {
            Position::FIVE
                .iter()
                .map(|&position| UniformityReading {
                    position,
                    ddl,
                    luminance_cd_m2: if position == Position::Centre { centre } else { corner },
                    chromaticity: None,
                    flags: Vec::new(),
                })
                .collect()
        };
        // The UN80 field is uniform at 200 cd/m²; the UN10 field reads 10 at
        // the centre and 9 at the corners: 10.5 %, within 30 %.
        set.uniformity = field(204, 200.0, 200.0);
        let options = AnalysisOptions::new("primary", TestType::Acceptance);
        let a = analyse(&set, &criteria, &options, None).unwrap();
        assert_eq!(verdict(&a, "uniformity@80").result, Outcome::Pass);
        let un10 = verdict(&a, "uniformity@10");
        assert_eq!(un10.result, Outcome::NotEvaluated, "UN10 not measured");
        assert!(a.not_judged.iter().any(|n| n.item == "uniformity@10"));
        set.uniformity.extend(field(26, 10.0, 9.0));
        let a = analyse(&set, &criteria, &options, None).unwrap();
        assert_eq!(verdict(&a, "uniformity@80").value, Some(0.0));
        let un10 = verdict(&a, "uniformity@10");
        assert_eq!(un10.result, Outcome::Pass);
        assert!((un10.value.unwrap() - 200.0 / 19.0).abs() < 1e-9);
        assert_eq!(a.uniformity_levels.len(), 2);
        // Pooled, as edition 1 did, the two fields read as one that fails.
        let old = AnalysisOptions { edition: 1, ..options };
        let pooled = analyse(&set, &criteria, &old, None).unwrap();
        assert!(pooled.uniformity_percent.unwrap() > 150.0);
    }

    #[test]
    fn constancy_without_a_baseline_is_never_a_pass() {
        let mut set = gsdf_set(15);
        set.ambient =
            Some(Ambient { lamb_cd_m2: 0.1, source: LambSource::Stated, illuminance_lx: None });
        let options = AnalysisOptions {
            only: Some(vec!["kdelta".into(), "lmax".into(), "ratio".into()]),
            ..AnalysisOptions::new("1b", TestType::Constancy)
        };
        let a = analyse(&set, &jesra(), &options, None).unwrap();
        assert!(a.not_judged.iter().any(|n| n.item == "baseline"), "{:?}", a.not_judged);
        assert_eq!(a.overall, Outcome::Incomplete);
        // With a site tolerance and a baseline: judged, marked unsourced.
        let options = AnalysisOptions { lmax_change_limit_percent: Some(10.0), ..options };
        let a = analyse(&set, &jesra(), &options, Some(&set)).unwrap();
        let change = verdict(&a, "lmax-change");
        assert_eq!((change.basis, change.value), (Basis::Unsourced, Some(0.0)));
    }

    #[test]
    fn a_grade_no_rule_covers_is_never_a_pass() {
        let din = Criteria::built_in_for("din-6868-157").unwrap();
        let a =
            analyse(&gsdf_set(15), &din, &AnalysisOptions::new("viii", TestType::Acceptance), None)
                .unwrap();
        assert!(a.verdicts.is_empty());
        assert_eq!(a.overall, Outcome::Incomplete);
        // A daily check with nothing judged says so too.
        let mut empty = gsdf_set(15);
        empty.response.clear();
        let a =
            analyse(&empty, &jesra(), &AnalysisOptions::new("1a", TestType::Daily), None).unwrap();
        assert_eq!(a.overall, Outcome::Incomplete);
    }
}
