//! Japanese and English: each text is written in place with both forms.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::adapter::{TestKind, Verdict};
use crate::schedule::Status;

/// The page language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// 日本語.
    Ja,
    /// English.
    En,
}

impl Lang {
    /// `en` or `ja` by the language.
    pub fn t(self, en: &'static str, ja: &'static str) -> &'static str {
        match self {
            Self::Ja => ja,
            Self::En => en,
        }
    }

    /// The code (`ja`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
        }
    }

    /// Parse a code.
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "ja" => Some(Self::Ja),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// A test's name.
    pub fn test(self, t: TestKind) -> &'static str {
        match t {
            TestKind::Acceptance => self.t("Acceptance", "受入試験"),
            TestKind::Constancy => self.t("Constancy", "不変性試験"),
            TestKind::Daily => self.t("Daily", "日常点検"),
        }
    }

    /// A test's name from its stored word.
    pub fn test_id(self, t: &str) -> &'static str {
        TestKind::from_id(t).map_or("?", |t| self.test(t))
    }

    /// A verdict.
    pub fn verdict(self, v: Verdict) -> &'static str {
        match v {
            Verdict::Pass => self.t("pass", "合格"),
            Verdict::Fail => self.t("FAIL", "不合格"),
            Verdict::Unconfirmed => self.t("unconfirmed", "未確認"),
            Verdict::Incomplete => self.t("incomplete", "判定保留"),
        }
    }

    /// A verdict from its stored word.
    pub fn verdict_id(self, v: &str) -> &'static str {
        Verdict::from_id(v).map_or("?", |v| self.verdict(v))
    }

    /// A display status.
    pub fn status(self, s: Status) -> &'static str {
        match s {
            Status::Failed => self.t("failed", "不合格"),
            Status::Overdue => self.t("overdue", "期限超過"),
            Status::Incomplete => self.t("incomplete", "未完了"),
            Status::Due => self.t("due", "実施時期"),
            Status::Compliant => self.t("compliant", "適合"),
        }
    }

    /// A verdict item's name, by the library's item id.
    pub fn item(self, id: &str) -> &'static str {
        match id {
            "lmax" => self.t("Maximum luminance L'max", "最大輝度 L'max"),
            "luminance-ratio" => self.t("Luminance ratio r'", "輝度比 r'"),
            "kdelta" => self.t("Contrast response Kδ", "コントラスト応答 κδ"),
            "ambient-ratio" => self.t("Ambient ratio Lamb/L'min", "環境光比 Lamb/L'min"),
            "uniformity" => self.t("Luminance uniformity", "輝度均一性"),
            "chromaticity-uniformity" => {
                self.t("Chromaticity Δu'v' (5 points)", "色度差 Δu'v' (5点)")
            }
            "greyscale-tracking" => {
                self.t("Greyscale chromaticity Δu'v'", "グレースケール色度 Δu'v'")
            }
            "lmax-change" => self.t("L'max change from baseline", "L'max の基準値からの変化"),
            _ => "",
        }
    }
}

/// The language from the `monqc_lang` cookie, else the browser's
/// Accept-Language (Japanese first when it asks for it), else Japanese.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(l) =
            super::cookie(&parts.headers, "monqc_lang").and_then(|c| Lang::from_code(&c))
        {
            return Ok(l);
        }
        let accept = parts
            .headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let first = accept.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
        Ok(if first.starts_with("en") { Lang::En } else { Lang::Ja })
    }
}
