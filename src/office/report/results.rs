//! The results: one row per criterion with value, limit, clause and verdict.

use monqc_reports::{Block, Label, Lang, VerdictRow, VerdictTable};

use super::doc_verdict;
use crate::standards::analysis::{Analysis, format_value, format_with_uncertainty};
use crate::standards::criteria::{Basis, Item};

/// The heading and the verdict table; nothing when no item was measured.
pub(super) fn blocks(a: &Analysis, lang: Lang) -> Vec<Block> {
    if a.verdicts.is_empty() {
        return Vec::new();
    }
    let rows = a
        .verdicts
        .iter()
        .map(|v| {
            let mut item = lang.label(item_label(v.item)).to_string();
            if let Some(level) = v.level {
                item += &format!(" ({} %, DDL {})", level.percent, level.ddl);
            }
            if v.optional {
                item += &format!(" {}", lang.label(Label::Optional));
            }
            let mark = match v.basis {
                Basis::Provisional => format!(" {}", lang.label(Label::Provisional)),
                Basis::Unsourced => format!(" {}", lang.label(Label::Unsourced)),
                _ => String::new(),
            };
            VerdictRow {
                item,
                measured: v.value.map_or("—".into(), |x| {
                    format_with_uncertainty(x, v.uncertainty.as_ref(), &v.unit)
                }),
                limit: format!("{} {}", v.comparison.symbol(), format_value(v.limit, &v.unit)),
                clause: format!("{}{mark}", v.clause),
                verdict: doc_verdict(v),
            }
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
        Item::LmaxWithoutAmbient => Label::ItemLmaxWithoutAmbient,
        Item::LuminanceRatio => Label::ItemLuminanceRatio,
        Item::Kdelta => Label::ItemKdelta,
        Item::AmbientRatio => Label::ItemAmbientRatio,
        Item::Uniformity => Label::ItemUniformity,
        Item::ChromaticityUniformity => Label::ItemChromaticityUniformity,
        Item::GreyscaleTracking => Label::ItemGreyscaleTracking,
        Item::LmaxChange => Label::ItemLmaxChange,
    }
}
