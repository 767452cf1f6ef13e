//! The notes (provisional limits, the contrast-response method, a simulated
//! bench, amendments) and the signature block.

use monqc_reports::{Block, Label, Lang, Notes, SignatureBlock, SignatureSlot};

use super::{ReportInputs, when};
use crate::numbers::measurement::MeasurementSet;
use crate::records::session::SessionHeader;
use crate::standards::criteria::{Basis, Item};

/// The notes, when there are any, then the signatures.
pub(super) fn blocks(
    inputs: &ReportInputs<'_>,
    h: &SessionHeader,
    set: &MeasurementSet,
) -> Vec<Block> {
    let lang = inputs.lang;
    let record = inputs.record;
    let a = &record.analysis;
    let mut notes = Vec::new();
    // Why the verdict is withheld, item by item.
    for n in &a.not_judged {
        notes.push(lang.fill(Label::NoteNotJudged, &[&n.item, &n.reason]));
    }
    if let Some(only) = &a.only {
        notes.push(lang.fill(Label::NoteOnly, &[&only.join(", ")]));
    }
    if a.lamb_unknown || (a.ambient.is_none() && a.lmax_cd_m2.is_some()) {
        notes.push(lang.label(Label::NoteLambUnknown).to_string());
    }
    for v in a.verdicts.iter().filter(|v| !v.flags.is_empty()) {
        notes.push(lang.fill(Label::NoteFlagged, &[&v.label, &v.flags.join("; ")]));
    }
    if a.verdicts.iter().any(|v| v.uncertainty.is_some()) {
        let sources: Vec<String> = [&set.luminance_meter, &set.illuminance_meter]
            .into_iter()
            .flatten()
            .map(|p| p.source.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        notes.push(lang.fill(Label::NoteUncertainty, &[&sources.join("; ")]));
    }
    if a.verdicts.iter().any(|v| v.basis == Basis::Provisional) {
        notes.push(lang.label(Label::NoteProvisional).to_string());
    }
    if a.verdicts.iter().any(|v| v.basis == Basis::Unsourced) {
        notes.push(lang.label(Label::NoteUnsourced).to_string());
    }
    if let Some(b) = &a.baseline
        && !a.verdicts.iter().any(|v| v.item == Item::LmaxChange)
    {
        let change = format!("{:+.2} %", b.lmax_change_percent);
        notes.push(lang.fill(Label::NoteLmaxChangeNoTolerance, &[&change]));
    }
    if let Some(b) = &a.background_series {
        let ddl = b.background_ddl.map_or("—".to_string(), |d| d.to_string());
        let kdelta = format!("{:.2}", b.contrast_response.kdelta_percent);
        notes.push(lang.fill(Label::NoteBackgroundSeries, &[&ddl, &kdelta]));
    }
    for note in &a.notes {
        notes.push(lang.fill(Label::NoteAnalysis, &[note]));
    }
    if let Some(cr) = &a.contrast_response {
        notes.push(lang.fill(
            Label::NoteContrastResponse,
            &[&format!("{:.1}", cr.jnd_index_min), &format!("{:.1}", cr.jnd_index_max)],
        ));
    }
    if h.meter.selector.starts_with("sim") {
        notes.push(lang.label(Label::NoteSimulated).to_string());
    }
    for am in inputs.amendments {
        notes.push(
            lang.fill(
                Label::NoteAmendment,
                &[&when(&am.at), &am.who, &am.field, &am.value, &am.why],
            ),
        );
    }
    let mut blocks = Vec::new();
    if !notes.is_empty() {
        blocks.push(Block::Notes(Notes { title: None, items: notes }));
    }
    blocks.push(signatures(h, &record.finalised_at, lang));
    blocks
}

/// Who tested (with the finalisation date) and an empty slot for the reviewer.
fn signatures(h: &SessionHeader, finalised_at: &str, lang: Lang) -> Block {
    Block::Signatures(SignatureBlock {
        title: None,
        slots: vec![
            SignatureSlot {
                role: lang.label(Label::TestedBy).into(),
                name: Some(h.operator.clone()),
                date: Some(when(finalised_at)[..10].to_string()),
            },
            SignatureSlot { role: lang.label(Label::ReviewedBy).into(), name: None, date: None },
        ],
    })
}
