//! The report font (IPAexGothic, shipped in `reports/fonts/`) and its metrics.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use printpdf::ParsedFont;

use crate::error::{Error, UnsupportedChar};

/// IPAexGothic 004.01 from Debian's `fonts-ipaexfont-gothic` (IPA Font License v1.0,
/// see `reports/fonts/`). It covers JIS X 0213 kanji, kana, Latin and the symbols a
/// report needs (², ±, ≤, ≥, µ), so one face serves both languages.
const IPAEX_GOTHIC_TTF: &[u8] = include_bytes!("../../fonts/ipaexg.ttf");

/// What the writer prints for a character the face cannot draw (or a control
/// character): U+25A1 WHITE SQUARE, which the face has (checked on load). It reads
/// as "a character was here" and, unlike the face's .notdef glyph, extracts as text.
pub(crate) const REPLACEMENT: char = '\u{25A1}';

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
        let font = Self {
            ascent_em: f64::from(m.ascent) / units_per_em,
            descent_em: f64::from(m.descent).abs() / units_per_em,
            units_per_em,
            parsed,
        };
        if !font.can_draw(REPLACEMENT) {
            return Err(Error::Font("the embedded face has no glyph for U+25A1 □".into()));
        }
        Ok(font)
    }

    /// Whether the face draws `c`, after the substitutions of [`Self::printable`].
    /// Control characters (C0, DEL, C1) are never drawable: they have no glyph in
    /// print, and a layout cannot place them.
    pub fn can_draw(&self, c: char) -> bool {
        !c.is_control() && self.parsed.lookup_glyph_index(substitute(c) as u32).is_some()
    }

    /// The character printed for `c`: its substitute (see [`Self::printable`]), or
    /// [`REPLACEMENT`] when the face cannot draw it.
    fn shown(&self, c: char) -> char {
        if self.can_draw(c) { substitute(c) } else { REPLACEMENT }
    }

    /// `text` as the face prints it. The few characters the face lacks but has an
    /// equivalent for are replaced by that form; any other character it cannot draw
    /// (and every control character) becomes [`REPLACEMENT`] and is added to
    /// `replaced`, so the report can say which ones were.
    ///
    /// IPAexGothic follows JIS X 0213, which encodes ≧ ≦ (U+2267, U+2266) but not
    /// ≥ ≤ (U+2265, U+2264); Japanese print uses the former anyway. The micro sign
    /// (U+00B5) becomes Greek mu (U+03BC), its Unicode compatibility equivalent.
    pub fn printable<'t>(&self, text: &'t str, replaced: &mut BTreeSet<char>) -> Cow<'t, str> {
        if text.chars().all(|c| self.can_draw(c) && substitute(c) == c) {
            return Cow::Borrowed(text);
        }
        for c in text.chars().filter(|&c| !self.can_draw(c)) {
            replaced.insert(c);
        }
        Cow::Owned(text.chars().map(|c| self.shown(c)).collect())
    }

    /// Advance width of `text` at `size_pt`, in points, as [`Self::printable`]
    /// prints it.
    pub fn width_pt(&self, text: &str, size_pt: f64) -> f64 {
        let units: u32 = text
            .chars()
            .map(|c| {
                let gid = self.parsed.lookup_glyph_index(self.shown(c) as u32).unwrap_or(0);
                u32::from(self.parsed.get_horizontal_advance(gid))
            })
            .sum();
        f64::from(units) / self.units_per_em * size_pt
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

/// Checks that a report can print every character of `text` as typed: the report
/// font has a glyph for it (≥, ≤ and µ count, they print as ≧, ≦ and μ) and it is
/// not a control character. Use it where text that ends up in a report is entered
/// (a display's location, an operator's name, an amendment), so the user can fix it
/// then; the first offending character is named.
///
/// Line breaks are control characters too: check each line of multi-line text.
/// The first call parses the embedded font (tens of milliseconds); later calls reuse it.
pub fn font_can_draw(text: &str) -> Result<(), UnsupportedChar> {
    static FONT: OnceLock<ReportFont> = OnceLock::new();
    // The face is compiled in and parsed by every test of this crate; a failure
    // here is a broken build, not bad input.
    let font = FONT.get_or_init(|| ReportFont::load().expect("the embedded report font parses"));
    match text.chars().enumerate().find(|&(_, c)| !font.can_draw(c)) {
        Some((index, ch)) => Err(UnsupportedChar { ch, index }),
        None => Ok(()),
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
        let covers = |text: &str| text.chars().all(|c| font.can_draw(c));
        assert!(covers("受入試験報告書 不合格 ± ≦ ≧ cd/m² μ ° κδ Δu'v' —"));
        assert!(covers(&(' '..='~').collect::<String>()), "all of printable ASCII");
        let raw = |c: char| font.parsed.lookup_glyph_index(c as u32).is_some();
        assert!(!raw('≥') && !raw('µ'), "if the face gains ≥ or µ, drop the substitution");
        let mut replaced = BTreeSet::new();
        let shown = font.printable("≥ 350 cd/m², ≤ 5 µm", &mut replaced);
        assert_eq!(shown, "≧ 350 cd/m², ≦ 5 μm");
        assert!(replaced.is_empty());
        assert!(font.ascent_em > 0.7 && font.descent_em > 0.05);
    }

    /// REDTEAM D8: the characters that made every report of a record fail are
    /// refused where text is checked, with the character and its position named.
    #[test]
    fn font_can_draw_names_the_first_character_it_cannot_print() {
        for (text, ch, index) in [
            ("Room ™", '™', 5),
            ("𠮷野家", '𠮷', 0),
            ("서울 병원", '서', 0),
            ("読影室🙂", '🙂', 3),
            ("RX\u{200B}250", '\u{200B}', 2),
            ("bell\u{7}", '\u{7}', 4),
            ("two\nlines", '\n', 3),
            ("tab\there", '\t', 3),
        ] {
            assert_eq!(font_can_draw(text), Err(UnsupportedChar { ch, index }), "{text:?}");
        }
        let e = font_can_draw("Room ™").unwrap_err().to_string();
        assert_eq!(
            e,
            "\"™\" (U+2122), character 6 of the text, cannot be printed in a report: the \
             report font has no glyph for it; remove it or write it another way (e.g. TM for ™)"
        );
        let e = font_can_draw("a\u{7}").unwrap_err().to_string();
        assert!(e.starts_with("a control or invisible character (U+0007), character 2"), "{e}");
        assert!(e.contains("remove it"), "{e}");
        for fine in
            ["", "みなと総合病院 放射線科 読影室 3", "Müller, Ångström", "≥ 350 cd/m² ± 5 µm"]
        {
            assert_eq!(font_can_draw(fine), Ok(()), "{fine:?}");
        }
    }

    /// REDTEAM D8: these characters made every report of a record fail.
    #[test]
    fn characters_the_face_lacks_print_as_a_box_and_are_collected() {
        let font = ReportFont::load().unwrap();
        let mut replaced = BTreeSet::new();
        let text = "Room ™ 𠮷田 한 🙂\u{200B}\u{7}\tend";
        let shown = font.printable(text, &mut replaced);
        assert_eq!(shown, "Room □ □田 □ □□□□end");
        let codes: Vec<u32> = replaced.iter().map(|&c| c as u32).collect();
        assert_eq!(codes, [0x07, 0x09, 0x200B, 0x2122, 0xD55C, 0x1F642, 0x20BB7]);
        // Printed text is measured as printed: a box is as wide as a box.
        assert_eq!(font.width_pt("™", 10.0), font.width_pt("□", 10.0));
        // Text the face can draw comes back unchanged, without a copy.
        assert!(matches!(font.printable("受入試験 ± 5 %", &mut replaced), Cow::Borrowed(_)));
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
