//! Each standard's pass/fail criteria, loaded from data.
//!
//! The tables live in `calibration-data/criteria/*.toml`, one file per
//! standard edition, each limit with the clause it comes from and how sure
//! we are of it ([`Basis`]). They are compiled into the binary so monqc works
//! from any directory; `--criteria FILE` loads another table instead.
//!
//! Parsing goes in two steps: the raw TOML shape ([`RawCriteria`]) is
//! deserialised, then validated into [`Criteria`] with errors that name the
//! file, the rule and the fix.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::numbers::contrast_response::ExpectedContrast;
use crate::numbers::digest::sha256_hex;
use crate::numbers::uniformity::UniformityDefinition;

/// The criteria tables shipped with monqc: (file name, contents).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("jesra-x0093.toml", include_str!("../../calibration-data/criteria/jesra-x0093.toml")),
    ("iec-62563-2.toml", include_str!("../../calibration-data/criteria/iec-62563-2.toml")),
    ("aapm-tg18.toml", include_str!("../../calibration-data/criteria/aapm-tg18.toml")),
    ("din-6868-157.toml", include_str!("../../calibration-data/criteria/din-6868-157.toml")),
];

/// The most luminance-response readings a criteria table may ask for: every
/// DDL of a 10-bit display.
pub const MAX_RESPONSE_POINTS: usize = 1024;

/// The kind of test a limit belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum TestType {
    /// Acceptance test (受入試験): at installation, after repair or change.
    Acceptance,
    /// Constancy test (不変性試験): periodic, against the baseline (基準値).
    Constancy,
    /// The visual check on each day of use, before use (JESRA X-0093
    /// 使用日ごとの全体評価試験, §6.5.3).
    Daily,
}

impl fmt::Display for TestType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Acceptance => "acceptance",
            Self::Constancy => "constancy",
            Self::Daily => "daily",
        })
    }
}

/// A measured quantity that criteria can limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Item {
    /// L'max, in cd/m².
    Lmax,
    /// Lmax, the display's own maximum luminance without ambient light, in
    /// cd/m² (IEC 62563-1 Annex A samples list L'max and Lmax apart).
    LmaxWithoutAmbient,
    /// Luminance ratio r' = L'max / L'min.
    LuminanceRatio,
    /// Kδ, the largest contrast-response error, in %.
    Kdelta,
    /// Ambient ratio Lamb / L'min.
    AmbientRatio,
    /// Luminance uniformity, in % (definition per standard).
    Uniformity,
    /// Largest Δu'v' between the uniformity points.
    ChromaticityUniformity,
    /// Largest Δu'v' of the greyscale from its brightest step.
    GreyscaleTracking,
    /// Change of L'max from the baseline, in % (constancy).
    LmaxChange,
}

impl Item {
    /// Every item, in report order.
    pub const ALL: [Item; 9] = [
        Self::Lmax,
        Self::LmaxWithoutAmbient,
        Self::LuminanceRatio,
        Self::Kdelta,
        Self::AmbientRatio,
        Self::Uniformity,
        Self::ChromaticityUniformity,
        Self::GreyscaleTracking,
        Self::LmaxChange,
    ];

    /// The quantity's name with its symbol, for tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::Lmax => "L'max",
            Self::LmaxWithoutAmbient => "Lmax (without ambient)",
            Self::LuminanceRatio => "luminance ratio r'",
            Self::Kdelta => "contrast response Kδ",
            Self::AmbientRatio => "ambient ratio Lamb/L'min",
            Self::Uniformity => "luminance uniformity",
            Self::ChromaticityUniformity => "chromaticity Δu'v' (points)",
            Self::GreyscaleTracking => "greyscale Δu'v' (tracking)",
            Self::LmaxChange => "L'max change from baseline",
        }
    }

    /// The unit of the item's value ("" for ratios).
    pub fn unit(self) -> &'static str {
        match self {
            Self::Lmax | Self::LmaxWithoutAmbient => "cd/m²",
            Self::Kdelta | Self::Uniformity | Self::LmaxChange => "%",
            Self::LuminanceRatio
            | Self::AmbientRatio
            | Self::ChromaticityUniformity
            | Self::GreyscaleTracking => "",
        }
    }

    /// The item's identifier in criteria files and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Self::Lmax => "lmax",
            Self::LmaxWithoutAmbient => "lmax-without-ambient",
            Self::LuminanceRatio => "luminance-ratio",
            Self::Kdelta => "kdelta",
            Self::AmbientRatio => "ambient-ratio",
            Self::Uniformity => "uniformity",
            Self::ChromaticityUniformity => "chromaticity-uniformity",
            Self::GreyscaleTracking => "greyscale-tracking",
            Self::LmaxChange => "lmax-change",
        }
    }
}

impl Item {
    /// The item named `name`: its id, or a short name (`ratio`, `ambient`,
    /// `chromaticity`, `tracking`), any case. For `--only`.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let short = match name.as_str() {
            "ratio" | "r" => Some(Self::LuminanceRatio),
            "ambient" => Some(Self::AmbientRatio),
            "chromaticity" => Some(Self::ChromaticityUniformity),
            "tracking" => Some(Self::GreyscaleTracking),
            "lmax-display" => Some(Self::LmaxWithoutAmbient),
            _ => None,
        };
        short.or_else(|| Self::ALL.into_iter().find(|i| i.id() == name))
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// How a value is compared with its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    /// value ≥ limit.
    #[serde(rename = ">=")]
    AtLeast,
    /// value > limit.
    #[serde(rename = ">")]
    Above,
    /// value ≤ limit.
    #[serde(rename = "<=")]
    AtMost,
    /// value < limit.
    #[serde(rename = "<")]
    Below,
}

impl Comparison {
    /// Whether `value` meets `limit`.
    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            Self::AtLeast => value >= limit,
            Self::Above => value > limit,
            Self::AtMost => value <= limit,
            Self::Below => value < limit,
        }
    }

    /// The mathematical sign.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::AtLeast => "≥",
            Self::Above => ">",
            Self::AtMost => "≤",
            Self::Below => "<",
        }
    }
}

/// How sure we are that a limit is the standard's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// Read in the standard's own text.
    Standard,
    /// Quoted by a secondary source (a vendor's summary, a manual, a
    /// reference implementation); the standard's text not seen.
    Secondary,
    /// The standard's own value is not known; a value from a related
    /// standard is applied, and the verdict is marked provisional.
    Provisional,
    /// No source gives the limit: a value the site set for itself (a site
    /// setting, never a standard's).
    Unsourced,
}

/// One limit as written in a criteria file.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// The item limited.
    pub item: Item,
    /// The test types the rule applies to.
    pub tests: Vec<TestType>,
    /// How the value is compared.
    pub comparison: Comparison,
    /// Limit per grade id; a grade missing here is not limited by this rule.
    pub limits: BTreeMap<String, f64>,
    /// Where the limit comes from.
    pub clause: String,
    /// How sure we are of it.
    pub basis: Basis,
    /// Anything a reader of the verdict should know.
    #[serde(default)]
    pub note: Option<String>,
    /// The standard marks the item optional (for example "colour displays
    /// only"): it is judged when measured, and listed as optional when not;
    /// it never holds back an overall verdict. The note says why.
    #[serde(default)]
    pub optional: bool,
    /// For uniformity: the fields (in % of full scale, TG18-UN80 = 80,
    /// TG18-UN10 = 10) each judged on its own. Absent: every field measured.
    #[serde(default)]
    pub levels_percent: Option<Vec<u8>>,
}

/// A grade (or category, or class) of display.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    /// Identifier used on the command line (lower case).
    pub id: String,
    /// Name as the standard prints it.
    pub name: String,
    /// What displays of this grade are used for.
    pub usage: String,
}

/// The `[standard]` table of a criteria file.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StandardInfo {
    /// Identifier used on the command line.
    pub id: String,
    /// Name and edition as printed, e.g. "JESRA X-0093*B-2017".
    pub name: String,
    /// Full title.
    pub title: String,
    /// Number of luminance-response readings the contrast response needs.
    pub response_points: usize,
    /// The patterns those readings are taken on.
    pub response_patterns: String,
    /// How this standard expresses luminance uniformity.
    pub uniformity: UniformityDefinition,
    /// Which GSDF contrast Kδ compares against.
    pub expected_contrast: ExpectedContrast,
}

/// A criteria file as written.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCriteria {
    /// The standard.
    pub standard: StandardInfo,
    /// Its grades.
    #[serde(rename = "grade")]
    pub grades: Vec<Grade>,
    /// Its limits.
    #[serde(rename = "rule")]
    pub rules: Vec<RawRule>,
}

/// A validated criteria table for one standard edition.
#[derive(Clone, Debug, PartialEq)]
pub struct Criteria {
    /// The standard.
    pub standard: StandardInfo,
    /// Its grades.
    pub grades: Vec<Grade>,
    /// Its limits.
    pub rules: Vec<RawRule>,
    /// The file it came from (built-in name or path).
    pub origin: String,
    /// SHA-256 of the file's bytes, recorded with every analysis.
    pub sha256: String,
    /// The file's text, kept so a record can carry the exact table it used.
    pub text: String,
}

/// A limit that applies to one grade and test type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// The item limited.
    pub item: Item,
    /// How the value is compared.
    pub comparison: Comparison,
    /// The limit value, in the item's unit.
    pub value: f64,
    /// Where the limit comes from.
    pub clause: String,
    /// How sure we are of it.
    pub basis: Basis,
    /// Anything a reader should know.
    pub note: Option<String>,
    /// Optional in the standard: never holds back the overall verdict.
    pub optional: bool,
    /// For uniformity: the fields judged, in % of full scale.
    pub levels_percent: Option<Vec<u8>>,
}

/// Why criteria could not be loaded or chosen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CriteriaError {
    /// The file could not be read.
    #[error("cannot read criteria file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown keys.
    #[error("criteria file {origin}: {message}")]
    Syntax {
        /// The file.
        origin: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// The TOML parses but does not make sense.
    #[error("criteria file {origin}: {problem}")]
    Invalid {
        /// The file.
        origin: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// No criteria for this standard.
    #[error("unknown standard `{asked}`; known standards: {known}")]
    UnknownStandard {
        /// What was asked for.
        asked: String,
        /// What exists.
        known: String,
    },
    /// The standard has no such grade.
    #[error("{standard} has no grade `{asked}`; its grades are: {known}")]
    UnknownGrade {
        /// The standard.
        standard: String,
        /// What was asked for.
        asked: String,
        /// What exists.
        known: String,
    },
}

impl Criteria {
    /// Parse and validate a criteria table. `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Self, CriteriaError> {
        let raw: RawCriteria = toml::from_str(text).map_err(|e| CriteriaError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let invalid =
            |problem: String| CriteriaError::Invalid { origin: origin.to_string(), problem };
        if raw.grades.is_empty() {
            return Err(invalid("no [[grade]] tables; a standard needs at least one grade".into()));
        }
        // REDTEAM X3: 300 000 000 points allocated gigabytes, then aborted.
        if !(2..=MAX_RESPONSE_POINTS).contains(&raw.standard.response_points) {
            return Err(invalid(format!(
                "[standard] response_points = {}: give 2 to {MAX_RESPONSE_POINTS} (the DDLs of \
                 a 10-bit display; the standards ask for 18 or a few more)",
                raw.standard.response_points
            )));
        }
        for (i, rule) in raw.rules.iter().enumerate() {
            let which = format!("rule {} ({})", i + 1, rule.item);
            if rule.tests.is_empty() {
                return Err(invalid(format!(
                    "{which}: `tests` is empty; list acceptance and/or constancy"
                )));
            }
            if rule.clause.trim().is_empty() {
                return Err(invalid(format!(
                    "{which}: `clause` is empty; every limit must cite its source"
                )));
            }
            if let Some(levels) = &rule.levels_percent {
                if rule.item != Item::Uniformity {
                    return Err(invalid(format!(
                        "{which}: `levels_percent` applies to uniformity only"
                    )));
                }
                if levels.is_empty() || levels.iter().any(|l| !(1..=100).contains(l)) {
                    return Err(invalid(format!(
                        "{which}: `levels_percent` lists the uniform fields in % of full scale, \
                         1 to 100 (TG18-UN80 = 80, TG18-UN10 = 10)"
                    )));
                }
            }
            if rule.optional && rule.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                return Err(invalid(format!(
                    "{which}: an optional rule needs a `note` saying when it applies"
                )));
            }
            for (grade, limit) in &rule.limits {
                if !raw.grades.iter().any(|g| &g.id == grade) {
                    return Err(invalid(format!(
                        "{which}: limit for grade `{grade}`, which is not declared in [[grade]]"
                    )));
                }
                if !limit.is_finite() || *limit < 0.0 {
                    return Err(invalid(format!(
                        "{which}: limit {limit} for grade `{grade}` is not a finite, non-negative number"
                    )));
                }
            }
        }
        Ok(Self {
            standard: raw.standard,
            grades: raw.grades,
            rules: raw.rules,
            origin: origin.to_string(),
            sha256: sha256_hex(text.as_bytes()),
            text: text.to_string(),
        })
    }

    /// Load a criteria table from a file.
    pub fn load(path: &Path) -> Result<Self, CriteriaError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| CriteriaError::Io { path: path.display().to_string(), source })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Every built-in table.
    pub fn built_in() -> Vec<Self> {
        BUILT_IN
            .iter()
            .map(|(name, text)| {
                Self::parse(text, &format!("built-in {name}"))
                    .expect("built-in criteria are checked by the test suite")
            })
            .collect()
    }

    /// The built-in table for standard `id` (case-insensitive).
    pub fn built_in_for(id: &str) -> Result<Self, CriteriaError> {
        let all = Self::built_in();
        let known = all.iter().map(|c| c.standard.id.clone()).collect::<Vec<_>>().join(", ");
        all.into_iter()
            .find(|c| c.standard.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| CriteriaError::UnknownStandard { asked: id.to_string(), known })
    }

    /// The grade with id `id` (case-insensitive).
    pub fn grade(&self, id: &str) -> Result<&Grade, CriteriaError> {
        self.grades.iter().find(|g| g.id.eq_ignore_ascii_case(id)).ok_or_else(|| {
            CriteriaError::UnknownGrade {
                standard: self.standard.name.clone(),
                asked: id.to_string(),
                known: self.grades.iter().map(|g| g.id.as_str()).collect::<Vec<_>>().join(", "),
            }
        })
    }

    /// The limits that apply to `grade` in a `test`, in report order.
    pub fn limits(&self, grade: &Grade, test: TestType) -> Vec<Limit> {
        let mut limits: Vec<Limit> = self
            .rules
            .iter()
            .filter(|r| r.tests.contains(&test))
            .filter_map(|r| {
                r.limits.get(&grade.id).map(|&value| Limit {
                    item: r.item,
                    comparison: r.comparison,
                    value,
                    clause: r.clause.clone(),
                    basis: r.basis,
                    note: r.note.clone(),
                    optional: r.optional,
                    levels_percent: r.levels_percent.clone(),
                })
            })
            .collect();
        limits.sort_by_key(|l| Item::ALL.iter().position(|i| *i == l.item));
        limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_tables_load_and_cite_every_limit() {
        let all = Criteria::built_in();
        assert_eq!(all.len(), BUILT_IN.len());
        for c in &all {
            for r in &c.rules {
                assert!(r.clause.len() > 10, "{}: {} has no real clause", c.standard.id, r.item);
            }
        }
    }

    #[test]
    fn jesra_grade_table() {
        // JESRA X-0093*B-2017 grade table as printed by LG Electronics Japan
        // (calibration-data/STANDARDS.md, "JESRA X-0093 grades and limits"): L'max ≥ 350/170/100, r' ≥ 250/250/100, Kδ ≤ 10/15/30 %.
        let c = Criteria::built_in_for("jesra-x0093").unwrap();
        let want =
            [("1a", 350.0, 250.0, 10.0), ("1b", 170.0, 250.0, 15.0), ("2", 100.0, 100.0, 30.0)];
        for (grade, lmax, ratio, kdelta) in want {
            let limits = c.limits(c.grade(grade).unwrap(), TestType::Acceptance);
            let get = |item| limits.iter().find(|l| l.item == item).unwrap();
            assert_eq!(
                (get(Item::Lmax).value, get(Item::Lmax).comparison),
                (lmax, Comparison::AtLeast)
            );
            assert_eq!(get(Item::LuminanceRatio).value, ratio);
            assert_eq!(
                (get(Item::Kdelta).value, get(Item::Kdelta).comparison),
                (kdelta, Comparison::AtMost)
            );
        }
    }

    /// Issue 11 item 6: the corrections found against the sources
    /// (calibration-data/STANDARDS.md, "Luminance ratio and ambient ratio",
    /// "IEC 62563-2", "Change of L′max from the baseline").
    #[test]
    fn criteria_follow_the_sources_as_checked() {
        let limit = |std: &str, grade: &str, test, item| {
            let c = Criteria::built_in_for(std).unwrap();
            c.limits(c.grade(grade).unwrap(), test).into_iter().find(|l| l.item == item)
        };
        // AAPM's ambient rule is strict: Lamb < Lmin/1.5 ⇔ Lamb/L'min < 0.4.
        let ambient = limit("aapm-tg18", "primary", TestType::Acceptance, Item::AmbientRatio);
        let ambient = ambient.unwrap();
        assert_eq!((ambient.comparison, ambient.value), (Comparison::Below, 0.4));
        assert!(!ambient.comparison.holds(0.4, ambient.value), "0.4 itself fails");
        // AAPM judges uniformity on UN80 and UN10 apart.
        let un = limit("aapm-tg18", "primary", TestType::Acceptance, Item::Uniformity).unwrap();
        assert_eq!(un.levels_percent.as_deref(), Some(&[80, 10][..]));
        // IEC's "Lmax > 170" is the display's luminance without ambient.
        let iec = |test, item| limit("iec-62563-2", "diagnostic", test, item);
        assert!(iec(TestType::Acceptance, Item::Lmax).is_none());
        assert_eq!(iec(TestType::Acceptance, Item::LmaxWithoutAmbient).unwrap().value, 170.0);
        // The constancy sample: no uniformity number, greyscale Δu'v' < 0.01
        // for colour displays (optional for others).
        assert!(iec(TestType::Constancy, Item::Uniformity).is_none());
        assert!(iec(TestType::Acceptance, Item::Uniformity).is_some());
        let tracking = iec(TestType::Constancy, Item::GreyscaleTracking).unwrap();
        assert_eq!((tracking.value, tracking.optional), (0.01, true));
        assert!(tracking.note.unwrap().contains("colour displays"));
        // No source gives a limit on the change of L'max: no table has one.
        for c in Criteria::built_in() {
            assert!(
                !c.rules.iter().any(|r| r.item == Item::LmaxChange),
                "{}: an L'max-change limit without a source",
                c.standard.id
            );
        }
    }

    /// DIN 6868-157 application classes as EIZO's RadiCS page prints them
    /// (calibration-data/STANDARDS.md, "DIN 6868-157").
    #[test]
    fn din_6868_157_class_table() {
        let c = Criteria::built_in_for("din-6868-157").unwrap();
        // (class, L'max, ratio, Kδ, homogeneity)
        type Row = (&'static str, Option<f64>, Option<f64>, Option<f64>, Option<f64>);
        let want: [Row; 8] = [
            ("i", Some(250.0), Some(250.0), Some(10.0), Some(25.0)),
            ("ii", Some(200.0), Some(100.0), Some(15.0), Some(25.0)),
            ("iii", Some(250.0), Some(250.0), Some(10.0), Some(25.0)),
            ("iv", Some(150.0), Some(100.0), Some(15.0), Some(25.0)),
            ("v", Some(150.0), Some(100.0), Some(15.0), Some(25.0)),
            ("vi", Some(200.0), Some(100.0), None, Some(30.0)),
            ("vii", Some(300.0), Some(100.0), None, Some(30.0)),
            ("viii", None, None, None, None),
        ];
        for (grade, lmax, ratio, kdelta, homogeneity) in want {
            let limits = c.limits(c.grade(grade).unwrap(), TestType::Acceptance);
            let get = |item| limits.iter().find(|l| l.item == item).map(|l| l.value);
            assert_eq!(get(Item::Lmax), lmax, "{grade}");
            assert_eq!(get(Item::LuminanceRatio), ratio, "{grade}");
            assert_eq!(get(Item::Kdelta), kdelta, "{grade}");
            assert_eq!(get(Item::Uniformity), homogeneity, "{grade}");
        }
        let u = c.limits(c.grade("i").unwrap(), TestType::Acceptance);
        let u = u.iter().find(|l| l.item == Item::Uniformity).unwrap();
        assert_eq!(u.comparison, Comparison::Below, "homogeneity < 25 %");
    }

    #[test]
    fn an_optional_rule_must_say_when_it_applies() {
        let text = r#"
[standard]
id = "x"
name = "X"
title = "X"
response_points = 18
response_patterns = "LN"
uniformity = "max-deviation"
expected_contrast = "ideal-interval"
[[grade]]
id = "a"
name = "A"
usage = "u"
[[rule]]
item = "greyscale-tracking"
tests = ["acceptance"]
comparison = "<"
limits = { a = 0.01 }
clause = "X §1 table"
basis = "standard"
optional = true
"#;
        let err = Criteria::parse(text, "t").unwrap_err().to_string();
        assert!(err.contains("optional rule needs a `note`"), "{err}");
        let levels = text.replace("optional = true", "levels_percent = [80]");
        let err = Criteria::parse(&levels, "t").unwrap_err().to_string();
        assert!(err.contains("applies to uniformity only"), "{err}");
    }

    #[test]
    fn items_are_named_by_id_or_short_name() {
        assert_eq!(Item::from_name("ratio"), Some(Item::LuminanceRatio));
        assert_eq!(Item::from_name("KDELTA"), Some(Item::Kdelta));
        assert_eq!(Item::from_name("lmax-change"), Some(Item::LmaxChange));
        assert_eq!(Item::from_name("flux"), None);
    }

    #[test]
    fn unknown_standard_and_grade_list_the_known_ones() {
        let err = Criteria::built_in_for("din-6868").unwrap_err().to_string();
        assert!(err.contains("jesra-x0093") && err.contains("aapm-tg18"), "{err}");
        let c = Criteria::built_in_for("JESRA-X0093").unwrap();
        let err = c.grade("3").unwrap_err().to_string();
        assert!(err.contains("1a, 1b, 2"), "{err}");
    }

    #[test]
    fn rejects_a_limit_without_a_clause_or_for_an_undeclared_grade() {
        let base = r#"
[standard]
id = "x"
name = "X"
title = "X"
response_points = 18
response_patterns = "LN"
uniformity = "max-deviation"
expected_contrast = "ideal-interval"
[[grade]]
id = "a"
name = "A"
usage = "u"
"#;
        let no_clause = format!(
            "{base}[[rule]]\nitem = \"lmax\"\ntests = [\"acceptance\"]\ncomparison = \">=\"\nlimits = {{ a = 1.0 }}\nclause = \"\"\nbasis = \"standard\"\n"
        );
        assert!(
            Criteria::parse(&no_clause, "t").unwrap_err().to_string().contains("cite its source")
        );
        let bad_grade = no_clause
            .replace("a = 1.0", "b = 1.0")
            .replace("clause = \"\"", "clause = \"X §1 table\"");
        assert!(Criteria::parse(&bad_grade, "t").unwrap_err().to_string().contains("grade `b`"));
        let unknown_key = format!("{base}colour = 1\n");
        assert!(matches!(Criteria::parse(&unknown_key, "t"), Err(CriteriaError::Syntax { .. })));
    }

    /// REDTEAM X3: a huge `response_points` allocated gigabytes, then aborted.
    #[test]
    fn response_points_are_bounded() {
        let base = Criteria::built_in_for("jesra-x0093").unwrap().text;
        for points in ["300000000", "1000000000000000", "0", "1", "1025"] {
            let text = base.replace("response_points = 18", &format!("response_points = {points}"));
            let err = Criteria::parse(&text, "t").unwrap_err().to_string();
            assert!(err.contains("give 2 to 1024"), "{points}: {err}");
        }
        let text = base.replace("response_points = 18", "response_points = 1024");
        assert_eq!(Criteria::parse(&text, "t").unwrap().standard.response_points, 1024);
    }
}
