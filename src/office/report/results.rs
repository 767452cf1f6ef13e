//! The results: one row per criterion with value, limit, clause and verdict.

use monqc_reports::{Block, Label, Lang, VerdictRow, VerdictTable};

use super::doc_verdict;
use crate::standards::analysis::{Analysis, format_value};
use crate::standards::criteria::{Basis, Item};

/// The heading and the verdict table; nothing when no item was measured.
pub(super) fn blocks(a: &Analysis, lang: Lang) -> Vec<Block> {
    if a.verdicts.is_empty() {
        return Vec::new();
    }
    let provisional = format!(" {}", lang.label(Label::Provisional));
    let rows = a
        .verdicts
        .iter()
        .map(|v| VerdictRow {
            item: lang.label(item_label(v.item)).into(),
            measured: v.value.map_or("—".into(), |x| format_value(x, &v.unit)),
            limit: format!("{} {}", v.comparison.symbol(), format_value(v.limit, &v.unit)),
            clause: format!(
                "{}{}",
                v.clause,
                if v.basis == Basis::Provisional { provisional.as_str() } else { "" }
            ),
            verdict: doc_verdict(v.result, v.reason.as_deref()),
        })
        .collect();
    vec![
        Block::Heading(lang.label(Label::Results).into()),
        Block::Verdicts(VerdictTable { title: None, rows }),
    ]
}

/// The report's name of a criteria item.
fn item_label(item: Item) -> Label {
    match item {
        Item::Lmax => Label::ItemLmax,
        Item::LuminanceRatio => Label::ItemLuminanceRatio,
        Item::Kdelta => Label::ItemKdelta,
        Item::AmbientRatio => Label::ItemAmbientRatio,
        Item::Uniformity => Label::ItemUniformity,
        Item::ChromaticityUniformity => Label::ItemChromaticityUniformity,
        Item::GreyscaleTracking => Label::ItemGreyscaleTracking,
        Item::LmaxChange => Label::ItemLmaxChange,
    }
}
