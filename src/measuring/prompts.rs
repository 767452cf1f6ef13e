//! What a session says to the operator, in Japanese and English: one
//! catalogue for every instruction, question and key name, at the terminal
//! and in the caption on the pattern window (the visual questions
//! themselves are data, in the procedure files, each in both languages).
//!
//! Kept as `reports/src/labels.rs` keeps a report's wording: each phrase is
//! a pair (Japanese, English) in one table, so a translation is read and
//! checked in one place. A phrase with `{0}`, `{1}` placeholders is completed
//! with [`Language::fill`]; the two languages may use them in different
//! orders (Japanese puts the pattern before the position).

use crate::numbers::measurement::Position;
use crate::records::confirmation::{Action, ConfirmedBy};

/// The language the operator is spoken to in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// Japanese (日本語).
    Ja,
    /// English.
    #[default]
    En,
}

impl Language {
    /// The language of the locale: `LC_ALL`, else `LC_MESSAGES`, else
    /// `LANG` (the first that is set and not empty decides, as POSIX orders
    /// them); Japanese when it starts with `ja` (`ja_JP.UTF-8`), else
    /// English. `var` reads an environment variable (the command line
    /// passes `std::env::var`).
    pub fn from_locale(var: impl Fn(&str) -> Option<String>) -> Self {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .find_map(|name| var(name).filter(|v| !v.is_empty()))
            .map_or(Self::En, |v| if v.starts_with("ja") { Self::Ja } else { Self::En })
    }

    /// The text of `prompt` in this language.
    pub fn text(self, prompt: Prompt) -> &'static str {
        let (ja, en) = prompt.texts();
        match self {
            Self::Ja => ja,
            Self::En => en,
        }
    }

    /// The text of `prompt` with `{0}`, `{1}`, … replaced by `args`.
    pub fn fill(self, prompt: Prompt, args: &[&dyn std::fmt::Display]) -> String {
        let mut out = self.text(prompt).to_string();
        for (i, arg) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), &arg.to_string());
        }
        out
    }

    /// A measurement position in words.
    pub fn position(self, position: Position) -> &'static str {
        self.text(match position {
            Position::TopLeft => Prompt::TopLeft,
            Position::TopRight => Prompt::TopRight,
            Position::Centre => Prompt::Centre,
            Position::BottomLeft => Prompt::BottomLeft,
            Position::BottomRight => Prompt::BottomRight,
        })
    }

    /// Who confirmed a step, in words.
    pub fn confirmed_by(self, by: ConfirmedBy) -> &'static str {
        self.text(match by {
            ConfirmedBy::OperatorAtTerminal => Prompt::ByTerminal,
            ConfirmedBy::OperatorAtWindow => Prompt::ByWindow,
            ConfirmedBy::AnswersFile => Prompt::ByAnswersFile,
            ConfirmedBy::AssumedYes => Prompt::ByAssumedYes,
            ConfirmedBy::SimulatedBenchAutomatic => Prompt::BySimulatedBench,
            ConfirmedBy::BuiltInSensor => Prompt::ByBuiltInSensor,
        })
    }
}

impl std::str::FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ja" | "jp" | "ja-jp" => Ok(Self::Ja),
            "en" => Ok(Self::En),
            _ => Err(format!("language `{s}`: give ja or en")),
        }
    }
}

macro_rules! prompts {
    ($( $(#[$doc:meta])* $name:ident => $ja:literal, $en:literal; )*) => {
        /// A fixed phrase said to the operator; see [`Language::text`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Prompt {
            $( $(#[$doc])* $name, )*
        }

        impl Prompt {
            /// Every phrase, for completeness checks.
            pub const ALL: &'static [Prompt] = &[$(Prompt::$name),*];

            fn texts(self) -> (&'static str, &'static str) {
                match self {
                    $( Prompt::$name => ($ja, $en), )*
                }
            }
        }
    };
}

prompts! {
    /// Before the ambient readings (a person then cannot see the screen
    /// until it is switched on again, so the step after is said now).
    SwitchDisplayOff =>
        "ディスプレイの電源を切ってください（室内照明は使用時のまま）。確認すると周囲光を測定します。測定後に電源を入れ、次の指示に従ってください。",
        "Switch the display off (room lighting as in use). Once you confirm, the ambient light is measured; then switch the display back on and follow the next instruction.";
    /// After the ambient readings.
    SwitchDisplayOn => "ディスプレイの電源を入れてください。", "Switch the display back on.";
    /// Where the meters go for the ambient readings.
    PlaceMetersOnScreenFace =>
        "測定器を画面中央に置いてください（照度計は画面の前面に）。",
        "Place the meters at the centre of the screen face.";
    /// Where the meter goes for a reading: {0} the pattern, {1} the square.
    PlaceMeterOnSquare =>
        "測定器を {0} の{1}の測定領域に合わせてください。",
        "Place the meter at the {1} measurement square of {0}.";
    /// Terminal: how to confirm an instruction.
    PressEnterWhenDone => "終わったら Enter を押してください（q で中断）: ", "Press Enter when done (q to stop): ";
    /// A visual question: {0} the pattern, {1} the question.
    QuestionOnPattern => "{0} — {1}", "{0} — {1}";
    /// Terminal: how to answer a visual question.
    CriterionMet =>
        "基準を満たしていますか？ [y] はい / [n] いいえ / [q] 中断: ",
        "Criterion met? [y]es / [n]o / [q]uit: ";
    /// Terminal: the optional note after a judgement.
    NoteOptional => "備考（任意、なければ Enter）: ", "Note (optional, Enter for none): ";
    /// Terminal: the window can answer too.
    AlsoOnWindow =>
        "（パターン画面でもキーで答えられます）",
        "(or answer with the keys named on the pattern window)";
    /// Terminal: an answer came from the window: {0} the answer.
    AnsweredOnWindow => "パターン画面で回答: {0}", "answered on the pattern window: {0}";
    /// Window caption: the keys of an instruction.
    KeysInstruction => "Enter / Space: 完了　Q / Esc: 中断", "Enter / Space: done   Q / Esc: stop";
    /// Window caption: the keys of a visual question.
    KeysJudgement =>
        "Y: 基準を満たす　N: 満たさない　Q / Esc: 中断",
        "Y: criterion met   N: not met   Q / Esc: stop";
    /// The answer "done".
    Done => "完了", "done";
    /// The answer "criterion met".
    Met => "基準を満たす", "criterion met";
    /// The answer "not met".
    NotMet => "基準を満たさない", "not met";
    /// Something the bench did itself: {0} the instruction, {1} who did it.
    DoneByBench => "{0}（{1}）", "{0} ({1})";
    /// Position: the centre square.
    Centre => "中央", "centre";
    /// Position: the top-left square.
    TopLeft => "左上", "top-left";
    /// Position: the top-right square.
    TopRight => "右上", "top-right";
    /// Position: the bottom-left square.
    BottomLeft => "左下", "bottom-left";
    /// Position: the bottom-right square.
    BottomRight => "右下", "bottom-right";
    /// Confirmed by a person at the terminal.
    ByTerminal => "操作者が端末で確認", "confirmed by the operator at the terminal";
    /// Confirmed by a person at the window.
    ByWindow => "操作者がパターン画面で確認", "confirmed by the operator at the pattern window";
    /// From an answers file.
    ByAnswersFile => "回答ファイルによる", "from the answers file";
    /// Assumed (--yes).
    ByAssumedYes => "確認なしで実施済みとみなす (--yes)", "taken as done without confirmation (--yes)";
    /// Done by the simulated bench.
    BySimulatedBench => "模擬環境が自動で実施", "done by the simulated bench";
    /// A built-in sensor needs no placing.
    ByBuiltInSensor => "内蔵センサのため設置不要", "built-in sensor, no placing needed";
}

/// What a person is asked to do before a step: the actions of the step
/// that the bench cannot do itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Instruction {
    /// The step it comes before (its id).
    pub step: String,
    /// The actions, in order, with the position for [`Action::PlaceMeter`].
    pub actions: Vec<(Action, Option<Position>)>,
    /// The pattern on screen (none: the display is to be off).
    pub pattern: Option<String>,
}

impl Instruction {
    /// The instruction in words, one sentence per action.
    pub fn text(&self, lang: Language) -> String {
        let mut sentences = Vec::new();
        let display_off = self.actions.iter().any(|(a, _)| *a == Action::SwitchDisplayOff);
        for (action, position) in &self.actions {
            sentences.push(match (action, self.pattern.as_deref()) {
                (Action::SwitchDisplayOff, _) => lang.text(Prompt::SwitchDisplayOff).to_string(),
                (Action::SwitchDisplayOn, _) => lang.text(Prompt::SwitchDisplayOn).to_string(),
                (Action::PlaceMeter, Some(pattern)) if !display_off => lang.fill(
                    Prompt::PlaceMeterOnSquare,
                    &[&pattern, &lang.position(position.unwrap_or(Position::Centre))],
                ),
                (Action::PlaceMeter, _) => lang.text(Prompt::PlaceMetersOnScreenFace).to_string(),
                // Judging is a question, never an instruction.
                (Action::Judge, _) => continue,
            });
        }
        // The display-off sentence says what follows; keep it last.
        sentences.sort_by_key(|s| s == lang.text(Prompt::SwitchDisplayOff));
        let gap = if lang == Language::Ja { "" } else { " " };
        sentences.join(gap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn the_locale_chooses_the_language_in_posix_order() {
        assert_eq!(Language::from_locale(env(&[])), Language::En);
        assert_eq!(Language::from_locale(env(&[("LANG", "ja_JP.UTF-8")])), Language::Ja);
        assert_eq!(Language::from_locale(env(&[("LANG", "C.UTF-8")])), Language::En);
        assert_eq!(
            Language::from_locale(env(&[("LANG", "en_GB.UTF-8"), ("LC_MESSAGES", "ja_JP")])),
            Language::Ja,
            "LC_MESSAGES overrides LANG"
        );
        assert_eq!(
            Language::from_locale(env(&[("LC_ALL", "en_US.UTF-8"), ("LC_MESSAGES", "ja_JP")])),
            Language::En,
            "LC_ALL overrides both"
        );
        assert_eq!(
            Language::from_locale(env(&[("LC_ALL", ""), ("LANG", "ja_JP.eucJP")])),
            Language::Ja,
            "an empty variable is not set"
        );
        assert_eq!("ja".parse::<Language>(), Ok(Language::Ja));
        assert!("de".parse::<Language>().is_err());
    }

    #[test]
    fn every_phrase_has_both_languages_with_the_same_placeholders() {
        for &p in Prompt::ALL {
            let (ja, en) = p.texts();
            assert!(!ja.is_empty() && !en.is_empty(), "{p:?}");
            assert!(!ja.is_ascii() || ja == en || ja.starts_with('{'), "{p:?}: ja is not Japanese");
            for i in 0..4 {
                let slot = format!("{{{i}}}");
                assert_eq!(ja.contains(&slot), en.contains(&slot), "{p:?} {slot}");
            }
        }
    }

    #[test]
    fn instructions_read_in_either_language() {
        let place = Instruction {
            step: "TG18-UN80/top-left".into(),
            actions: vec![
                (Action::SwitchDisplayOn, None),
                (Action::PlaceMeter, Some(Position::TopLeft)),
            ],
            pattern: Some("TG18-UN80".into()),
        };
        assert_eq!(
            place.text(Language::En),
            "Switch the display back on. Place the meter at the top-left measurement square of TG18-UN80."
        );
        assert_eq!(
            place.text(Language::Ja),
            "ディスプレイの電源を入れてください。測定器を TG18-UN80 の左上の測定領域に合わせてください。"
        );
        let ambient = Instruction {
            step: "ambient-luminance".into(),
            actions: vec![
                (Action::SwitchDisplayOff, None),
                (Action::PlaceMeter, Some(Position::Centre)),
            ],
            pattern: None,
        };
        let en = ambient.text(Language::En);
        assert!(
            en.starts_with(
                "Place the meters at the centre of the screen face. Switch the display off"
            ),
            "{en}"
        );
        assert!(ambient.text(Language::Ja).starts_with("測定器を画面中央に置いてください"));
    }
}
