//! Test procedures as data: which patterns in which order, what to measure
//! where, which visual items the operator judges.
//!
//! One TOML file per standard in `calibration-data/procedures/`, one
//! `[[procedure]]` per test type (compiled in, like the criteria). A
//! procedure is expanded into a [`PlannedStep`] list for a meter set-up and
//! bit depth; each planned step has a stable id ([`step_id`]), which is how a
//! resumed session knows what is already done.

use serde::Deserialize;

use crate::numbers::measurement::{MeterSetup, Position};
use crate::standards::criteria::TestType;

/// The procedure tables shipped with monqc: (standard id, contents).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("jesra-x0093", include_str!("../../calibration-data/procedures/jesra-x0093.toml")),
    ("iec-62563-2", include_str!("../../calibration-data/procedures/iec-62563-2.toml")),
    ("aapm-tg18", include_str!("../../calibration-data/procedures/aapm-tg18.toml")),
    ("din-6868-157", include_str!("../../calibration-data/procedures/din-6868-157.toml")),
];

/// The stable ids of the steps of a session. The plan gives each step its
/// id here, and a session journal names the step each entry completes with
/// the same functions, so a resumed session skips exactly the steps already
/// in its journal. An id, once written to a journal, must never change.
pub mod step_id {
    use crate::numbers::measurement::Position;

    /// The illuminance reading at the display face.
    pub const ILLUMINANCE: &str = "ambient-illuminance";
    /// The luminance reading with the display off (Lamb).
    pub const AMBIENT_LUMINANCE: &str = "ambient-luminance";

    /// The operator's judgement of visual item `item` (`visual/greyscale`).
    pub fn visual(item: &str) -> String {
        format!("visual/{item}")
    }

    /// A luminance-response patch: its pattern's name (`JIRA-BN05`, `TG18-LN12-05`).
    pub fn response(pattern: &str) -> String {
        pattern.to_string()
    }

    /// A uniformity reading of `pattern` at `position` (`TG18-UN80/top-left`).
    pub fn uniformity(pattern: &str, position: Position) -> String {
        format!("{pattern}/{position}")
    }

    /// Finding the background DDL of a response series on the 20 %
    /// background (`JIRA-BN-L20/background`).
    pub fn background(series: &str) -> String {
        format!("{series}/background")
    }

    /// The suffix of the patterns of a response series on the background at
    /// 20 % of the maximum luminance (`JIRA-BN05-L20`, the patterns crate's names).
    pub const BACKGROUND_SUFFIX: &str = "-L20";

    /// Whether `pattern` belongs to a series on the 20 % background.
    pub fn on_background(pattern: &str) -> bool {
        pattern.ends_with(BACKGROUND_SUFFIX)
    }
}

/// The background of a luminance-response series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ResponseBackground {
    /// DDL 0 (JIRA BN01–BN18 on black).
    #[default]
    Black,
    /// The DDL that gives 20 % of the display's maximum luminance, found
    /// from the display's own response measured earlier in the session
    /// (JIRA BN "最大輝度の20%になる階調"; calibration-data/STANDARDS.md,
    /// "Test patterns").
    #[serde(rename = "luminance-20")]
    Luminance20,
}

/// The fraction of the maximum luminance the [`ResponseBackground::Luminance20`]
/// background gives (「最大輝度の20%になる階調」).
pub const BACKGROUND_FRACTION_OF_LMAX: f64 = 0.2;

fn eighty() -> u8 {
    80
}

/// One step as written in a procedure file.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum StepSpec {
    /// The operator judges a visual item on a pattern.
    Visual {
        /// Item id (overall, greyscale, …).
        item: String,
        /// Pattern shown.
        pattern: String,
        /// The question put to the operator, in English.
        question: String,
        /// The same question in Japanese (the operator answers in either).
        question_ja: String,
    },
    /// Illuminance at the display face, display off.
    Illuminance,
    /// Luminance with the display off (telescopic set-up only: a contact
    /// meter cannot see reflected room light).
    AmbientLuminance,
    /// The luminance response: patch centres at `points` levels from 0 to
    /// full scale.
    Response {
        /// Pattern family: `JIRA-BN` (BN01…) or `TG18-LN12` (-01…).
        pattern: String,
        /// Number of levels.
        points: usize,
        /// The patches' background (JIRA BN only): black, or the level at
        /// 20 % of the maximum luminance, found from the black series
        /// measured before it.
        #[serde(default)]
        background: ResponseBackground,
    },
    /// Uniformity: one uniform field at the centre and the four corners.
    Uniformity {
        /// Pattern shown.
        pattern: String,
        /// The field's level in % of full scale (TG18-UN80: 80, TG18-UN10: 10).
        #[serde(default = "eighty")]
        percent: u8,
    },
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcedure {
    test: TestType,
    title: String,
    #[serde(rename = "step")]
    steps: Vec<StepSpec>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(rename = "procedure")]
    procedures: Vec<RawProcedure>,
}

/// A procedure for one standard and test type.
#[derive(Clone, Debug, PartialEq)]
pub struct Procedure {
    /// Standard id.
    pub standard: String,
    /// Test type.
    pub test: TestType,
    /// Title as shown to the operator.
    pub title: String,
    /// The steps as written.
    pub steps: Vec<StepSpec>,
}

/// What a planned step does.
#[derive(Clone, Debug, PartialEq)]
pub enum StepAction {
    /// Ask the operator a visual question.
    Judge {
        /// Item id.
        item: String,
        /// The question, in English (as journalled).
        question: String,
        /// The question in Japanese.
        question_ja: String,
    },
    /// Read illuminance with the display off.
    ReadIlluminance,
    /// Read luminance with the display off.
    ReadAmbientLuminance,
    /// Read a luminance-response patch centre.
    ReadResponse {
        /// Its DDL.
        ddl: u16,
    },
    /// Find the DDL of the background at 20 % of the maximum luminance from
    /// the response already measured, and journal it.
    FindBackground {
        /// The series it is for (`JIRA-BN-L20`).
        series: String,
    },
    /// Read a patch centre of the series on that background.
    ReadResponseOnBackground {
        /// The patch's DDL.
        ddl: u16,
    },
    /// Read a uniformity point.
    ReadUniformity {
        /// Where.
        position: Position,
        /// DDL of the field.
        ddl: u16,
    },
}

/// One concrete step of a session.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedStep {
    /// Stable id, from [`step_id`].
    pub id: String,
    /// Pattern to show (None: display off).
    pub pattern: Option<String>,
    /// What to do.
    pub action: StepAction,
}

/// Why a procedure is not available.
#[derive(Debug, thiserror::Error)]
pub enum ProcedureError {
    /// The built-in table does not parse (a bug caught by the tests).
    #[error("procedure table for {standard}: {message}")]
    Syntax {
        /// Standard.
        standard: String,
        /// Parser message.
        message: String,
    },
    /// No procedure for the standard or test type.
    #[error("no {test} procedure for standard `{standard}`; known standards: {known}")]
    Unknown {
        /// Standard asked for.
        standard: String,
        /// Test asked for.
        test: TestType,
        /// What exists.
        known: String,
    },
}

impl Procedure {
    /// The built-in procedure for `standard` and `test`.
    pub fn built_in(standard: &str, test: TestType) -> Result<Self, ProcedureError> {
        let known = BUILT_IN.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ");
        let unknown =
            || ProcedureError::Unknown { standard: standard.into(), test, known: known.clone() };
        let (id, text) =
            BUILT_IN.iter().find(|(s, _)| s.eq_ignore_ascii_case(standard)).ok_or_else(unknown)?;
        let file: RawFile = toml::from_str(text).map_err(|e| ProcedureError::Syntax {
            standard: (*id).into(),
            message: e.to_string(),
        })?;
        let raw = file.procedures.into_iter().find(|p| p.test == test).ok_or_else(unknown)?;
        Ok(Self { standard: (*id).into(), test, title: raw.title, steps: raw.steps })
    }

    /// The visual items the procedure asks the operator to judge, in order.
    pub fn visual_items(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                StepSpec::Visual { item, .. } => Some(item.clone()),
                _ => None,
            })
            .collect()
    }

    /// Expand into concrete steps for a meter `setup` and `bit_depth`.
    /// `measure` false drops the measured steps (visual only); `judge`
    /// false drops the visual ones (measurement only, as `monqc demo`).
    pub fn plan(&self, setup: MeterSetup, bit_depth: u8, judge: bool) -> Vec<PlannedStep> {
        let full = f64::from((1u32 << bit_depth) - 1);
        let mut plan = Vec::new();
        for step in &self.steps {
            match step {
                StepSpec::Visual { item, pattern, question, question_ja } if judge => {
                    plan.push(PlannedStep {
                        id: step_id::visual(item),
                        pattern: Some(pattern.clone()),
                        action: StepAction::Judge {
                            item: item.clone(),
                            question: question.clone(),
                            question_ja: question_ja.clone(),
                        },
                    })
                }
                StepSpec::Visual { .. } => {}
                StepSpec::Illuminance => plan.push(PlannedStep {
                    id: step_id::ILLUMINANCE.into(),
                    pattern: None,
                    action: StepAction::ReadIlluminance,
                }),
                StepSpec::AmbientLuminance if setup.readings_include_ambient() => {
                    plan.push(PlannedStep {
                        id: step_id::AMBIENT_LUMINANCE.into(),
                        pattern: None,
                        action: StepAction::ReadAmbientLuminance,
                    })
                }
                StepSpec::AmbientLuminance => {}
                StepSpec::Response { pattern, points, background } => {
                    let n = (*points).max(2);
                    let on_background = *background == ResponseBackground::Luminance20;
                    let suffix = if on_background { step_id::BACKGROUND_SUFFIX } else { "" };
                    if on_background {
                        let series = format!("{pattern}{suffix}");
                        plan.push(PlannedStep {
                            id: step_id::background(&series),
                            pattern: None,
                            action: StepAction::FindBackground { series },
                        });
                    }
                    for i in 0..n {
                        // JIRA BN01…BN18 and TG18-LN12-01…18: evenly from 0 to
                        // full scale (8 bits: 0, 15, …, 255).
                        let ddl = (i as f64 * full / (n - 1) as f64).round() as u16;
                        let name = if pattern.ends_with("BN") {
                            format!("{pattern}{:02}{suffix}", i + 1)
                        } else {
                            format!("{pattern}-{:02}{suffix}", i + 1)
                        };
                        plan.push(PlannedStep {
                            id: step_id::response(&name),
                            pattern: Some(name),
                            action: if on_background {
                                StepAction::ReadResponseOnBackground { ddl }
                            } else {
                                StepAction::ReadResponse { ddl }
                            },
                        });
                    }
                }
                StepSpec::Uniformity { pattern, percent } => {
                    // TG18-UN80: 80 % of full scale (204 of 255); UN10: 10 % (26).
                    let ddl = (f64::from(*percent) / 100.0 * full).round() as u16;
                    for position in Position::FIVE {
                        plan.push(PlannedStep {
                            id: step_id::uniformity(pattern, position),
                            pattern: Some(pattern.clone()),
                            action: StepAction::ReadUniformity { position, ddl },
                        });
                    }
                }
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_procedure_parses_for_every_test() {
        for (standard, _) in BUILT_IN {
            for test in [TestType::Acceptance, TestType::Constancy, TestType::Daily] {
                let p = Procedure::built_in(standard, test).unwrap();
                assert!(!p.steps.is_empty(), "{standard} {test}");
            }
        }
    }

    #[test]
    fn jesra_acceptance_plan() {
        let p = Procedure::built_in("jesra-x0093", TestType::Acceptance).unwrap();
        let plan = p.plan(MeterSetup::Telescopic, 8, true);
        let ids: Vec<&str> = plan.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(&ids[..2], ["visual/overall", "visual/greyscale"]);
        assert!(ids.contains(&"ambient-luminance"));
        let bn: Vec<u16> = plan
            .iter()
            .filter_map(|s| match s.action {
                StepAction::ReadResponse { ddl } => Some(ddl),
                _ => None,
            })
            .collect();
        assert_eq!(bn, (0..18).map(|i| i * 15).collect::<Vec<u16>>());
        assert_eq!(
            plan.iter().find(|s| s.id == "JIRA-BN18").unwrap().pattern.as_deref(),
            Some("JIRA-BN18")
        );
        assert!(ids.contains(&"TG18-UN80/bottom-right"));
        // A contact meter cannot read Lamb; visual steps can be left out.
        let contact = p.plan(MeterSetup::Contact, 8, false);
        assert!(
            !contact.iter().any(|s| s.id == "ambient-luminance" || s.id.starts_with("visual/"))
        );
        // Every id is unique, so resume can go by id.
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
    }

    /// The operator is asked in Japanese or English: every visual question
    /// of every built-in procedure has both, and the Japanese one is Japanese.
    #[test]
    fn every_visual_question_is_asked_in_both_languages() {
        let mut seen = 0;
        for (standard, _) in BUILT_IN {
            for test in [TestType::Acceptance, TestType::Constancy, TestType::Daily] {
                for step in Procedure::built_in(standard, test).unwrap().steps {
                    if let StepSpec::Visual { item, question, question_ja, .. } = step {
                        assert!(!question.trim().is_empty(), "{standard} {item}");
                        assert!(
                            question_ja.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
                            "{standard} {test} {item}: question_ja is not Japanese: {question_ja}"
                        );
                        seen += 1;
                    }
                }
            }
        }
        assert!(seen >= 15, "{seen} visual questions");
    }

    #[test]
    fn every_standard_has_both_criteria_and_procedures() {
        let criteria: Vec<String> = crate::standards::criteria::Criteria::built_in()
            .into_iter()
            .map(|c| c.standard.id)
            .collect();
        let procedures: Vec<String> = BUILT_IN.iter().map(|(s, _)| s.to_string()).collect();
        assert_eq!(criteria, procedures);
    }

    #[test]
    fn tg18_measures_uniformity_on_un80_and_un10() {
        // RadiCS manual pp. 84–85: grey 204 and 26, each judged on its own.
        for test in [TestType::Acceptance, TestType::Constancy] {
            let plan =
                Procedure::built_in("aapm-tg18", test).unwrap().plan(MeterSetup::Contact, 8, false);
            let fields: std::collections::BTreeSet<(String, u16)> = plan
                .iter()
                .filter_map(|s| match s.action {
                    StepAction::ReadUniformity { ddl, .. } => Some((s.pattern.clone()?, ddl)),
                    _ => None,
                })
                .collect();
            assert_eq!(
                fields.into_iter().collect::<Vec<_>>(),
                [("TG18-UNL10".to_string(), 26), ("TG18-UNL80".to_string(), 204)],
                "{test}"
            );
            assert!(plan.iter().any(|s| s.id == "TG18-UNL10/bottom-right"));
        }
    }

    #[test]
    fn jesra_acceptance_finds_the_20_percent_background_before_its_series() {
        let p = Procedure::built_in("jesra-x0093", TestType::Acceptance).unwrap();
        let plan = p.plan(MeterSetup::Telescopic, 8, false);
        let at = |id: &str| plan.iter().position(|s| s.id == id).unwrap_or_else(|| panic!("{id}"));
        assert!(at("JIRA-BN18") < at("JIRA-BN-L20/background"));
        assert!(at("JIRA-BN-L20/background") < at("JIRA-BN01-L20"));
        assert_eq!(
            plan[at("JIRA-BN18-L20")].action,
            StepAction::ReadResponseOnBackground { ddl: 255 }
        );
        // The series' patterns are the patterns crate's `JIRA-BNnn-L20`.
        assert!(step_id::on_background("JIRA-BN05-L20") && !step_id::on_background("JIRA-BN05"));
        // The other JESRA tests measure the black series only.
        let constancy = Procedure::built_in("jesra-x0093", TestType::Constancy).unwrap();
        assert!(
            !constancy.plan(MeterSetup::Contact, 8, false).iter().any(|s| s.id.ends_with("L20"))
        );
    }

    #[test]
    fn unknown_standard() {
        let err = Procedure::built_in("nen-7000", TestType::Daily).unwrap_err().to_string();
        assert!(err.contains("jesra-x0093"), "{err}");
    }
}
