//! The report font (IPAexGothic, shipped in `reports/fonts/`) and its metrics.

use std::borrow::Cow;

use printpdf::ParsedFont;

use crate::error::Error;

/// IPAexGothic 004.01 from Debian's `fonts-ipaexfont-gothic` (IPA Font License v1.0,
/// see `reports/fonts/`). It covers JIS X 0213 kanji, kana, Latin and the symbols a
/// report needs (², ±, ≤, ≥, µ), so one face serves both languages.
const IPAEX_GOTHIC_TTF: &[u8] = include_bytes!("../../fonts/ipaexg.ttf");

/// The parsed face plus the metrics the layout needs.
pub(crate) struct ReportFont {
    pub parsed: ParsedFont,
    units_per_em: f64,
    /// Ascender as a fraction of the em (from `hhea`).
    pub ascent_em: f64,
    /// Descender as a (positive) fraction of the em.
    pub descent_em: f64,
}

impl ReportFont {
    /// Parses the embedded face; costly (tens of ms), so done once per writer.
    pub fn load() -> Result<Self, Error> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(IPAEX_GOTHIC_TTF, 0, &mut warnings)
            .ok_or_else(|| Error::Font("the embedded IPAexGothic face did not parse".into()))?;
        let m = parsed.font_metrics;
        let units_per_em = f64::from(m.units_per_em);
        if units_per_em <= 0.0 {
            return Err(Error::Font("the embedded face reports zero units per em".into()));
        }
        Ok(Self {
            ascent_em: f64::from(m.ascent) / units_per_em,
            descent_em: f64::from(m.descent).abs() / units_per_em,
            units_per_em,
            parsed,
        })
    }

    /// `text` with the few characters the face lacks replaced by the forms it has.
    ///
    /// IPAexGothic follows JIS X 0213, which encodes ≧ ≦ (U+2267, U+2266) but not
    /// ≥ ≤ (U+2265, U+2264); Japanese print uses the former anyway. The micro sign
    /// (U+00B5) becomes Greek mu (U+03BC), its Unicode compatibility equivalent.
    pub fn printable(text: &str) -> Cow<'_, str> {
        if !text.chars().any(|c| substitute(c) != c) {
            return Cow::Borrowed(text);
        }
        Cow::Owned(text.chars().map(substitute).collect())
    }

    /// Advance width of `text` at `size_pt`, in points. Characters missing from the
    /// face count as the .notdef glyph (0), as the PDF viewer will draw them.
    pub fn width_pt(&self, text: &str, size_pt: f64) -> f64 {
        let units: u32 = text
            .chars()
            .map(|c| {
                let gid = self.parsed.lookup_glyph_index(substitute(c) as u32).unwrap_or(0);
                u32::from(self.parsed.get_horizontal_advance(gid))
            })
            .sum();
        f64::from(units) / self.units_per_em * size_pt
    }

    /// Whether every character of `text` has a glyph in the face.
    pub fn covers(&self, text: &str) -> bool {
        text.chars()
            .all(|c| c.is_whitespace() || self.parsed.lookup_glyph_index(c as u32).is_some())
    }

    /// Splits `text` into lines no wider than `max_pt`.
    ///
    /// Breaks at spaces where it can (English), and between any two characters in a
    /// run without spaces (Japanese has none); explicit newlines are kept.
    pub fn wrap(&self, text: &str, size_pt: f64, max_pt: f64) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            // Byte index in `line` just after the last space, for a word break.
            let mut last_space: Option<usize> = None;
            for c in paragraph.chars() {
                let cw = self.width_pt(c.encode_utf8(&mut [0; 4]), size_pt);
                if line_w + cw > max_pt
                    && !line.is_empty()
                    && c != ' '
                    && !NO_LINE_START.contains(c)
                {
                    let break_at = last_space.filter(|&i| i > 0 && c.is_ascii());
                    match break_at {
                        Some(i) => {
                            let rest = line.split_off(i);
                            lines.push(line.trim_end().to_owned());
                            line = rest;
                        }
                        None => lines.push(std::mem::take(&mut line)),
                    }
                    line_w = self.width_pt(&line, size_pt);
                    last_space = None;
                }
                line.push(c);
                line_w += cw;
                if c == ' ' {
                    last_space = Some(line.len());
                } else if !c.is_ascii() {
                    // A break between non-Latin characters is as good as a space.
                    last_space = None;
                }
            }
            lines.push(line.trim_end().to_owned());
        }
        lines
    }
}

/// Characters that must not start a line (JIS X 4051 line-start prohibition, the
/// common subset): closing brackets, Japanese and Latin stops, small kana, the long
/// vowel mark. They hang past the margin instead of wrapping alone.
const NO_LINE_START: &str =
    "、。，．・：；？！）」』】〕〉》”’ーぁぃぅぇぉっゃゅょァィゥェォッャュョ々,.:;!?)]}%";

fn substitute(c: char) -> char {
    match c {
        '\u{2265}' => '\u{2267}',
        '\u{2264}' => '\u{2266}',
        '\u{00B5}' => '\u{03BC}',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_covers_report_symbols_in_both_scripts() {
        let font = ReportFont::load().unwrap();
        assert!(font.covers("受入試験報告書 不合格 ± ≦ ≧ cd/m² μ ° κδ Δu'v' —"));
        assert!(!font.covers("≥"), "if the face gains ≥, drop the substitution");
        assert!(font.covers(&ReportFont::printable("≥ 350 cd/m², ≤ 5 µm")));
        assert!(font.ascent_em > 0.7 && font.descent_em > 0.05);
    }

    #[test]
    fn wrap_breaks_words_and_kana() {
        let font = ReportFont::load().unwrap();
        let en = font.wrap("the quick brown fox jumps over the lazy dog", 10.0, 60.0);
        assert!(en.len() > 2, "{en:?}");
        for l in &en {
            assert!(font.width_pt(l, 10.0) <= 60.0, "{l}");
            assert!(!l.starts_with(' ') && !l.ends_with(' '));
        }
        assert_eq!(en.join(" "), "the quick brown fox jumps over the lazy dog");
        let ja = font.wrap("受入試験報告書受入試験報告書", 10.0, 45.0);
        assert!(ja.iter().all(|l| l.chars().count() <= 4), "{ja:?}");
        assert_eq!(ja.concat(), "受入試験報告書受入試験報告書");
        // "。" and "ー" never start a line.
        let text = "試験は終了した。次にモニターを確認する。";
        for width in [20.0, 30.0, 40.0, 50.0, 60.0, 70.0] {
            let lines = font.wrap(text, 10.0, width);
            assert_eq!(lines.concat(), text);
            for l in &lines[1..] {
                assert!(!l.starts_with('。') && !l.starts_with('ー'), "{width}: {lines:?}");
            }
        }
    }
}
