//! One measurement set analysed against one standard, grade and test type.
//!
//! Analysis is a pure function of the readings and the criteria table: the
//! same inputs give the same [`Analysis`], which reports, JSON export and the
//! verdict table all read.

use serde::{Deserialize, Serialize};

use crate::numbers::contrast_response::{
    ContrastOptions, ContrastResponse, ContrastResponseError, ExpectedContrast, JndInverse,
    contrast_response,
};
use crate::numbers::measurement::{Ambient, Judgement, MeasurementSet, MeterSetup, Origin};
use crate::numbers::uniformity::{self, UniformityDefinition};
use crate::numbers::{colour, luminance};
use crate::standards::criteria::{Basis, Comparison, Criteria, CriteriaError, Item, TestType};

/// The result of a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The value meets the limit.
    Pass,
    /// The value does not meet the limit.
    Fail,
    /// No value to judge (nothing measured, or no baseline); see the reason.
    NotEvaluated,
}

impl Outcome {
    /// Word for tables.
    pub fn word(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::NotEvaluated => "not evaluated",
        }
    }
}

/// A value with its unit as tables and reports show it: luminance to 0.01
/// cd/m² (0.001 below 10 cd/m², where L'min and Lamb live), percentages to
/// 0.01, small ratios (Δu'v', Lamb/L'min) to 4 decimals, others to 1.
pub fn format_value(value: f64, unit: &str) -> String {
    let digits = match unit {
        "cd/m²" if value < 10.0 => 3,
        "cd/m²" | "%" => 2,
        _ if value.abs() < 1.0 => 4,
        _ => 1,
    };
    if unit.is_empty() { format!("{value:.digits$}") } else { format!("{value:.digits$} {unit}") }
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
    /// Pass, fail or not evaluated.
    pub result: Outcome,
    /// Why a verdict is not evaluated, or a note on the limit.
    pub reason: Option<String>,
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

/// The analysis of one measurement set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
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
    /// L'max: the luminance at the highest DDL including ambient, cd/m²
    /// (none for a visual-only test).
    pub lmax_cd_m2: Option<f64>,
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
    /// How uniformity is expressed for this standard.
    pub uniformity_definition: UniformityDefinition,
    /// Luminance uniformity, in %, when measured.
    pub uniformity_percent: Option<f64>,
    /// Luminance uniformity as AAPM Report 270 expresses it (deviation from
    /// the median, "LUDM"), in %, for comparison whatever the standard.
    pub uniformity_deviation_from_median_percent: Option<f64>,
    /// Largest Δu'v' between the uniformity points, when measured.
    pub chromaticity_max_delta_uv: Option<f64>,
    /// Largest greyscale Δu'v' from the brightest step, when measured.
    pub greyscale_tracking_delta_uv: Option<f64>,
    /// Constancy figures, when a baseline was given.
    pub baseline: Option<BaselineComparison>,
    /// One verdict per criterion that applies.
    pub verdicts: Vec<Verdict>,
    /// The operator's visual judgements.
    pub visual: Vec<Judgement>,
    /// Fail if any verdict or visual judgement fails; pass otherwise.
    pub overall: Outcome,
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
}

/// Luminance-response figures shared by the measurement and its baseline.
struct Response {
    lmax: f64,
    lmin: f64,
    contrast: ContrastResponse,
}

fn analyse_response(
    set: &MeasurementSet,
    criteria: &Criteria,
    options: ContrastOptions,
) -> Result<Response, AnalysisError> {
    let file_origin = Origin { path: set.source.clone(), line: None };
    let need = criteria.standard.response_points;
    let full_scale = ((1u32 << set.bit_depth) - 1) as u16;
    if set.response.len() < need {
        let step = f64::from(full_scale) / (need.max(2) - 1) as f64;
        let missing: Vec<String> = (0..need)
            .map(|i| (i as f64 * step).round() as u16)
            .filter(|d| !set.response.iter().any(|r| r.ddl == *d))
            .map(|d| d.to_string())
            .collect();
        return Err(AnalysisError::TooFewResponsePoints {
            origin: file_origin,
            got: set.response.len(),
            requirement: format!(
                "{} needs {need} ({})",
                criteria.standard.name, criteria.standard.response_patterns
            ),
            missing: if missing.is_empty() {
                String::new()
            } else {
                format!(": {}", missing.join(", "))
            },
        });
    }
    let first = set.response.first().map_or(0, |r| r.ddl);
    let last = set.response.last().map_or(0, |r| r.ddl);
    if first != 0 || last != full_scale {
        return Err(AnalysisError::IncompleteRange {
            origin: file_origin,
            first,
            last,
            full_scale,
            bits: set.bit_depth,
        });
    }
    let points: Vec<(u16, f64)> = set
        .response
        .iter()
        .map(|r| (r.ddl, set.total_luminance_cd_m2(r.luminance_cd_m2)))
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
            ContrastResponseError::OutsideGsdf { which: "L'max", .. } => last,
            _ => 0,
        };
        AnalysisError::ContrastResponse { origin: set.origin_of_ddl(ddl), source }
    })?;
    Ok(Response { lmax, lmin, contrast })
}

/// Analyse `set` against `criteria` for the grade and test in `options`;
/// `baseline` is the display's acceptance (or re-baseline) measurement.
pub fn analyse(
    set: &MeasurementSet,
    criteria: &Criteria,
    options: &AnalysisOptions,
    baseline: Option<&MeasurementSet>,
) -> Result<Analysis, AnalysisError> {
    let grade = criteria.grade(&options.grade)?;
    let expected = ContrastOptions {
        expected: options.expected_contrast.unwrap_or(criteria.standard.expected_contrast),
        inverse: options.jnd_inverse,
    };
    // A visual-only test (the daily check) measures nothing; every other
    // test needs the full luminance response.
    let response = if set.response.is_empty() && options.test == TestType::Daily {
        None
    } else {
        Some(analyse_response(set, criteria, expected)?)
    };
    let baseline = baseline
        .zip(response.as_ref())
        .map(|(b, response)| {
            analyse_response(b, criteria, expected)
                .map_err(|e| AnalysisError::Baseline(Box::new(e)))
                .map(|r| BaselineComparison {
                    lmax_cd_m2: r.lmax,
                    lmin_cd_m2: r.lmin,
                    luminance_ratio: luminance::luminance_ratio(r.lmax, r.lmin),
                    kdelta_percent: r.contrast.kdelta_percent,
                    lmax_change_percent: 100.0 * (response.lmax - r.lmax) / r.lmax,
                })
        })
        .transpose()?;

    let lamb = set.lamb_cd_m2();
    let ambient_ratio = set
        .ambient
        .zip(response.as_ref())
        .map(|(a, r)| luminance::ambient_ratio(a.lamb_cd_m2, r.lmin));
    let uniformity_definition = criteria.standard.uniformity;
    let uniform_l: Vec<f64> =
        set.uniformity.iter().map(|u| set.total_luminance_cd_m2(u.luminance_cd_m2)).collect();
    let uniformity_percent = uniformity::uniformity_percent(uniformity_definition, &uniform_l);
    let uniformity_deviation_from_median_percent =
        uniformity::uniformity_percent(UniformityDefinition::DeviationFromMedian, &uniform_l);
    let uniform_xy: Vec<_> =
        set.uniformity.iter().filter_map(|u| u.chromaticity.map(|c| (u.position, c))).collect();
    let chromaticity_max_delta_uv = colour::max_pairwise_delta_uv(&uniform_xy);
    let tracking: Vec<_> = set
        .response
        .iter()
        .filter_map(|r| r.chromaticity.map(|c| (r.luminance_cd_m2, c)))
        .collect();
    let greyscale_tracking_delta_uv = colour::greyscale_tracking_delta_uv(&tracking);
    let luminance_ratio = response.as_ref().map(|r| luminance::luminance_ratio(r.lmax, r.lmin));
    let kdelta_percent = response.as_ref().map(|r| r.contrast.kdelta_percent);

    let no_response = || "no luminance response measured".to_string();
    let value_of = |item: Item| -> Result<f64, String> {
        match item {
            Item::Lmax => response.as_ref().map(|r| r.lmax).ok_or_else(no_response),
            Item::LuminanceRatio => luminance_ratio.ok_or_else(no_response),
            Item::Kdelta => kdelta_percent.ok_or_else(no_response),
            Item::AmbientRatio => ambient_ratio
                .ok_or_else(|| "Lamb not known (measure it, or give --lamb)".to_string()),
            Item::Uniformity => uniformity_percent
                .ok_or_else(|| "no uniformity readings (TG18-UN80 centre and corners)".to_string()),
            Item::ChromaticityUniformity => chromaticity_max_delta_uv
                .ok_or_else(|| "no chromaticity at the uniformity points".to_string()),
            Item::GreyscaleTracking => greyscale_tracking_delta_uv.ok_or_else(|| {
                "no chromaticity on at least two response readings ≥ 5 cd/m²".to_string()
            }),
            Item::LmaxChange => baseline
                .as_ref()
                .map(|b| b.lmax_change_percent.abs())
                .ok_or_else(|| "no baseline given (--baseline FILE)".to_string()),
        }
    };
    let verdicts: Vec<Verdict> = criteria
        .limits(grade, options.test)
        .into_iter()
        .map(|limit| {
            let (value, result, reason) = match value_of(limit.item) {
                Ok(v) => {
                    let pass = limit.comparison.holds(v, limit.value);
                    (Some(v), if pass { Outcome::Pass } else { Outcome::Fail }, limit.note.clone())
                }
                Err(why) => (None, Outcome::NotEvaluated, Some(why)),
            };
            Verdict {
                item: limit.item,
                label: limit.item.label().to_string(),
                value,
                unit: limit.item.unit().to_string(),
                comparison: limit.comparison,
                limit: limit.value,
                clause: limit.clause,
                basis: limit.basis,
                result,
                reason,
            }
        })
        .collect();
    let overall = if verdicts.iter().any(|v| v.result == Outcome::Fail)
        || set.judgements.iter().any(|j| !j.passed)
    {
        Outcome::Fail
    } else {
        Outcome::Pass
    };
    Ok(Analysis {
        standard_id: criteria.standard.id.clone(),
        standard: criteria.standard.name.clone(),
        grade: grade.id.clone(),
        test: options.test,
        criteria_sha256: criteria.sha256.clone(),
        setup: set.setup,
        ambient: set.ambient,
        lamb_cd_m2: lamb,
        lmax_cd_m2: response.as_ref().map(|r| r.lmax),
        lmin_cd_m2: response.as_ref().map(|r| r.lmin),
        luminance_ratio,
        ambient_ratio,
        kdelta_percent,
        contrast_response: response.map(|r| r.contrast),
        uniformity_definition,
        uniformity_percent,
        uniformity_deviation_from_median_percent,
        chromaticity_max_delta_uv,
        greyscale_tracking_delta_uv,
        baseline,
        verdicts,
        visual: set.judgements.clone(),
        overall,
    })
}
