//! The appendix table of how each step was confirmed: every physical action
//! before a reading or judgement (switching the display, placing the meter,
//! looking at the pattern) and who or what confirmed it. A session
//! journalled before confirmations were recorded has no such table.

use monqc_reports::{Block, Column, Label, Lang, Table};

use crate::records::confirmation::{Action, Confirmation, ConfirmedBy};
use crate::records::session::Session;

fn by(lang: Lang, by: ConfirmedBy) -> &'static str {
    lang.label(match by {
        ConfirmedBy::OperatorAtTerminal => Label::ByTerminal,
        ConfirmedBy::OperatorAtWindow => Label::ByWindow,
        ConfirmedBy::AnswersFile => Label::ByAnswersFile,
        ConfirmedBy::AssumedYes => Label::ByAssumedYes,
        ConfirmedBy::SimulatedBenchAutomatic => Label::BySimulatedBench,
        ConfirmedBy::BuiltInSensor => Label::ByBuiltInSensor,
    })
}

/// "meter placed (top-left): operator at the pattern window".
fn describe(lang: Lang, c: &Confirmation) -> String {
    let action = match c.action {
        Action::SwitchDisplayOff => lang.label(Label::ActionSwitchOff).to_string(),
        Action::SwitchDisplayOn => lang.label(Label::ActionSwitchOn).to_string(),
        Action::PlaceMeter => {
            let at = c.position.map(|p| p.to_string()).unwrap_or_default();
            lang.fill(Label::ActionPlaceMeter, &[&at])
        }
        Action::Judge => lang.label(Label::ActionJudge).to_string(),
    };
    format!("{action}: {}", by(lang, c.by))
}

/// The table; nothing when no entry recorded its confirmations.
pub(super) fn blocks(session: &Session, lang: Lang) -> Vec<Block> {
    let rows: Vec<Vec<String>> = session
        .entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let confirmed = e.confirmed()?;
            let text = if confirmed.is_empty() {
                lang.label(Label::NoActionNeeded).to_string()
            } else {
                confirmed.iter().map(|c| describe(lang, c)).collect::<Vec<_>>().join("; ")
            };
            // The journal line: the header is line 1.
            Some(vec![(i + 2).to_string(), e.step().unwrap_or_default(), text])
        })
        .collect();
    if rows.is_empty() {
        return Vec::new();
    }
    vec![Block::Table(Table {
        title: Some(lang.label(Label::StepConfirmations).into()),
        columns: vec![
            Column::number(lang.label(Label::JournalLine)),
            Column::text(lang.label(Label::Step)),
            Column::text(lang.label(Label::Confirmation)),
        ],
        rows,
    })]
}
