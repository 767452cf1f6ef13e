//! First contact with a meter, step by step, in plain words: identify,
//! one reading per quantity the meter has, and an error probe. Each step
//! gets a verdict and a sentence a user can act on or send back with the
//! transcript.

use std::fmt;

use crate::{ErrorProbe, MeasureRequest, MeterError, MeterErrorKind, Photometer, Quantity};

/// The outcome of one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It worked.
    Pass,
    /// It worked, with a warning (a flagged reading; light out of range).
    Warn,
    /// It failed.
    Fail,
    /// Not run (an earlier step failed, or the meter has no such step).
    Skipped,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pass => "PASS",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
            Self::Skipped => "SKIP",
        })
    }
}

/// One step of the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckStep {
    /// What the step does, e.g. `identify`.
    pub name: &'static str,
    /// How it went.
    pub verdict: Verdict,
    /// What happened, in plain words.
    pub words: String,
}

/// Every step, in order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CheckReport {
    /// The steps.
    pub steps: Vec<CheckStep>,
}

impl CheckReport {
    /// Whether no step failed.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.verdict != Verdict::Fail)
    }

    fn push(&mut self, name: &'static str, verdict: Verdict, words: impl Into<String>) {
        self.steps.push(CheckStep { name, verdict, words: words.into() });
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            writeln!(f, "{:<20} {}  {}", s.name, s.verdict, s.words)?;
        }
        Ok(())
    }
}

/// Run the check on `meter`.
pub fn check(meter: &mut dyn Photometer) -> CheckReport {
    let mut report = CheckReport::default();
    let caps = meter.capabilities();
    let quantities: Vec<Quantity> =
        [(caps.luminance, Quantity::Luminance), (caps.illuminance, Quantity::Illuminance)]
            .into_iter()
            .filter_map(|(has, q)| has.then_some(q))
            .collect();
    match meter.identify() {
        Ok(info) => {
            let mut words = format!("{} {} answered", info.vendor, info.model);
            if let Some(s) = &info.serial {
                words.push_str(&format!(", serial {s}"));
            }
            if let Some(f) = &info.firmware {
                words.push_str(&format!(", firmware {f}"));
            }
            report.push("identify", Verdict::Pass, words);
        }
        Err(e) => {
            report.push("identify", Verdict::Fail, format!("no answer: {e}"));
            for name in reading_names(&quantities) {
                report.push(name, Verdict::Skipped, "the meter did not answer identify");
            }
            report.push("error probe", Verdict::Skipped, "the meter did not answer identify");
            return report;
        }
    }
    let budget = caps.reading_budget();
    for q in &quantities {
        let name = reading_name(*q);
        match meter.measure(&MeasureRequest { quantity: *q, budget }, &mut |_| {}) {
            Ok(r) => {
                let mut words = format!("{:.4} {}", r.value, q.unit());
                if let Some(c) = r.chromaticity {
                    words.push_str(&format!(", x {:.4} y {:.4}", c.x, c.y));
                } else if caps.chromaticity && *q == Quantity::Luminance {
                    words.push_str(", no chromaticity reported");
                }
                words.push_str(&format!(", in {:.2} s", r.elapsed.as_secs_f64()));
                if r.validity.is_flagged() {
                    let flags: Vec<String> =
                        r.validity.flags().iter().map(|f| f.to_string()).collect();
                    words.push_str(&format!("; the meter flagged it: {}", flags.join("; ")));
                    report.push(name, Verdict::Warn, words);
                } else {
                    report.push(name, Verdict::Pass, words);
                }
            }
            Err(e) => {
                let (verdict, lead) = reading_failure(&e);
                report.push(name, verdict, format!("{lead}: {e}"));
            }
        }
    }
    match meter.error_probe() {
        Ok(ErrorProbe::Answered { sent, reply, understood: true }) => report.push(
            "error probe",
            Verdict::Pass,
            format!("sent {sent:?}; the meter answered {reply:?}, the documented error reply"),
        ),
        Ok(ErrorProbe::Answered { sent, reply, understood: false }) => report.push(
            "error probe",
            Verdict::Warn,
            format!("sent {sent:?}; the meter answered {reply:?}, not the documented error reply"),
        ),
        Ok(ErrorProbe::NotAvailable(why)) => report.push("error probe", Verdict::Skipped, why),
        Err(e) => report.push(
            "error probe",
            Verdict::Warn,
            format!("the meter gave no readable answer to a wrong command: {e}"),
        ),
    }
    report
}

fn reading_name(q: Quantity) -> &'static str {
    match q {
        Quantity::Luminance => "luminance reading",
        Quantity::Illuminance => "illuminance reading",
    }
}

fn reading_names(qs: &[Quantity]) -> Vec<&'static str> {
    qs.iter().map(|q| reading_name(*q)).collect()
}

/// A reading that failed because of the light (or the operator) still
/// shows the meter talks; one that failed in the conversation does not.
fn reading_failure(e: &MeterError) -> (Verdict, &'static str) {
    use MeterErrorKind as K;
    match e.kind() {
        K::OverRange | K::UnderRange | K::UnstableSource => {
            (Verdict::Warn, "the meter answered but could not measure this light")
        }
        K::NeedsOperator => (Verdict::Warn, "the meter answered and needs the operator"),
        K::Unsupported | K::WrongQuantity => (Verdict::Warn, "the meter answered"),
        _ => (Verdict::Fail, "no reading"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chromaticity, SimulatedPhotometer, Stimulus};

    struct Fixed;
    impl crate::Scene for Fixed {
        fn stimulus(&self) -> Stimulus {
            Stimulus {
                luminance_cd_m2: 100.0,
                chromaticity: Chromaticity { x: 0.3127, y: 0.329 },
                illuminance_lx: 50.0,
            }
        }
    }

    #[test]
    fn every_step_gets_a_verdict_in_words() {
        let mut meter = SimulatedPhotometer::new(Fixed, 1);
        let report = check(&mut meter);
        let names: Vec<_> = report.steps.iter().map(|s| s.name).collect();
        assert_eq!(names, ["identify", "luminance reading", "illuminance reading", "error probe"]);
        assert!(report.passed(), "{report}");
        assert_eq!(report.steps[3].verdict, Verdict::Skipped);
        assert!(report.to_string().contains("luminance reading    PASS  "), "{report}");
    }
}
