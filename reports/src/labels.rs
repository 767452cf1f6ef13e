//! The fixed wording of a report in Japanese and English: one catalogue for every phrase.
//!
//! It holds the words the writer itself prints (table headings, verdict words, axis titles,
//! the footer) and the phrases a caller builds a [`Report`](crate::Report) from (item names,
//! identification keys, notes, figure captions), so that a translation is read and checked
//! in one place. Values, clauses and names arrive already written; a phrase with `{}`
//! placeholders is completed with [`Lang::fill`].

use serde::{Deserialize, Serialize};

/// Language of a report's fixed wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Japanese (日本語).
    Ja,
    /// English.
    En,
}

impl Lang {
    /// The fixed text for `label` in this language.
    pub fn label(self, label: Label) -> &'static str {
        let (ja, en) = label.texts();
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// The text for `label` with its `{}` placeholders replaced, in order, by `args`
    /// (already formatted: numbers as the caller rounds them). Both languages of a label
    /// take the same arguments in the same order.
    pub fn fill(self, label: Label, args: &[&dyn std::fmt::Display]) -> String {
        let mut out = String::new();
        let mut args = args.iter();
        let mut pieces = self.label(label).split("{}");
        out.push_str(pieces.next().unwrap_or(""));
        for piece in pieces {
            if let Some(arg) = args.next() {
                out.push_str(&arg.to_string());
            }
            out.push_str(piece);
        }
        out
    }

    /// The footer's page counter, e.g. "Page 2 of 5" or "2 / 5 ページ".
    pub fn page_of(self, page: usize, pages: usize) -> String {
        match self {
            Lang::Ja => format!("{page} / {pages} ページ"),
            Lang::En => format!("Page {page} of {pages}"),
        }
    }

    /// The BCP 47 tag, used for the PDF's /Lang entry.
    pub fn bcp47(self) -> &'static str {
        match self {
            Lang::Ja => "ja-JP",
            Lang::En => "en",
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ja" | "jp" | "ja-jp" => Ok(Lang::Ja),
            "en" | "en-us" | "en-gb" => Ok(Lang::En),
            _ => Err(crate::Error::UnknownLanguage(s.to_owned())),
        }
    }
}

macro_rules! labels {
    ($( $(#[$doc:meta])* $name:ident => $ja:literal, $en:literal; )*) => {
        /// A fixed phrase the writer prints; see [`Lang::label`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Label {
            $( $(#[$doc])* $name, )*
        }

        impl Label {
            /// Every label, for completeness checks.
            pub const ALL: &'static [Label] = &[$(Label::$name),*];

            fn texts(self) -> (&'static str, &'static str) {
                match self {
                    $( Label::$name => ($ja, $en), )*
                }
            }
        }
    };
}

labels! {
    /// Title of an acceptance test report.
    AcceptanceReport => "受入試験報告書", "Acceptance test report";
    /// Title of a constancy test report.
    ConstancyReport => "不変性試験報告書", "Constancy test report";
    /// Title of a daily visual check record.
    DailyCheckReport => "日常点検記録", "Daily check record";
    /// Heading of the verdict column and of the overall verdict.
    Verdict => "判定", "Verdict";
    /// Heading of the overall verdict banner.
    OverallVerdict => "総合判定", "Overall verdict";
    /// Verdict: the item met its limit.
    Pass => "合格", "Pass";
    /// Verdict: the item did not meet its limit.
    Fail => "不合格", "Fail";
    /// Verdict: the item was not evaluated (a reason follows).
    NotEvaluated => "評価せず", "Not evaluated";
    /// Verdict withheld: a required item was not judged, or a value rests on
    /// readings the meter flagged (a reason follows).
    Incomplete => "判定保留", "Incomplete";
    /// Beside a verdict whose value lies within its uncertainty of the limit.
    WithinUncertainty => "不確かさの範囲内で基準値に近い", "within uncertainty of the limit";
    /// Column heading: the test item.
    Item => "試験項目", "Item";
    /// Column heading: the measured value.
    Measured => "測定値", "Measured";
    /// Column heading: the limit applied.
    Limit => "判定基準", "Limit";
    /// Column heading: the clause of the standard.
    Clause => "条項", "Clause";
    /// Heading of the results section.
    Results => "試験結果", "Results";
    /// Heading of the notes section.
    Notes => "備考", "Notes";
    /// Heading of the signature block.
    Signatures => "署名", "Signatures";
    /// Signature slot: signature line.
    Signature => "署名", "Signature";
    /// Signature slot: name.
    Name => "氏名", "Name";
    /// Signature slot: date.
    Date => "日付", "Date";
    /// Heading of the raw readings appendix.
    RawReadings => "付録: 測定値一覧", "Appendix: raw readings";
    /// Footer: record identifier.
    RecordId => "記録ID", "Record ID";
    /// Footer: content hash of the record.
    ContentHash => "内容ハッシュ (SHA-256)", "Content hash (SHA-256)";
    /// Heading of the identification section.
    Identification => "識別情報", "Identification";
    /// Table heading: continued from the previous page.
    Continued => "(続き)", "(continued)";
    /// Figure legend: measured points.
    LegendMeasured => "測定値", "Measured";
    /// Figure legend: expected curve.
    LegendExpected => "期待値", "Expected";
    /// Figure legend: tolerance band.
    LegendTolerance => "許容範囲", "Tolerance";
    /// Figure legend: target curve.
    LegendTarget => "目標値", "Target";
    /// Figure legend: baseline value.
    LegendBaseline => "基準値", "Baseline";
    /// Figure legend: limit lines.
    LegendLimit => "許容限界", "Limit";
    /// Axis title: JND index.
    AxisJndIndex => "JNDインデックス", "JND index";
    /// Axis title: contrast per JND.
    AxisContrastPerJnd => "JNDあたりのコントラスト", "Contrast per JND";
    /// Axis title: digital driving level.
    AxisDdl => "DDL (デジタル駆動レベル)", "DDL (digital driving level)";
    /// Axis title: luminance in cd/m².
    AxisLuminance => "輝度 (cd/m²)", "Luminance (cd/m²)";
    /// Axis title: date of a trend point.
    AxisDate => "試験日", "Test date";
    /// Uniformity map: deviation from the reference position.
    Deviation => "偏差", "Deviation";

    // Phrases of monqc's QC reports (the root crate's report mapping).

    /// Item: maximum luminance including ambient.
    ItemLmax => "最大輝度 L'max", "Maximum luminance L'max";
    /// Item: the display's maximum luminance without ambient.
    ItemLmaxWithoutAmbient => "最大輝度 Lmax (環境光なし)", "Maximum luminance Lmax (without ambient)";
    /// Item: luminance ratio.
    ItemLuminanceRatio => "輝度比 r'", "Luminance ratio r'";
    /// Item: contrast response.
    ItemKdelta => "コントラスト応答 κδ", "Contrast response Kδ";
    /// Item: ambient ratio.
    ItemAmbientRatio => "環境光比 Lamb/L'min", "Ambient ratio Lamb/L'min";
    /// Item: luminance uniformity.
    ItemUniformity => "輝度均一性", "Luminance uniformity";
    /// Item: chromaticity difference between the uniformity points.
    ItemChromaticityUniformity => "色度差 Δu'v' (5点)", "Chromaticity Δu'v' (5 points)";
    /// Item: chromaticity of the greyscale.
    ItemGreyscaleTracking => "グレースケール色度 Δu'v'", "Greyscale chromaticity Δu'v'";
    /// Item: change of L'max from the baseline.
    ItemLmaxChange => "L'max の基準値からの変化", "L'max change from baseline";
    /// Meter set-up: telescopic.
    SetupTelescopic => "望遠型輝度計 (環境光を含めて測定)",
        "telescopic meter (readings include ambient light)";
    /// Meter set-up: contact meter with an illuminance meter.
    SetupContact => "接触型輝度計・照度計併用 (L' = L + Lamb)",
        "contact meter with illuminance meter (L' = L + Lamb)";
    /// Meter set-up: the display's built-in front sensor with an illuminance meter.
    SetupBuiltInSensor => "前面センサー内蔵型・照度計併用 (L' = L + Lamb)",
        "built-in front sensor with illuminance meter (L' = L + Lamb)";
    /// Identification: the facility.
    Facility => "施設", "Facility";
    /// Identification: the display.
    Display => "表示装置", "Display";
    /// Identification: standard and grade.
    StandardAndGrade => "規格・管理グレード", "Standard and grade";
    /// Identification: bits per DDL.
    BitsPerDdl => "階調数", "Bits per DDL";
    /// Identification: a meter's calibration date follows.
    CalibratedOn => "校正日", "calibrated";
    /// Identification: the luminance meter.
    LuminanceMeter => "輝度計", "Luminance meter";
    /// Identification: the illuminance meter.
    IlluminanceMeter => "照度計", "Illuminance meter";
    /// Identification: the meter set-up.
    Method => "測定方式", "Method";
    /// Identification: illuminance at the display face, recorded for reference.
    IlluminanceReference => "照度 (参考)", "Illuminance (reference)";
    /// Identification: ambient luminance.
    AmbientLuminance => "環境光輝度 Lamb", "Ambient luminance Lamb";
    /// Source of Lamb: measured with the display off.
    LambMeasuredDisplayOff => "表示オフで測定", "measured, display off";
    /// Source of Lamb: given by the operator.
    LambAsGiven => "入力値", "as given";
    /// Identification: who ran the test.
    Operator => "実施者", "Operator";
    /// Identification: when the session started.
    Started => "開始日時", "Started";
    /// Identification: when the record was finalised.
    Finalised => "確定日時", "Finalised";
    /// Identification: the software.
    Software => "ソフトウェア", "Software";
    /// Identification: the criteria table used.
    CriteriaTable => "判定基準表", "Criteria table";
    /// Identification: the baseline record of a constancy test.
    BaselineRecord => "基準値の記録", "Baseline record";
    /// Mark of a limit not confirmed from the standard's own text.
    Provisional => "[暫定]", "[provisional]";
    /// Title of the table comparing a constancy test with its baseline.
    AgainstBaseline => "基準値との比較", "Against the baseline";
    /// Column heading: change from the baseline.
    Change => "変化", "Change";
    /// Title of the visual tests table.
    VisualTests => "目視試験", "Visual tests";
    /// Column heading: the pattern shown.
    Pattern => "パターン", "Pattern";
    /// Column heading: what the operator checked.
    Check => "確認事項", "Check";
    /// Note on provisional limits.
    NoteProvisional => "[暫定] の判定基準は規格本文で確認できていない値 (関連規格の値) であり、暫定として適用している。出典は calibration-data/README.md。",
        "Limits marked [provisional] are not confirmed from the standard's own text; a value from a related standard is applied. Sources: calibration-data/README.md.";
    /// Note on the contrast response ({} = J'min, J'max).
    NoteContrastResponse => "コントラスト応答: 理想JND間隔のGSDFコントラストとの誤差 (DICOM PS3.14; J'min = {}, J'max = {})。",
        "Contrast response: error against the GSDF contrast over the same ideal JND interval (DICOM PS3.14; J'min = {}, J'max = {}).";
    /// Note on a simulated measurement.
    NoteSimulated => "シミュレーションによる測定 (実機の表示装置・輝度計ではない)。",
        "Simulated measurement: no real display or meter was measured.";
    /// Note on an amendment ({} = when, who, field, value, why).
    NoteAmendment => "訂正 {} ({}): {} → 「{}」 理由: {}",
        "Amendment {} by {}: {} → \"{}\" because: {}";
    /// Signature slot: who ran the test.
    TestedBy => "実施者", "Tested by";
    /// Signature slot: who reviewed the record.
    ReviewedBy => "確認者", "Reviewed by";
    /// Appendix column: journal line.
    JournalLine => "行", "Line";
    /// Appendix column: what was read.
    Reading => "測定", "Reading";
    /// Appendix column: when.
    Time => "時刻", "Time";
    /// Appendix column: the meter's reply.
    MeterReply => "応答", "Meter reply";
    /// Heading of the appendix table saying how each step was confirmed.
    StepConfirmations => "付録: 各手順の確認", "Appendix: how each step was confirmed";
    /// Confirmations column: the step.
    Step => "手順", "Step";
    /// Confirmations column: what had to happen and who confirmed it.
    Confirmation => "確認", "Confirmation";
    /// Action: the display was switched off.
    ActionSwitchOff => "電源を切る", "display switched off";
    /// Action: the display was switched on.
    ActionSwitchOn => "電源を入れる", "display switched on";
    /// Action: the meter was placed ({} = where).
    ActionPlaceMeter => "測定器の設置 ({})", "meter placed ({})";
    /// Action: a visual judgement.
    ActionJudge => "目視判定", "visual judgement";
    /// A step that needed nothing physical.
    NoActionNeeded => "操作なし", "nothing physical needed";
    /// Confirmed by the operator at the terminal.
    ByTerminal => "操作者 (端末)", "operator at the terminal";
    /// Confirmed by the operator at the pattern window.
    ByWindow => "操作者 (パターン画面)", "operator at the pattern window";
    /// Answered from an answers file.
    ByAnswersFile => "回答ファイル (--answers)", "answers file (--answers)";
    /// Taken as done without anyone confirming it.
    ByAssumedYes => "確認なし (--yes)", "assumed, not confirmed (--yes)";
    /// Done by the simulated bench itself.
    BySimulatedBench => "模擬環境が自動で実施", "simulated bench, automatic";
    /// A built-in sensor needs no placing.
    ByBuiltInSensor => "内蔵センサ (設置不要)", "built-in sensor (no placing)";
    /// Caption of the contrast response figure ({} = Kδ in %).
    FigureContrastResponse => "図1 コントラスト応答 (κδ = {} %)", "Figure 1: contrast response (Kδ = {} %)";
    /// Caption of the luminance response figure.
    FigureLuminanceResponse => "図2 輝度応答 (L'、GSDF目標値)", "Figure 2: luminance response (L', GSDF target)";
    /// Caption of a trend figure ({} = the metric).
    FigureTrend => "{} の推移", "Trend of {}";
    /// Caption of a uniformity map ({} = the field in %, the per-point formula, the uniformity).
    FigureUniformity => "図3 輝度均一性 ({} % フィールド; 各点の偏差 {}; 均一性 = {})",
        "Figure 3: luminance uniformity ({} % field; each point's deviation {}; uniformity {})";
    /// Banner: the items not judged follow ({} = the items).
    NotJudgedItems => "未判定: {}", "not judged: {}";
    /// Note on an item not judged ({} = item, reason).
    NoteNotJudged => "判定保留 — {}: {}", "Not judged — {}: {}";
    /// Identification: Lamb not known.
    LambUnknown => "不明 (0 cd/m² として計算)", "unknown (taken as 0 cd/m²)";
    /// Note on an unknown Lamb.
    NoteLambUnknown => "Lamb が不明のため 0 cd/m² として L'max・L'min・r' を求めた (環境光を含まない値)。",
        "Lamb is unknown and taken as 0 cd/m² in L'max, L'min and r' (they include no ambient light).";
    /// Note on measurement uncertainty ({} = the meter's figures and their source).
    NoteUncertainty => "± は拡張不確かさ (k = 2)。計測器の公表精度・繰り返し性から GUM (JCGM 100:2008) の一次の伝播則で求めた。計測器の数値: {}",
        "± is the expanded uncertainty (k = 2), propagated to first order (GUM, JCGM 100:2008) from the meters' stated accuracy and repeatability. The meter's figures: {}";
    /// Mark of a limit no standard gives (the site's own setting).
    Unsourced => "[出典なし]", "[unsourced]";
    /// Note on unsourced limits.
    NoteUnsourced => "[出典なし] の判定基準はどの規格にも根拠がなく、施設が設定した値である。",
        "Limits marked [unsourced] are the site's own settings; no standard gives them.";
    /// Mark of an item a standard makes optional.
    Optional => "[任意]", "[optional]";
    /// Note on the meter's warnings ({} = item, the flagged readings).
    NoteFlagged => "計測器の警告 — {}: {}", "Meter warnings — {}: {}";
    /// Note on the scope of a verdict ({} = the items).
    NoteOnly => "この判定の対象は {} のみ (--only)。", "This verdict covers only {} (--only).";
    /// Note on the response on the 20 % background ({} = DDL, Kδ).
    NoteBackgroundSeries => "20 % 背景 (DDL {}) での輝度応答: κδ = {} % (参考値、判定には用いない)。",
        "Luminance response on the 20 % background (DDL {}): Kδ = {} % (reported, not judged).";
    /// Note on the change of L'max without a tolerance ({} = the change).
    NoteLmaxChangeNoTolerance => "L'max の基準値からの変化 {}: 許容値は設定されていない (規格に根拠なし; 施設の設定 [constancy] lmax_change_percent)。",
        "L'max change from the baseline {}: no tolerance is set (no standard gives one; a site setting, [constancy] lmax_change_percent).";
    /// A note the analysis gives ({} = its text).
    NoteAnalysis => "解析: {}", "Analysis: {}";
    /// Identification: the display's own maximum luminance without ambient.
    LmaxWithoutAmbient => "最大輝度 Lmax (環境光を含まない)", "Maximum luminance Lmax (without ambient)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_both_languages() {
        for &label in Label::ALL {
            assert!(!Lang::Ja.label(label).is_empty(), "{label:?}");
            assert!(!Lang::En.label(label).is_empty(), "{label:?}");
            assert!(!Lang::Ja.label(label).is_ascii(), "{label:?} ja");
        }
    }

    #[test]
    fn both_languages_of_a_phrase_take_the_same_arguments() {
        for &label in Label::ALL {
            let (ja, en) = label.texts();
            assert_eq!(ja.matches("{}").count(), en.matches("{}").count(), "{label:?}");
        }
    }

    #[test]
    fn placeholders_are_filled_in_order() {
        assert_eq!(Lang::En.fill(Label::FigureTrend, &[&"r'"]), "Trend of r'");
        assert_eq!(
            Lang::Ja
                .fill(Label::NoteAmendment, &[&"2026-11-26", &"kt", &"display", &"S/N 2", &"typo"]),
            "訂正 2026-11-26 (kt): display → 「S/N 2」 理由: typo"
        );
        // Too few arguments leave the rest out rather than panic.
        assert_eq!(
            Lang::En.fill(Label::FigureContrastResponse, &[]),
            "Figure 1: contrast response (Kδ =  %)"
        );
        assert_eq!(Lang::En.fill(Label::Pass, &[&1]), "Pass", "a phrase without placeholders");
    }

    #[test]
    fn headings_read_as_expected() {
        assert_eq!(Lang::Ja.label(Label::AcceptanceReport), "受入試験報告書");
        assert_eq!(Lang::En.label(Label::ConstancyReport), "Constancy test report");
        assert_eq!(Lang::Ja.label(Label::Fail), "不合格");
        assert_eq!(Lang::En.page_of(2, 5), "Page 2 of 5");
    }

    #[test]
    fn language_parses_from_cli_spelling() {
        assert_eq!("ja".parse::<Lang>().unwrap(), Lang::Ja);
        assert_eq!("EN".parse::<Lang>().unwrap(), Lang::En);
        assert!("de".parse::<Lang>().is_err());
    }
}
