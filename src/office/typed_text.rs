//! Text a person types that ends up in a report — a display's location, an
//! operator's name, an amendment — is checked where it is typed: the report
//! font must draw every character ([`monqc_reports::font_can_draw`]), so a
//! `™`, an emoji or a pasted zero-width space is refused then, with the
//! character named, rather than discovered when the record's PDF is made
//! (REDTEAM D8; a record already holding such text still prints, with a box
//! and a notice).

use crate::records::values::{is_unseen, quote};

/// The most characters in one line of typed text.
pub const MAX_LINE_CHARS: usize = 500;
/// The most characters in a multi-line text (an amendment's value or reason).
pub const MAX_TEXT_CHARS: usize = 5000;

/// Whether the text may span lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    /// A name, a location, an id: one line.
    One,
    /// An amendment's value or reason: line breaks allowed.
    Many,
}

/// Typed text a report cannot print as typed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} {quoted}: {problem}")]
pub struct TypedTextError {
    /// What the text is (`--location`, `display d1: location`).
    pub what: String,
    /// The text, quoted short and escaped.
    pub quoted: String,
    /// Which character, why, and the fix.
    pub problem: String,
}

/// Check `text`, typed as `what`, for a report: at most [`MAX_LINE_CHARS`]
/// per line (and [`MAX_TEXT_CHARS`] in all), no control characters (line
/// breaks only in [`Lines::Many`] text), and a glyph in the report font for
/// every character.
pub fn check(what: &str, text: &str, lines: Lines) -> Result<(), TypedTextError> {
    let refuse =
        |problem: String| TypedTextError { what: what.to_string(), quoted: quote(text), problem };
    let total = text.chars().count();
    let max = if lines == Lines::One { MAX_LINE_CHARS } else { MAX_TEXT_CHARS };
    if total > max {
        return Err(refuse(format!("{total} characters; at most {max} are kept for a report")));
    }
    let mut offset = 0;
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if offset > 0 && lines == Lines::One {
            return Err(refuse(format!("a line break (character {offset}); give it on one line")));
        }
        let length = line.chars().count();
        if length > MAX_LINE_CHARS {
            return Err(refuse(format!(
                "a line of {length} characters; lines have at most {MAX_LINE_CHARS}"
            )));
        }
        if let Err(bad) = monqc_reports::font_can_draw(line) {
            let (ch, at) = (bad.ch, offset + bad.index + 1);
            let code = format!("U+{:04X}", u32::from(ch));
            return Err(refuse(if is_unseen(ch) {
                format!(
                    "character {at} is the invisible or control character {code}, which a \
                     report cannot print; delete it (it often comes with pasted text)"
                )
            } else {
                format!(
                    "the report font cannot draw {ch} ({code}, character {at}); write it \
                     another way (for ™, TM; for a rare kanji, its common form or kana)"
                )
            }));
        }
        offset += raw.chars().count() + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_report_can_print_passes() {
        for text in ["読影室1 (3F)", "Keiko Tanaka", "EIZO RX660 — 2F", "µ ≥ ≤", ""] {
            check("x", text, Lines::One).unwrap();
        }
        check("--why", "line one\nline two\r\n行三", Lines::Many).unwrap();
    }

    /// REDTEAM D8: these made a record's PDF impossible for ever.
    #[test]
    fn each_character_the_report_cannot_print_is_named() {
        for (text, want) in [
            ("Room ™", "cannot draw ™ (U+2122, character 6)"),
            ("𠮷田", "cannot draw 𠮷 (U+20BB7, character 1)"),
            ("한국", "U+D55C"),
            ("読影室🙂", "U+1F642, character 4"),
            ("a\u{200B}b", "invisible or control character U+200B"),
            ("bell\u{7}", "U+0007"),
        ] {
            let err = check("--location", text, Lines::One).unwrap_err().to_string();
            assert!(err.starts_with("--location `") && err.contains(want), "{text:?}: {err}");
        }
        let err = check("--location", "a\nb", Lines::One).unwrap_err().to_string();
        assert!(err.contains("a line break (character 2)"), "{err}");
        let err = check("--why", "ok\nbad 🙂", Lines::Many).unwrap_err().to_string();
        assert!(err.contains("character 8"), "each line is checked, counted in the whole: {err}");
        let err = check("name", &"a".repeat(501), Lines::One).unwrap_err().to_string();
        assert!(err.contains("501 characters; at most 500"), "{err}");
    }
}
