//! The operator's visual judgements.

use monqc_reports::{Block, Column, Label, Lang, Table};

use crate::standards::analysis::Analysis;

/// The visual tests table; nothing when none was judged.
pub(super) fn blocks(a: &Analysis, lang: Lang) -> Vec<Block> {
    if a.visual.is_empty() {
        return Vec::new();
    }
    let rows = a
        .visual
        .iter()
        .map(|j| {
            vec![
                j.item.clone(),
                j.pattern.clone(),
                j.question.clone(),
                lang.label(if j.passed { Label::Pass } else { Label::Fail }).into(),
                j.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    vec![Block::Table(Table {
        title: Some(lang.label(Label::VisualTests).into()),
        columns: vec![
            Column::text(lang.label(Label::Item)),
            Column::text(lang.label(Label::Pattern)),
            Column::text(lang.label(Label::Check)),
            Column::text(lang.label(Label::Verdict)),
            Column::text(lang.label(Label::Notes)),
        ],
        rows,
    })]
}
