//! A constancy test against its baseline (基準値): each figure then and now.

use monqc_reports::{Block, Column, Label, Lang, Table};

use crate::standards::analysis::{Analysis, format_value};

/// The comparison table; nothing without a baseline or a luminance response.
pub(super) fn blocks(a: &Analysis, lang: Lang) -> Vec<Block> {
    let (Some(b), Some(lmax), Some(lmin), Some(ratio), Some(kdelta)) =
        (&a.baseline, a.lmax_cd_m2, a.lmin_cd_m2, a.luminance_ratio, a.kdelta_percent)
    else {
        return Vec::new();
    };
    let change = |now: f64, base: f64| format!("{:+.1} %", 100.0 * (now - base) / base);
    let rows = vec![
        vec![
            "L'max".into(),
            format_value(b.lmax_cd_m2, "cd/m²"),
            format_value(lmax, "cd/m²"),
            change(lmax, b.lmax_cd_m2),
        ],
        vec![
            "L'min".into(),
            format_value(b.lmin_cd_m2, "cd/m²"),
            format_value(lmin, "cd/m²"),
            change(lmin, b.lmin_cd_m2),
        ],
        vec![
            "r'".into(),
            format_value(b.luminance_ratio, ""),
            format_value(ratio, ""),
            change(ratio, b.luminance_ratio),
        ],
        vec![
            "κδ".into(),
            format_value(b.kdelta_percent, "%"),
            format_value(kdelta, "%"),
            format!("{:+.2} pt", kdelta - b.kdelta_percent),
        ],
    ];
    vec![Block::Table(Table {
        title: Some(lang.label(Label::AgainstBaseline).into()),
        columns: vec![
            Column::text(lang.label(Label::Item)),
            Column::number(lang.label(Label::LegendBaseline)),
            Column::number(lang.label(Label::Measured)),
            Column::number(lang.label(Label::Change)),
        ],
        rows,
    })]
}
