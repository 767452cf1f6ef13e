//! The notes (provisional limits, the contrast-response method, a simulated
//! bench, amendments) and the signature block.

use monqc_reports::{Block, Label, Lang, Notes, SignatureBlock, SignatureSlot};

use super::{ReportInputs, when};
use crate::records::session::SessionHeader;
use crate::standards::criteria::Basis;

/// The notes, when there are any, then the signatures.
pub(super) fn blocks(inputs: &ReportInputs<'_>, h: &SessionHeader) -> Vec<Block> {
    let lang = inputs.lang;
    let record = inputs.record;
    let a = &record.analysis;
    let mut notes = Vec::new();
    if a.verdicts.iter().any(|v| v.basis == Basis::Provisional) {
        notes.push(lang.label(Label::NoteProvisional).to_string());
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
