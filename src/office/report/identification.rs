//! The identification block: facility, display, standard and grade, meters,
//! method and ambient light, who and when, software and criteria.

use monqc_reports::{Block, KeyValue, KeyValueTable, Label, Lang};

use super::{ReportInputs, when};
use crate::numbers::measurement::{LambSource, MeterSetup};
use crate::records::session::{MeterInfo, SessionHeader};

/// The heading and the key-value table.
pub(super) fn blocks(
    inputs: &ReportInputs<'_>,
    h: &SessionHeader,
    grade_name: &str,
    shown_bits: Option<u8>,
) -> Vec<Block> {
    let lang = inputs.lang;
    let record = inputs.record;
    let a = &record.analysis;
    let key = |label| lang.label(label);
    let mut id = Vec::new();
    if let Some(f) = inputs.facility.filter(|f| !f.name.is_empty()) {
        let name = if f.department.is_empty() {
            f.name.clone()
        } else {
            format!("{} {}", f.name, f.department)
        };
        id.push(KeyValue::new(key(Label::Facility), name));
    }
    id.push(KeyValue::new(key(Label::Display), format!("{} — {}", h.display_id, h.display)));
    id.push(KeyValue::new(key(Label::StandardAndGrade), format!("{} — {grade_name}", a.standard)));
    let shown = shown_bits
        .filter(|b| *b < h.bit_depth)
        .map(|b| format!(" (→ {b} bit surface)"))
        .unwrap_or_default();
    id.push(KeyValue::new(key(Label::BitsPerDdl), format!("{} bit{shown}", h.bit_depth)));
    id.push(KeyValue::new(key(Label::LuminanceMeter), meter(&h.meter, lang)));
    if let Some(m) = &h.illuminance_meter {
        id.push(KeyValue::new(key(Label::IlluminanceMeter), meter(m, lang)));
    }
    id.push(KeyValue::new(key(Label::Method), key(setup_label(a.setup))));
    if let Some(amb) = &a.ambient {
        if let Some(e) = amb.illuminance_lx {
            id.push(KeyValue::new(key(Label::IlluminanceReference), format!("{e:.1} lx")));
        }
        let source = match amb.source {
            LambSource::MeasuredDisplayOff => key(Label::LambMeasuredDisplayOff).to_string(),
            LambSource::DiffuseReflection { rd_cd_m2_per_lx } => {
                format!("Rd · E, Rd = {rd_cd_m2_per_lx} cd/m²/lx")
            }
            LambSource::Stated => key(Label::LambAsGiven).to_string(),
        };
        id.push(KeyValue::new(
            key(Label::AmbientLuminance),
            format!("{:.4} cd/m² ({source})", amb.lamb_cd_m2),
        ));
    } else if a.lmax_cd_m2.is_some() {
        // L'max, L'min and r' below are then the display's own.
        id.push(KeyValue::new(key(Label::AmbientLuminance), key(Label::LambUnknown)));
    }
    if let Some(lmax) = a.lmax_without_ambient_cd_m2 {
        id.push(KeyValue::new(key(Label::LmaxWithoutAmbient), format!("{lmax:.2} cd/m²")));
    }
    id.push(KeyValue::new(key(Label::Operator), h.operator.clone()));
    id.push(KeyValue::new(key(Label::Started), when(&h.started)));
    id.push(KeyValue::new(
        key(Label::Finalised),
        format!("{} ({})", when(&record.finalised_at), record.finalised_by),
    ));
    id.push(KeyValue::new(key(Label::Software), record.software.clone()));
    id.push(KeyValue::new(
        key(Label::CriteriaTable),
        format!("{} (SHA-256 {}…)", record.criteria.origin, &record.criteria.sha256[..16]),
    ));
    if let Some(b) = &record.baseline_record {
        id.push(KeyValue::new(key(Label::BaselineRecord), b.clone()));
    }
    vec![
        Block::Heading(lang.label(Label::Identification).into()),
        Block::KeyValues(KeyValueTable { title: None, rows: id }),
    ]
}

/// "Konica Minolta LS-100, S/N 123, calibrated 2026-04-01 [ls100:/dev/ttyUSB0]".
fn meter(m: &MeterInfo, lang: Lang) -> String {
    let mut s = format!("{} {}", m.vendor, m.model);
    if let Some(serial) = &m.serial {
        s += &format!(", S/N {serial}");
    }
    let cal = lang.label(Label::CalibratedOn);
    s += &format!(", {cal} {}", m.calibration_date.as_deref().unwrap_or("—"));
    if !m.selector.is_empty() {
        s += &format!(" [{}]", m.selector);
    }
    s
}

fn setup_label(setup: MeterSetup) -> Label {
    match setup {
        MeterSetup::Telescopic => Label::SetupTelescopic,
        MeterSetup::Contact => Label::SetupContact,
        MeterSetup::BuiltInSensor => Label::SetupBuiltInSensor,
    }
}
