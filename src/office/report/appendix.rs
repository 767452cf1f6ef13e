//! The appendix: every reading as journalled, with its line, time and the
//! meter's reply.

use monqc_reports::{Block, Column, Label, Lang, Table};

use super::when;
use crate::numbers::measurement::MeterFlag;
use crate::records::session::{Session, SessionEntry, Settle};

/// A page break and the raw readings table; nothing when nothing was read.
pub(super) fn blocks(session: &Session, lang: Lang) -> Vec<Block> {
    let mut rows = Vec::new();
    for (i, e) in session.entries.iter().enumerate() {
        let row = match e {
            SessionEntry::Illuminance { illuminance_lx, raw, at, flags, .. } => {
                vec![
                    flagged("illuminance", flags),
                    "—".into(),
                    format!("{illuminance_lx:.2} lx"),
                    "".into(),
                    at.clone(),
                    raw.clone(),
                ]
            }
            SessionEntry::AmbientLuminance { luminance_cd_m2, raw, at, flags, .. } => {
                vec![
                    flagged("Lamb", flags),
                    "—".into(),
                    format!("{luminance_cd_m2:.4} cd/m²"),
                    "".into(),
                    at.clone(),
                    raw.clone(),
                ]
            }
            SessionEntry::Response {
                pattern,
                ddl,
                luminance_cd_m2,
                chromaticity,
                raw,
                at,
                settle,
                flags,
                ..
            } => {
                vec![
                    flagged(&settled_label(pattern, settle.as_ref()), flags),
                    ddl.to_string(),
                    format!("{luminance_cd_m2:.4} cd/m²"),
                    chromaticity.map_or(String::new(), |c| format!("{:.4}, {:.4}", c.x, c.y)),
                    at.clone(),
                    raw.clone(),
                ]
            }
            SessionEntry::Uniformity {
                pattern,
                position,
                ddl,
                luminance_cd_m2,
                chromaticity,
                raw,
                at,
                settle,
                flags,
                ..
            } => vec![
                flagged(&settled_label(&format!("{pattern} {position}"), settle.as_ref()), flags),
                ddl.to_string(),
                format!("{luminance_cd_m2:.3} cd/m²"),
                chromaticity.map_or(String::new(), |c| format!("{:.4}, {:.4}", c.x, c.y)),
                at.clone(),
                raw.clone(),
            ],
            SessionEntry::Background { series, ddl, target_cd_m2, at, .. } => vec![
                format!("{series} background"),
                ddl.to_string(),
                format!("{target_cd_m2:.3} cd/m² (20 %)"),
                String::new(),
                at.clone(),
                String::new(),
            ],
            SessionEntry::Judgement { .. }
            | SessionEntry::Note { .. }
            | SessionEntry::Surface { .. } => continue,
        };
        let mut row = row;
        // The journal line: the header is line 1.
        row.insert(0, (i + 2).to_string());
        // Raw replies can be long binary hex; the record keeps them whole.
        if let Some(raw) = row.last_mut() {
            let trimmed: String = raw.trim().chars().take(40).collect();
            *raw = trimmed;
        }
        row[5] = when(&row[5]);
        rows.push(row);
    }
    if rows.is_empty() {
        return Vec::new();
    }
    vec![
        Block::PageBreak,
        Block::Table(Table {
            title: Some(lang.label(Label::RawReadings).into()),
            columns: vec![
                Column::number(lang.label(Label::JournalLine)),
                Column::text(lang.label(Label::Reading)),
                Column::number("DDL"),
                Column::number(lang.label(Label::Measured)),
                Column::text("x, y"),
                Column::text(lang.label(Label::Time)),
                Column::text(lang.label(Label::MeterReply)),
            ],
            rows,
        }),
    ]
}

/// The reading's label with the meter's warnings: "JIRA-BN01 (1×, 0.40 s) — meter: below range (OK13)".
fn flagged(what: &str, flags: &[MeterFlag]) -> String {
    if flags.is_empty() {
        return what.to_string();
    }
    let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    format!("{what} — meter: {}", flags.join("; "))
}

/// "JIRA-BN05 (2×, 0.81 s)": the patch and how its reading settled.
fn settled_label(what: &str, settle: Option<&Settle>) -> String {
    match settle {
        Some(s) => {
            let flag = if s.converged { "" } else { ", !" };
            format!("{what} ({}×, {:.2} s{flag})", s.readings, s.seconds)
        }
        None => what.to_string(),
    }
}
