//! The fixed wording of a report in Japanese and English.
//!
//! Everything the caller writes (item names, values, clauses, notes) arrives already
//! localised in the [`Report`](crate::Report); this catalogue covers only the words the
//! writer itself prints: table headings, verdict words, axis titles, the footer.

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
