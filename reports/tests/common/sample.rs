//! Sample reports shared by the integration tests and the `report_bench` example.
//!
//! The numbers are illustrative (a made-up display and meter), shaped like real
//! acceptance and constancy results; the expected contrast curve follows the DICOM
//! PS3.14 GSDF formula so the figure looks like the real thing. Verdicts here are
//! typed in, not computed: this crate only lays reports out.

#![allow(dead_code)]

use monqc_reports::*;

/// The sample's record identity, fixed so the golden hash is stable.
pub fn identity() -> RecordIdentity {
    RecordIdentity {
        record_id: "2026-11-26-RX250-0001".into(),
        content_hash: "9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d".into(),
    }
}

/// Options with a fixed clock and version.
pub fn options() -> PdfOptions {
    PdfOptions {
        created_unix_s: 1_795_677_000, // 2026-11-26 07:10:00 UTC
        producer: "monqc 0.1.0".into(),
        document_id: identity().content_hash,
    }
}

/// GSDF luminance L(j) in cd/m², DICOM PS3.14 (2023) §7.1 Eq. 1 (sample data only).
fn gsdf_luminance(j: f64) -> f64 {
    let (a, b, c, d, e) =
        (-1.301_187_7, -2.584_019_1e-2, 8.024_263_6e-2, -1.032_022_9e-1, 1.364_669_9e-1);
    let (f, g, h, k, m) =
        (2.874_562_0e-2, -2.546_840_4e-2, -3.197_897_7e-3, 1.299_263_4e-4, 1.363_533_4e-3);
    let x = j.ln();
    let num = a + c * x + e * x.powi(2) + g * x.powi(3) + m * x.powi(4);
    let den = 1.0 + b * x + d * x.powi(2) + f * x.powi(3) + h * x.powi(4) + k * x.powi(5);
    10f64.powf(num / den)
}

fn contrast_per_jnd(j: f64) -> f64 {
    let (l0, l1) = (gsdf_luminance(j), gsdf_luminance(j + 1.0));
    2.0 * (l1 - l0) / (l1 + l0)
}

/// JND index whose GSDF luminance is `l` cd/m² (bisection; sample data only).
fn gsdf_jnd(l: f64) -> f64 {
    let (mut lo, mut hi) = (1.0, 1023.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if gsdf_luminance(mid) < l { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

/// Target luminance at `ddl`: equal JND steps between L'min and L'max over 8 bits.
fn target_luminance(ddl: u16) -> f64 {
    let (j0, j1) = (gsdf_jnd(0.62), gsdf_jnd(412.3));
    gsdf_luminance(j0 + (j1 - j0) * f64::from(ddl) / 255.0)
}

/// 18 measured DDL steps (DDL, cd/m²): the target with an illustrative error of a few
/// per cent, so the figures and tables look like a real run.
pub fn readings() -> Vec<(u16, f64)> {
    let wobble = [
        0.0, 0.031, -0.024, 0.018, -0.035, 0.027, 0.012, -0.019, 0.022, -0.011, 0.016, -0.028,
        0.009, 0.021, -0.014, 0.006, -0.008, 0.0,
    ];
    (0..18u16)
        .map(|i| {
            let ddl = i * 15;
            let l = target_luminance(ddl) * (1.0 + wobble[usize::from(i)]);
            (ddl, (l * 1000.0).round() / 1000.0)
        })
        .collect()
}

fn contrast_response() -> ContrastResponse {
    // Measured points: an illustrative scatter of ±12 % around the curve.
    let wobble = [
        0.04, -0.06, 0.09, -0.03, 0.05, -0.11, 0.02, 0.07, -0.04, 0.12, -0.08, 0.03, 0.06, -0.02,
        0.01, -0.05, 0.08,
    ];
    let measured = wobble
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let j = 60.0 + 38.0 * i as f64;
            Point::new(j, contrast_per_jnd(j) * (1.0 + w))
        })
        .collect();
    let expected = (0..=60).map(|i| {
        let j = 40.0 + 11.0 * f64::from(i);
        Point::new(j, contrast_per_jnd(j))
    });
    ContrastResponse {
        measured,
        expected: expected.collect(),
        tolerance_fraction: 0.15,
        log_y: true,
    }
}

fn luminance_response() -> LuminanceResponse {
    let measured = readings().iter().map(|&(d, l)| Point::new(f64::from(d), l)).collect();
    let target =
        (0..=51u16).map(|i| Point::new(f64::from(i * 5), target_luminance(i * 5))).collect();
    LuminanceResponse { measured, target }
}

fn uniformity() -> UniformityMap {
    let values = [
        (0, 0, "118.2", -12.4),
        (0, 1, "126.0", -6.7),
        (0, 2, "117.5", -13.0),
        (1, 0, "129.1", -4.4),
        (1, 1, "135.0", 0.0),
        (1, 2, "127.7", -5.4),
        (2, 0, "91.7", -32.1),
        (2, 1, "124.4", -7.9),
        (2, 2, "119.9", -11.2),
    ];
    UniformityMap {
        rows: 3,
        cols: 3,
        cells: values
            .iter()
            .map(|&(row, col, v, d)| UniformityCell {
                row,
                col,
                value: format!("{v} cd/m²"),
                deviation_percent: d,
            })
            .collect(),
        deviation_limit_percent: 30.0,
    }
}

struct Words {
    title: Label,
    subtitle: [&'static str; 2],
}

fn t(lang: Lang, ja: &str, en: &str) -> String {
    match lang {
        Lang::Ja => ja.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// The verdict rows of the sample acceptance test: (ja item, en item, measured,
/// limit, clause, verdict).
pub fn acceptance_rows(lang: Lang) -> Vec<VerdictRow> {
    let row = |ja: &str, en: &str, measured: &str, limit: &str, clause: &str, verdict: Verdict| {
        VerdictRow {
            item: t(lang, ja, en),
            measured: measured.into(),
            limit: limit.into(),
            clause: clause.into(),
            verdict,
        }
    };
    vec![
        row(
            "最大輝度 L'max",
            "Maximum luminance L'max",
            "412.3 cd/m²",
            "≥ 350 cd/m²",
            "JESRA X-0093 §4.2.3",
            Verdict::Pass,
        ),
        row(
            "最小輝度 L'min",
            "Minimum luminance L'min",
            "0.62 cd/m²",
            "—",
            "JESRA X-0093 §4.2.3",
            Verdict::Pass,
        ),
        row(
            "輝度比 r'",
            "Luminance ratio r'",
            "665",
            "≥ 250",
            "JESRA X-0093 §4.2.3",
            Verdict::Pass,
        ),
        row(
            "コントラスト応答 κδ",
            "Contrast response κδ",
            "12.4 %",
            "≤ 15 %",
            "JESRA X-0093 §4.2.4",
            Verdict::Pass,
        ),
        row(
            "輝度均一性",
            "Luminance uniformity",
            "32.1 %",
            "≤ 30 %",
            "JESRA X-0093 §4.2.5",
            Verdict::Fail,
        ),
        row(
            "色度差 Δu'v'",
            "Chromaticity Δu'v'",
            "0.0032",
            "≤ 0.01",
            "JESRA X-0093 §4.2.6",
            Verdict::Pass,
        ),
        row(
            "周囲光 Lamb",
            "Ambient luminance Lamb",
            "—",
            "≤ L'min / 4",
            "JESRA X-0093 §4.2.2",
            Verdict::NotEvaluated { reason: t(lang, "照度計なし", "no illuminance meter") },
        ),
    ]
}

/// A sample acceptance report.
pub fn acceptance(lang: Lang) -> Report {
    let words = Words {
        title: Label::AcceptanceReport,
        subtitle: ["JESRA X-0093*B-2017 ・ 管理グレード 1A", "JESRA X-0093*B-2017 · grade 1A"],
    };
    let kv = |ja: &str, en: &str, v: &str| KeyValue::new(t(lang, ja, en), v);
    let mut blocks = vec![
        Block::Heading(lang.label(Label::Identification).into()),
        Block::KeyValues(KeyValueTable {
            title: None,
            rows: vec![
                kv(
                    "施設",
                    "Facility",
                    &t(lang, "みなと総合病院 放射線科", "Minato General Hospital, Radiology"),
                ),
                kv("設置場所", "Location", &t(lang, "読影室 2", "Reading room 2")),
                kv("表示装置", "Display", "Radiant RX-250 (S/N 24A01932)"),
                kv("用途", "Use", &t(lang, "診断用 (胸部X線)", "Diagnostic (chest X-ray)")),
                kv("グラフィックボード", "Graphics board", "Quadro RTX A2000 / 10 bit"),
                kv("輝度計", "Luminance meter", "LS-150 (S/N 40112345)"),
                kv("校正日", "Calibration date", "2026-03-14"),
                kv("周囲照度", "Ambient illuminance", "28 lx"),
                kv("実施者", "Operator", &t(lang, "山田 花子", "Hanako Yamada")),
                kv("試験日時", "Test date", "2026-11-26 09:42"),
            ],
        }),
        Block::OverallVerdict(Verdict::Fail),
        Block::Heading(lang.label(Label::Results).into()),
        Block::Verdicts(VerdictTable { title: None, rows: acceptance_rows(lang) }),
        Block::Figure(Figure {
            caption: t(
                lang,
                "図1 コントラスト応答 (許容範囲 ±15 %)",
                "Figure 1: contrast response (tolerance ±15 %)",
            ),
            spec: FigureSpec::ContrastResponse(contrast_response()),
            height_mm: 78.0,
        }),
        Block::Figure(Figure {
            caption: t(lang, "図2 輝度応答", "Figure 2: luminance response"),
            spec: FigureSpec::LuminanceResponse(luminance_response()),
            height_mm: 78.0,
        }),
        Block::Figure(Figure {
            caption: t(
                lang,
                "図3 輝度均一性 (中央を基準とした偏差)",
                "Figure 3: luminance uniformity (deviation from the centre)",
            ),
            spec: FigureSpec::UniformityMap(uniformity()),
            height_mm: 70.0,
        }),
        Block::Notes(Notes {
            title: None,
            items: vec![
                t(
                    lang,
                    "輝度均一性が判定基準を超えた。左下隅の輝度低下はバックライトの劣化が疑われるため、保守業者に点検を依頼すること。",
                    "Luminance uniformity exceeded its limit. The dark lower-left corner suggests backlight ageing; ask the service provider to inspect the display.",
                ),
                t(
                    lang,
                    "周囲光は照度計がなかったため評価していない。",
                    "Ambient light was not evaluated because no illuminance meter was available.",
                ),
            ],
        }),
        Block::Signatures(SignatureBlock {
            title: None,
            slots: vec![
                SignatureSlot {
                    role: t(lang, "実施者", "Tested by"),
                    name: Some(t(lang, "山田 花子", "Hanako Yamada")),
                    date: Some("2026-11-26".into()),
                },
                SignatureSlot { role: t(lang, "確認者", "Reviewed by"), name: None, date: None },
                SignatureSlot {
                    role: t(lang, "品質管理責任者", "QC manager"),
                    name: None,
                    date: None,
                },
            ],
        }),
        Block::PageBreak,
        Block::Heading(lang.label(Label::RawReadings).into()),
    ];
    blocks.push(Block::Table(raw_readings(lang)));
    Report {
        lang,
        title: lang.label(words.title).into(),
        subtitle: vec![t(lang, words.subtitle[0], words.subtitle[1])],
        identity: identity(),
        blocks,
    }
}

/// 3 repeats of the 18-step ramp: 54 rows, enough to run over a page.
pub fn raw_readings(lang: Lang) -> Table {
    let mut rows = Vec::new();
    for run in 1..=3u32 {
        for (i, &(ddl, l)) in readings().iter().enumerate() {
            let l = l * (1.0 + 0.001 * f64::from(run as u8) - 0.0005 * i as f64 / 18.0);
            let time = format!("09:{:02}:{:02}", 10 + run * 9 + i as u32 / 4, (i as u32 * 13) % 60);
            rows.push(vec![
                format!("{}", rows.len() + 1),
                format!("{run}"),
                format!("{ddl}"),
                format!("{l:.3}"),
                format!("{:.4}", 0.3127 + 0.0001 * i as f64),
                format!("{:.4}", 0.3290 - 0.0001 * i as f64),
                time,
            ]);
        }
    }
    Table {
        title: Some(t(lang, "輝度計読取値 (中央)", "Meter readings (centre)")),
        columns: vec![
            Column::number("#"),
            Column::number(t(lang, "回", "Run")),
            Column::number("DDL"),
            Column::number(t(lang, "輝度 (cd/m²)", "L (cd/m²)")),
            Column::number("x"),
            Column::number("y"),
            Column::text(t(lang, "時刻", "Time")),
        ],
        rows,
    }
}

/// The verdict rows of the sample constancy test.
pub fn constancy_rows(lang: Lang) -> Vec<VerdictRow> {
    let row = |ja: &str, en: &str, measured: &str, limit: &str, clause: &str| VerdictRow {
        item: t(lang, ja, en),
        measured: measured.into(),
        limit: limit.into(),
        clause: clause.into(),
        verdict: Verdict::Pass,
    };
    vec![
        row(
            "最大輝度 L'max",
            "Maximum luminance L'max",
            "398.6 cd/m² (−3.3 %)",
            &t(lang, "基準値 ±10 %", "baseline ±10 %"),
            "JESRA X-0093 §5.2.3",
        ),
        row("輝度比 r'", "Luminance ratio r'", "641", "≥ 250", "JESRA X-0093 §5.2.3"),
        row(
            "コントラスト応答 κδ",
            "Contrast response κδ",
            "13.1 %",
            "≤ 15 %",
            "JESRA X-0093 §5.2.4",
        ),
    ]
}

/// A sample constancy report with trends.
pub fn constancy(lang: Lang) -> Report {
    let dates = [
        "2026-05-26",
        "2026-06-25",
        "2026-07-27",
        "2026-08-26",
        "2026-09-25",
        "2026-10-26",
        "2026-11-26",
    ];
    let lmax = [412.3, 410.8, 407.9, 405.2, 403.0, 400.7, 398.6];
    let kdelta = [12.4, 12.6, 12.2, 12.9, 13.4, 12.8, 13.1];
    let trend = |metric: String, values: &[f64], baseline: f64, limits: Vec<f64>| Trend {
        metric,
        points: dates
            .iter()
            .zip(values)
            .map(|(d, &v)| TrendPoint { label: d[5..].to_owned(), value: v })
            .collect(),
        baseline: Some(baseline),
        limits,
    };
    Report {
        lang,
        title: lang.label(Label::ConstancyReport).into(),
        subtitle: vec![t(
            lang,
            "JESRA X-0093*B-2017 ・ 管理グレード 1A ・ 基準: 2026-05-26 受入試験",
            "JESRA X-0093*B-2017 · grade 1A · baseline: acceptance test of 2026-05-26",
        )],
        identity: RecordIdentity {
            record_id: "2026-11-26-RX250-0007".into(),
            content_hash: identity().content_hash,
        },
        blocks: vec![
            Block::KeyValues(KeyValueTable {
                title: Some(lang.label(Label::Identification).into()),
                rows: vec![
                    KeyValue::new(t(lang, "表示装置", "Display"), "Radiant RX-250 (S/N 24A01932)"),
                    KeyValue::new(t(lang, "輝度計", "Luminance meter"), "LS-150 (S/N 40112345)"),
                    KeyValue::new(t(lang, "実施者", "Operator"), t(lang, "佐藤 健", "Ken Sato")),
                ],
            }),
            Block::OverallVerdict(Verdict::Pass),
            Block::Verdicts(VerdictTable {
                title: Some(lang.label(Label::Results).into()),
                rows: constancy_rows(lang),
            }),
            Block::Figure(Figure {
                caption: t(lang, "図1 最大輝度の推移", "Figure 1: maximum luminance over time"),
                spec: FigureSpec::Trend(trend(
                    "L'max (cd/m²)".into(),
                    &lmax,
                    412.3,
                    vec![371.1, 453.5],
                )),
                height_mm: 62.0,
            }),
            Block::Figure(Figure {
                caption: t(
                    lang,
                    "図2 コントラスト応答 κδ の推移",
                    "Figure 2: contrast response κδ over time",
                ),
                spec: FigureSpec::Trend(trend("κδ (%)".into(), &kdelta, 12.4, vec![15.0])),
                height_mm: 62.0,
            }),
            Block::Signatures(SignatureBlock {
                title: None,
                slots: vec![SignatureSlot {
                    role: t(lang, "実施者", "Tested by"),
                    name: Some(t(lang, "佐藤 健", "Ken Sato")),
                    date: Some("2026-11-26".into()),
                }],
            }),
        ],
    }
}
