//! How each physical step of a session was confirmed, as the journal keeps
//! it beside the reading or judgement the step led to.
//!
//! A reading is only as good as what happened before it: a uniformity
//! reading taken with the meter still at the centre, or a "Lamb" taken with
//! the display still lit, looks like any other number. So every step says
//! which physical actions it needed (switch the display off or on, place the
//! meter, look at the pattern) and who or what confirmed each one: a person
//! at the terminal or at the pattern window, an answers file or `--yes` (on
//! a simulated bench only), the simulated bench itself, or a built-in sensor
//! that needs no placing.

use serde::{Deserialize, Serialize};

use crate::numbers::measurement::Position;

/// A physical action a step needs before its reading or judgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Switch the display off (ambient readings: room light as in use).
    SwitchDisplayOff,
    /// Switch the display back on.
    SwitchDisplayOn,
    /// Place the meter at a position (`Confirmation::position`).
    PlaceMeter,
    /// Look at the pattern and judge a visual item.
    Judge,
}

/// Who or what confirmed an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfirmedBy {
    /// A person answered at the terminal, at that moment.
    OperatorAtTerminal,
    /// A person answered with a key on the pattern window, at that moment.
    OperatorAtWindow,
    /// A judgement read from an answers file (`--answers`; simulated
    /// benches only).
    AnswersFile,
    /// Taken as done or met without anyone confirming it (`--yes`;
    /// simulated benches only).
    AssumedYes,
    /// The simulated bench did it itself (switched its simulated display,
    /// moved its simulated meter).
    SimulatedBenchAutomatic,
    /// A built-in front sensor: it sits where it measures and needs no
    /// placing.
    BuiltInSensor,
}

impl ConfirmedBy {
    /// True when a person confirmed the action at that moment.
    pub fn is_person(self) -> bool {
        matches!(self, Self::OperatorAtTerminal | Self::OperatorAtWindow)
    }
}

impl std::fmt::Display for ConfirmedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::OperatorAtTerminal => "operator-at-terminal",
            Self::OperatorAtWindow => "operator-at-window",
            Self::AnswersFile => "answers-file",
            Self::AssumedYes => "assumed-yes",
            Self::SimulatedBenchAutomatic => "simulated-bench-automatic",
            Self::BuiltInSensor => "built-in-sensor",
        })
    }
}

/// One action of a step and how it was confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// What had to happen.
    pub action: Action,
    /// Where the meter went ([`Action::PlaceMeter`] only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// Who or what confirmed it.
    pub by: ConfirmedBy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmations_are_journalled_in_plain_words() {
        let c = Confirmation {
            action: Action::PlaceMeter,
            position: Some(Position::TopLeft),
            by: ConfirmedBy::OperatorAtWindow,
        };
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(
            text,
            r#"{"action":"place-meter","position":"top-left","by":"operator-at-window"}"#
        );
        assert_eq!(serde_json::from_str::<Confirmation>(&text).unwrap(), c);
        let judged =
            Confirmation { action: Action::Judge, position: None, by: ConfirmedBy::AssumedYes };
        assert_eq!(
            serde_json::to_string(&judged).unwrap(),
            r#"{"action":"judge","by":"assumed-yes"}"#
        );
        for by in [
            ConfirmedBy::OperatorAtTerminal,
            ConfirmedBy::OperatorAtWindow,
            ConfirmedBy::AnswersFile,
            ConfirmedBy::AssumedYes,
            ConfirmedBy::SimulatedBenchAutomatic,
            ConfirmedBy::BuiltInSensor,
        ] {
            assert_eq!(
                serde_json::to_value(by).unwrap(),
                by.to_string(),
                "Display matches the journal"
            );
        }
        assert!(ConfirmedBy::OperatorAtWindow.is_person());
        assert!(!ConfirmedBy::AssumedYes.is_person());
    }
}
