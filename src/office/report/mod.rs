//! From a record to a report document (monqc-reports' model): what an
//! inspector reads, in Japanese or English.
//!
//! The content follows what a QC record must hold (STANDARDS.md §8, after
//! JESRA X-0093 and IEC 62563-1 Annex A): facility; display (maker, model,
//! serial, location, grade); settings; meters (model, serial, calibration
//! date); method and ambient conditions; operator; date and time; every
//! item with value, limit, clause and verdict; visual judgements; overall
//! verdict; signatures; raw readings. A report is a pure function of its
//! inputs (record, amendments, history, facility, language), so the same
//! record gives the same bytes.

use monqc_reports::{
    Block, Column, ContrastResponse as CrFigure, Figure, FigureSpec, KeyValue, KeyValueTable,
    Label, Lang, LuminanceResponse, Notes, PdfOptions, Point, RecordIdentity, Report,
    SignatureBlock, SignatureSlot, Table, Trend, TrendPoint, UniformityCell, UniformityMap,
    Verdict as DocVerdict, VerdictRow, VerdictTable,
};

use crate::numbers::gsdf;
use crate::numbers::measurement::{LambSource, MeterSetup, Position};
use crate::office::site::Facility;
use crate::records::record::{Amendment, IndexEntry, Record, RecordError};
use crate::records::session::SessionEntry;
use crate::standards::analysis::{Analysis, Outcome, format_value};
use crate::standards::criteria::{Basis, Item, TestType};

/// Everything a report is made from.
pub struct ReportInputs<'a> {
    /// The record's id (content hash).
    pub record_id: &'a str,
    /// The record.
    pub record: &'a Record,
    /// Its amendments.
    pub amendments: &'a [Amendment],
    /// The display's records up to this one, oldest first (for trends).
    pub history: &'a [IndexEntry],
    /// The facility, from the site configuration.
    pub facility: Option<&'a Facility>,
    /// Language.
    pub lang: Lang,
}

/// Text in both languages; `t(lang)` picks one.
struct Bi(&'static str, &'static str);

impl Bi {
    fn t(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ja => self.0,
            Lang::En => self.1,
        }
    }
}

fn item_name(item: Item) -> Bi {
    match item {
        Item::Lmax => Bi("最大輝度 L'max", "Maximum luminance L'max"),
        Item::LuminanceRatio => Bi("輝度比 r'", "Luminance ratio r'"),
        Item::Kdelta => Bi("コントラスト応答 κδ", "Contrast response Kδ"),
        Item::AmbientRatio => Bi("環境光比 Lamb/L'min", "Ambient ratio Lamb/L'min"),
        Item::Uniformity => Bi("輝度均一性", "Luminance uniformity"),
        Item::ChromaticityUniformity => Bi("色度差 Δu'v' (5点)", "Chromaticity Δu'v' (5 points)"),
        Item::GreyscaleTracking => Bi("グレースケール色度 Δu'v'", "Greyscale chromaticity Δu'v'"),
        Item::LmaxChange => Bi("L'max の基準値からの変化", "L'max change from baseline"),
    }
}

fn setup_name(setup: MeterSetup) -> Bi {
    match setup {
        MeterSetup::Telescopic => Bi(
            "望遠型輝度計 (環境光を含めて測定)",
            "telescopic meter (readings include ambient light)",
        ),
        MeterSetup::Contact => Bi(
            "接触型輝度計・照度計併用 (L' = L + Lamb)",
            "contact meter with illuminance meter (L' = L + Lamb)",
        ),
        MeterSetup::BuiltInSensor => Bi(
            "前面センサー内蔵型・照度計併用 (L' = L + Lamb)",
            "built-in front sensor with illuminance meter (L' = L + Lamb)",
        ),
    }
}

/// "2026-11-26T06:53:37.790Z" → "2026-11-26 06:53:37 UTC".
fn when(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

fn doc_verdict(outcome: Outcome, reason: Option<&str>) -> DocVerdict {
    match outcome {
        Outcome::Pass => DocVerdict::Pass,
        Outcome::Fail => DocVerdict::Fail,
        Outcome::NotEvaluated => DocVerdict::NotEvaluated { reason: reason.unwrap_or("").into() },
    }
}

/// PDF options for a record: its finalisation time as the creation date and
/// its hash as the document id, so the same record gives the same bytes.
pub fn pdf_options(record_id: &str, record: &Record, producer: &str) -> PdfOptions {
    PdfOptions {
        created_unix_s: chrono::DateTime::parse_from_rfc3339(&record.finalised_at)
            .map_or(0, |t| t.timestamp()),
        producer: producer.into(),
        document_id: record_id.into(),
    }
}

/// Build the report document.
pub fn build(inputs: &ReportInputs<'_>) -> Result<Report, RecordError> {
    let lang = inputs.lang;
    let record = inputs.record;
    let a = &record.analysis;
    let session = record.session()?;
    let h = &session.header;
    let title = match a.test {
        TestType::Acceptance => lang.label(Label::AcceptanceReport),
        TestType::Constancy => lang.label(Label::ConstancyReport),
        TestType::Daily => lang.label(Label::DailyCheckReport),
    };
    let grade_name = record
        .criteria()
        .ok()
        .and_then(|c| c.grades.iter().find(|g| g.id == a.grade).map(|g| g.name.clone()))
        .unwrap_or_else(|| a.grade.clone());
    let mut blocks = vec![Block::OverallVerdict(doc_verdict(a.overall, None))];

    // Identification.
    let mut id = Vec::new();
    if let Some(f) = inputs.facility.filter(|f| !f.name.is_empty()) {
        let name = if f.department.is_empty() {
            f.name.clone()
        } else {
            format!("{} {}", f.name, f.department)
        };
        id.push(KeyValue::new(Bi("施設", "Facility").t(lang), name));
    }
    id.push(KeyValue::new(
        Bi("表示装置", "Display").t(lang),
        format!("{} — {}", h.display_id, h.display),
    ));
    id.push(KeyValue::new(
        Bi("規格・管理グレード", "Standard and grade").t(lang),
        format!("{} — {grade_name}", a.standard),
    ));
    id.push(KeyValue::new(Bi("階調数", "Bits per DDL").t(lang), format!("{} bit", h.bit_depth)));
    let meter = |m: &crate::records::session::MeterInfo| {
        let mut s = format!("{} {}", m.vendor, m.model);
        if let Some(serial) = &m.serial {
            s += &format!(", S/N {serial}");
        }
        let cal = Bi("校正日", "calibrated").t(lang);
        s += &format!(", {cal} {}", m.calibration_date.as_deref().unwrap_or("—"));
        if !m.selector.is_empty() {
            s += &format!(" [{}]", m.selector);
        }
        s
    };
    id.push(KeyValue::new(Bi("輝度計", "Luminance meter").t(lang), meter(&h.meter)));
    if let Some(m) = &h.illuminance_meter {
        id.push(KeyValue::new(Bi("照度計", "Illuminance meter").t(lang), meter(m)));
    }
    id.push(KeyValue::new(Bi("測定方式", "Method").t(lang), setup_name(a.setup).t(lang)));
    if let Some(amb) = &a.ambient {
        if let Some(e) = amb.illuminance_lx {
            id.push(KeyValue::new(
                Bi("照度 (参考)", "Illuminance (reference)").t(lang),
                format!("{e:.1} lx"),
            ));
        }
        let source = match amb.source {
            LambSource::MeasuredDisplayOff => {
                Bi("表示オフで測定", "measured, display off").t(lang).to_string()
            }
            LambSource::DiffuseReflection { rd_cd_m2_per_lx } => {
                format!("Rd · E, Rd = {rd_cd_m2_per_lx} cd/m²/lx")
            }
            LambSource::Stated => Bi("入力値", "as given").t(lang).to_string(),
        };
        id.push(KeyValue::new(
            Bi("環境光輝度 Lamb", "Ambient luminance Lamb").t(lang),
            format!("{:.4} cd/m² ({source})", amb.lamb_cd_m2),
        ));
    }
    id.push(KeyValue::new(Bi("実施者", "Operator").t(lang), h.operator.clone()));
    id.push(KeyValue::new(Bi("開始日時", "Started").t(lang), when(&h.started)));
    id.push(KeyValue::new(
        Bi("確定日時", "Finalised").t(lang),
        format!("{} ({})", when(&record.finalised_at), record.finalised_by),
    ));
    id.push(KeyValue::new(Bi("ソフトウェア", "Software").t(lang), record.software.clone()));
    id.push(KeyValue::new(
        Bi("判定基準表", "Criteria table").t(lang),
        format!("{} (SHA-256 {}…)", record.criteria.origin, &record.criteria.sha256[..16]),
    ));
    if let Some(b) = &record.baseline_record {
        id.push(KeyValue::new(Bi("基準値の記録", "Baseline record").t(lang), b.clone()));
    }
    blocks.push(Block::Heading(lang.label(Label::Identification).into()));
    blocks.push(Block::KeyValues(KeyValueTable { title: None, rows: id }));

    // Measured items.
    if !a.verdicts.is_empty() {
        blocks.push(Block::Heading(lang.label(Label::Results).into()));
        let provisional = Bi(" [暫定]", " [provisional]").t(lang);
        let rows = a
            .verdicts
            .iter()
            .map(|v| VerdictRow {
                item: item_name(v.item).t(lang).into(),
                measured: v.value.map_or("—".into(), |x| format_value(x, &v.unit)),
                limit: format!("{} {}", v.comparison.symbol(), format_value(v.limit, &v.unit)),
                clause: format!(
                    "{}{}",
                    v.clause,
                    if v.basis == Basis::Provisional { provisional } else { "" }
                ),
                verdict: doc_verdict(v.result, v.reason.as_deref()),
            })
            .collect();
        blocks.push(Block::Verdicts(VerdictTable { title: None, rows }));
    }
    if let (Some(b), Some(lmax), Some(lmin), Some(ratio), Some(kdelta)) =
        (&a.baseline, a.lmax_cd_m2, a.lmin_cd_m2, a.luminance_ratio, a.kdelta_percent)
    {
        // Constancy: each metric against the baseline (基準値) it is held to.
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
        blocks.push(Block::Table(Table {
            title: Some(Bi("基準値との比較", "Against the baseline").t(lang).into()),
            columns: vec![
                Column::text(lang.label(Label::Item)),
                Column::number(lang.label(Label::LegendBaseline)),
                Column::number(lang.label(Label::Measured)),
                Column::number(Bi("変化", "Change").t(lang)),
            ],
            rows,
        }));
    }
    if !a.visual.is_empty() {
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
        blocks.push(Block::Table(Table {
            title: Some(Bi("目視試験", "Visual tests").t(lang).into()),
            columns: vec![
                Column::text(lang.label(Label::Item)),
                Column::text(Bi("パターン", "Pattern").t(lang)),
                Column::text(Bi("確認事項", "Check").t(lang)),
                Column::text(lang.label(Label::Verdict)),
                Column::text(lang.label(Label::Notes)),
            ],
            rows,
        }));
    }

    figures(&mut blocks, a, inputs.history, lang);
    let set = session.measurement_set(std::path::Path::new(&record.session_file));
    if let Some(map) = uniformity_figure(&set, a, lang) {
        blocks.push(map);
    }

    // Notes.
    let mut notes = Vec::new();
    if a.verdicts.iter().any(|v| v.basis == Basis::Provisional) {
        notes.push(Bi(
            "[暫定] の判定基準は規格本文で確認できていない値 (関連規格の値) であり、暫定として適用している。出典は calibration-data/README.md。",
            "Limits marked [provisional] are not confirmed from the standard's own text; a value from a related standard is applied. Sources: calibration-data/README.md.",
        ).t(lang).to_string());
    }
    if let Some(cr) = &a.contrast_response {
        notes.push(match lang {
            Lang::Ja => format!(
                "コントラスト応答: 理想JND間隔のGSDFコントラストとの誤差 (DICOM PS3.14; J'min = {:.1}, J'max = {:.1})。",
                cr.jnd_index_min, cr.jnd_index_max
            ),
            Lang::En => format!(
                "Contrast response: error against the GSDF contrast over the same ideal JND interval (DICOM PS3.14; J'min = {:.1}, J'max = {:.1}).",
                cr.jnd_index_min, cr.jnd_index_max
            ),
        });
    }
    if h.meter.selector.starts_with("sim") {
        notes.push(
            Bi(
                "シミュレーションによる測定 (実機の表示装置・輝度計ではない)。",
                "Simulated measurement: no real display or meter was measured.",
            )
            .t(lang)
            .to_string(),
        );
    }
    for am in inputs.amendments {
        notes.push(match lang {
            Lang::Ja => format!(
                "訂正 {} ({}): {} → 「{}」 理由: {}",
                when(&am.at),
                am.who,
                am.field,
                am.value,
                am.why
            ),
            Lang::En => format!(
                "Amendment {} by {}: {} → \"{}\" because: {}",
                when(&am.at),
                am.who,
                am.field,
                am.value,
                am.why
            ),
        });
    }
    if !notes.is_empty() {
        blocks.push(Block::Notes(Notes { title: None, items: notes }));
    }
    blocks.push(Block::Signatures(SignatureBlock {
        title: None,
        slots: vec![
            SignatureSlot {
                role: Bi("実施者", "Tested by").t(lang).into(),
                name: Some(h.operator.clone()),
                date: Some(when(&record.finalised_at)[..10].to_string()),
            },
            SignatureSlot {
                role: Bi("確認者", "Reviewed by").t(lang).into(),
                name: None,
                date: None,
            },
        ],
    }));

    // Appendix: every reading as journalled.
    let mut rows = Vec::new();
    for (i, e) in session.entries.iter().enumerate() {
        let row = match e {
            SessionEntry::Illuminance { illuminance_lx, raw, at } => {
                vec![
                    "illuminance".into(),
                    "—".into(),
                    format!("{illuminance_lx:.2} lx"),
                    "".into(),
                    at.clone(),
                    raw.clone(),
                ]
            }
            SessionEntry::AmbientLuminance { luminance_cd_m2, raw, at } => {
                vec![
                    "Lamb".into(),
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
            } => {
                vec![
                    settled_label(pattern, settle.as_ref()),
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
            } => vec![
                settled_label(&format!("{pattern} {position}"), settle.as_ref()),
                ddl.to_string(),
                format!("{luminance_cd_m2:.3} cd/m²"),
                chromaticity.map_or(String::new(), |c| format!("{:.4}, {:.4}", c.x, c.y)),
                at.clone(),
                raw.clone(),
            ],
            SessionEntry::Judgement { .. } | SessionEntry::Note { .. } => continue,
        };
        let mut row = row;
        row.insert(0, (i + 2).to_string());
        // Raw replies can be long binary hex; the record keeps them whole.
        if let Some(raw) = row.last_mut() {
            let trimmed: String = raw.trim().chars().take(40).collect();
            *raw = trimmed;
        }
        row[5] = when(&row[5]);
        rows.push(row);
    }
    if !rows.is_empty() {
        blocks.push(Block::PageBreak);
        blocks.push(Block::Table(Table {
            title: Some(lang.label(Label::RawReadings).into()),
            columns: vec![
                Column::number(Bi("行", "Line").t(lang)),
                Column::text(Bi("測定", "Reading").t(lang)),
                Column::number("DDL"),
                Column::number(lang.label(Label::Measured)),
                Column::text("x, y"),
                Column::text(Bi("時刻", "Time").t(lang)),
                Column::text(Bi("応答", "Meter reply").t(lang)),
            ],
            rows,
        }));
    }

    Ok(Report {
        lang,
        title: title.into(),
        subtitle: vec![
            format!("{} — {grade_name}", a.standard),
            format!("{} — {}", h.display_id, h.display),
        ],
        // The footer names the session (readable) and the record's content
        // hash (what `monqc verify` checks).
        identity: RecordIdentity {
            record_id: record.session_file.trim_end_matches(".jsonl").into(),
            content_hash: inputs.record_id.into(),
        },
        blocks,
    })
}

/// "JIRA-BN05 (2×, 0.81 s)": the patch and how its reading settled.
fn settled_label(what: &str, settle: Option<&crate::records::session::Settle>) -> String {
    match settle {
        Some(s) => {
            let flag = if s.converged { "" } else { ", !" };
            format!("{what} ({}×, {:.2} s{flag})", s.readings, s.seconds)
        }
        None => what.to_string(),
    }
}

fn limit_of(a: &Analysis, item: Item) -> Option<f64> {
    a.verdicts.iter().find(|v| v.item == item).map(|v| v.limit)
}

fn figures(blocks: &mut Vec<Block>, a: &Analysis, history: &[IndexEntry], lang: Lang) {
    let gsdf_l = |j: f64| {
        gsdf::luminance_cd_m2(j.clamp(gsdf::JND_INDEX_MIN, gsdf::JND_INDEX_MAX)).unwrap_or(f64::NAN)
    };
    if let Some(cr) = &a.contrast_response {
        let width =
            cr.jnd_per_ddl * f64::from(cr.intervals.first().map_or(15, |i| i.ddl_high - i.ddl_low));
        let (lo, hi) = (cr.jnd_index_min + width / 2.0, cr.jnd_index_max - width / 2.0);
        // The expected contrast per JND over a window as wide as one measured
        // interval: it passes exactly through the expected value of each interval.
        let expected = (0..=80)
            .map(|k| {
                let jm = lo + (hi - lo) * f64::from(k) / 80.0;
                let (l0, l1) = (gsdf_l(jm - width / 2.0), gsdf_l(jm + width / 2.0));
                Point::new(jm, 2.0 * (l1 - l0) / (l1 + l0) / width)
            })
            .collect();
        let measured = cr
            .intervals
            .iter()
            .map(|i| Point::new(i.jnd_index_mean, i.measured_contrast_per_jnd))
            .collect();
        blocks.push(Block::Figure(Figure {
            caption: match lang {
                Lang::Ja => format!("図1 コントラスト応答 (κδ = {:.2} %)", cr.kdelta_percent),
                Lang::En => {
                    format!("Figure 1: contrast response (Kδ = {:.2} %)", cr.kdelta_percent)
                }
            },
            spec: FigureSpec::ContrastResponse(CrFigure {
                measured,
                expected,
                tolerance_fraction: limit_of(a, Item::Kdelta).unwrap_or(10.0) / 100.0,
                log_y: true,
            }),
            height_mm: 75.0,
        }));
        let first = cr.intervals.first().map_or(0, |i| i.ddl_low);
        let last = cr.intervals.last().map_or(255, |i| i.ddl_high);
        let mut measured: Vec<Point> = cr
            .intervals
            .iter()
            .map(|i| Point::new(f64::from(i.ddl_low), i.luminance_low_cd_m2))
            .collect();
        if let Some(i) = cr.intervals.last() {
            measured.push(Point::new(f64::from(i.ddl_high), i.luminance_high_cd_m2));
        }
        let target = (0..=64)
            .map(|k| {
                let d = f64::from(first) + f64::from(last - first) * f64::from(k) / 64.0;
                Point::new(d, gsdf_l(cr.jnd_index_min + (d - f64::from(first)) * cr.jnd_per_ddl))
            })
            .collect();
        blocks.push(Block::Figure(Figure {
            caption: Bi(
                "図2 輝度応答 (L'、GSDF目標値)",
                "Figure 2: luminance response (L', GSDF target)",
            )
            .t(lang)
            .into(),
            spec: FigureSpec::LuminanceResponse(LuminanceResponse { measured, target }),
            height_mm: 70.0,
        }));
    }
    if !history.is_empty() && a.test == TestType::Constancy {
        let base = a.baseline.as_ref();
        let label = |e: &IndexEntry| e.finalised_at.get(..10).unwrap_or("").to_string();
        let series = |f: &dyn Fn(&IndexEntry) -> Option<f64>| -> Vec<TrendPoint> {
            history
                .iter()
                .filter_map(|e| f(e).map(|v| TrendPoint { label: label(e), value: v }))
                .collect()
        };
        let lmax_limits: Vec<f64> =
            limit_of(a, Item::Lmax).into_iter().chain(base.map(|b| b.lmax_cd_m2 * 0.9)).collect();
        for (metric, points, baseline, limits) in [
            ("L'max (cd/m²)", series(&|e| e.lmax_cd_m2), base.map(|b| b.lmax_cd_m2), lmax_limits),
            (
                "κδ (%)",
                series(&|e| e.kdelta_percent),
                base.map(|b| b.kdelta_percent),
                limit_of(a, Item::Kdelta).into_iter().collect(),
            ),
            (
                "r'",
                series(&|e| e.luminance_ratio),
                base.map(|b| b.luminance_ratio),
                limit_of(a, Item::LuminanceRatio).into_iter().collect(),
            ),
        ] {
            if points.len() < 2 {
                continue;
            }
            blocks.push(Block::Figure(Figure {
                caption: match lang {
                    Lang::Ja => format!("{metric} の推移"),
                    Lang::En => format!("Trend of {metric}"),
                },
                spec: FigureSpec::Trend(Trend { metric: metric.into(), points, baseline, limits }),
                height_mm: 55.0,
            }));
        }
    }
}

/// Uniformity map figure for the uniformity readings of `record`.
fn uniformity_figure(
    set: &crate::numbers::measurement::MeasurementSet,
    a: &Analysis,
    lang: Lang,
) -> Option<Block> {
    let centre = set.uniformity.iter().find(|u| u.position == Position::Centre)?;
    let lc = set.total_luminance_cd_m2(centre.luminance_cd_m2);
    let cells = set
        .uniformity
        .iter()
        .map(|u| {
            let (row, col) = match u.position {
                Position::TopLeft => (0, 0),
                Position::TopRight => (0, 2),
                Position::Centre => (1, 1),
                Position::BottomLeft => (2, 0),
                Position::BottomRight => (2, 2),
            };
            let l = set.total_luminance_cd_m2(u.luminance_cd_m2);
            UniformityCell {
                row,
                col,
                value: format!("{l:.1} cd/m²"),
                deviation_percent: 100.0 * (l - lc) / lc,
            }
        })
        .collect();
    let limit = limit_of(a, Item::Uniformity).unwrap_or(30.0);
    Some(Block::Figure(Figure {
        caption: match lang {
            Lang::Ja => format!(
                "図3 輝度均一性 (中心に対する偏差; {} = {})",
                "均一性",
                a.uniformity_percent.map_or("—".into(), |u| format!("{u:.1} %"))
            ),
            Lang::En => format!(
                "Figure 3: luminance uniformity (deviation from the centre; uniformity {})",
                a.uniformity_percent.map_or("—".into(), |u| format!("{u:.1} %"))
            ),
        },
        spec: FigureSpec::UniformityMap(UniformityMap {
            rows: 3,
            cols: 3,
            cells,
            deviation_limit_percent: limit,
        }),
        height_mm: 60.0,
    }))
}
