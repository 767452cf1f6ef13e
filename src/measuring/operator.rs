//! Who answers a session's instructions and visual questions: a [`Person`]
//! (at the terminal, on the pattern window, or both: whichever answers
//! first), or a stand-in that only a simulated bench accepts: [`AssumeYes`]
//! (`--yes`), [`Scripted`] (`--answers FILE`) and [`Unattended`] (the demo,
//! which asks nothing).
//!
//! Every answer says how it was given ([`ConfirmedBy`]); the sequence
//! journals it with the step.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

use crate::measuring::prompts::{Instruction, Language, Prompt};
use crate::measuring::sequence::{
    Console, ConsoleKey, Judged, NeedsPerson, Operator, Presence, Question, SequenceError,
};
use crate::records::confirmation::ConfirmedBy;
use crate::standards::criteria::TestType;
use crate::standards::procedure::{BUILT_IN, PlannedStep, Procedure, StepAction, step_id};

/// How often the window's keys are looked at while the terminal is also
/// listened to (a person notices no 50 ms delay).
const POLL: Duration = Duration::from_millis(50);

/// The operator's terminal: lines typed (read on a thread of their own, so
/// the window's keys can answer while the terminal waits) and where the
/// prompts go.
pub struct Terminal {
    lines: Receiver<String>,
    closed: bool,
    out: Box<dyn Write + Send>,
}

impl Terminal {
    /// Listen to `input` (standard input) and prompt on `out` (standard
    /// error). End of input closes the terminal; a person at the window can
    /// still answer.
    pub fn new(
        input: impl BufRead + Send + 'static,
        out: impl Write + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, lines) = mpsc::channel();
        std::thread::Builder::new().name("monqc-terminal".into()).spawn(move || {
            let mut input = input;
            loop {
                let mut line = String::new();
                match input.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line.trim().to_string()).is_err() {
                            break;
                        }
                    }
                }
            }
        })?;
        Ok(Self { lines, closed: false, out: Box::new(out) })
    }

    fn say(&mut self, text: &str) {
        // A prompt that cannot be printed is not worth stopping a session for.
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

/// What the person answered with.
enum Heard {
    Line(String),
    Key(ConsoleKey),
}

/// An answer typed at the terminal, with full-width letters (typed with a
/// Japanese input method on) read as the ASCII ones.
fn normalise(answer: &str) -> String {
    answer
        .trim()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

fn is_quit(answer: &str) -> bool {
    matches!(normalise(answer).as_str(), "q" | "quit" | "中断")
}

fn yes_or_no(answer: &str) -> Option<bool> {
    match normalise(answer).as_str() {
        "y" | "yes" | "はい" => Some(true),
        "n" | "no" | "いいえ" => Some(false),
        _ => None,
    }
}

/// A person at the display, answering each instruction and question at
/// that moment: at the terminal (Enter; y/n and a note), or with the keys
/// named in the caption on the pattern window (Enter or Space; Y/N), which
/// ever comes first. With no terminal input (standard input closed) the
/// window alone answers.
pub struct Person {
    lang: Language,
    terminal: Option<Terminal>,
}

impl Person {
    /// A person who reads `lang`, at `terminal` (and at the window, when
    /// the session has one).
    pub fn new(lang: Language, terminal: Option<Terminal>) -> Self {
        Self { lang, terminal }
    }

    fn say(&mut self, text: &str) {
        if let Some(t) = self.terminal.as_mut() {
            t.say(text);
        }
    }

    fn terminal_open(&self) -> bool {
        self.terminal.as_ref().is_some_and(|t| !t.closed)
    }

    /// The next answer: a line at the terminal or a key at the window.
    fn hear(&mut self, console: Option<&dyn Console>) -> Result<Heard, SequenceError> {
        loop {
            if let Some(t) = self.terminal.as_mut().filter(|t| !t.closed) {
                match t.lines.try_recv() {
                    Ok(line) => return Ok(Heard::Line(line)),
                    Err(TryRecvError::Disconnected) => t.closed = true,
                    Err(TryRecvError::Empty) => {}
                }
            }
            match console {
                Some(c) => {
                    if let Some(key) = c.key(POLL) {
                        return Ok(Heard::Key(key));
                    }
                }
                None => return self.hear_terminal().map(Heard::Line),
            }
        }
    }

    /// The next line at the terminal (no window to answer on).
    fn hear_terminal(&mut self) -> Result<String, SequenceError> {
        if let Some(t) = self.terminal.as_mut().filter(|t| !t.closed) {
            match t.lines.recv() {
                Ok(line) => return Ok(line),
                Err(_) => t.closed = true,
            }
        }
        Err(SequenceError::Input(
            "standard input closed; answer at a terminal, or show the patterns with --window \
             and answer with the keys named there"
                .into(),
        ))
    }

    /// Show the caption on the window (keys pressed before it answer nothing).
    fn caption(console: Option<&dyn Console>, lines: &[String]) -> Result<(), SequenceError> {
        if let Some(c) = console {
            c.forget_keys();
            c.caption(Some(lines))?;
        }
        Ok(())
    }

    /// The pattern alone again, before anything is read.
    fn uncaption(console: Option<&dyn Console>) -> Result<(), SequenceError> {
        console.map_or(Ok(()), |c| c.caption(None))
    }

    fn ask_instruction(
        &mut self,
        instruction: &Instruction,
        console: Option<&dyn Console>,
    ) -> Result<ConfirmedBy, SequenceError> {
        let lang = self.lang;
        let stopped = || SequenceError::Stopped { step: instruction.step.clone() };
        loop {
            match self.hear(console)? {
                Heard::Line(line) if is_quit(&line) => return Err(stopped()),
                Heard::Line(_) => return Ok(ConfirmedBy::OperatorAtTerminal),
                Heard::Key(ConsoleKey::Done) => {
                    let done = lang.text(Prompt::Done);
                    self.say(&format!("\n   {}\n", lang.fill(Prompt::AnsweredOnWindow, &[&done])));
                    return Ok(ConfirmedBy::OperatorAtWindow);
                }
                Heard::Key(ConsoleKey::Quit) => return Err(stopped()),
                Heard::Key(ConsoleKey::Yes | ConsoleKey::No) => {}
            }
        }
    }

    fn ask_question(
        &mut self,
        question: &Question<'_>,
        console: Option<&dyn Console>,
    ) -> Result<Judged, SequenceError> {
        let lang = self.lang;
        let stopped = || SequenceError::Stopped { step: step_id::visual(question.item) };
        loop {
            match self.hear(console)? {
                Heard::Line(line) if is_quit(&line) => return Err(stopped()),
                Heard::Line(line) => match yes_or_no(&line) {
                    Some(passed) => {
                        Self::uncaption(console)?;
                        let note = if self.terminal_open() {
                            self.say(&format!("   {}", lang.text(Prompt::NoteOptional)));
                            self.hear_terminal().ok().filter(|n| !n.is_empty())
                        } else {
                            None
                        };
                        return Ok(Judged { passed, note, by: ConfirmedBy::OperatorAtTerminal });
                    }
                    None => self.say(&format!("   {}", lang.text(Prompt::CriterionMet))),
                },
                Heard::Key(key @ (ConsoleKey::Yes | ConsoleKey::No)) => {
                    let passed = key == ConsoleKey::Yes;
                    let said = lang.text(if passed { Prompt::Met } else { Prompt::NotMet });
                    self.say(&format!("\n   {}\n", lang.fill(Prompt::AnsweredOnWindow, &[&said])));
                    return Ok(Judged { passed, note: None, by: ConfirmedBy::OperatorAtWindow });
                }
                Heard::Key(ConsoleKey::Quit) => return Err(stopped()),
                Heard::Key(ConsoleKey::Done) => {}
            }
        }
    }
}

impl Operator for Person {
    fn presence(&self) -> Presence {
        Presence::Person
    }

    fn instruct(
        &mut self,
        instruction: &Instruction,
        console: Option<&dyn Console>,
    ) -> Result<ConfirmedBy, SequenceError> {
        let lang = self.lang;
        let text = instruction.text(lang);
        self.say(&format!("\n>> {text}\n"));
        if console.is_some() {
            self.say(&format!("   {}\n", lang.text(Prompt::AlsoOnWindow)));
        }
        self.say(&format!("   {}", lang.text(Prompt::PressEnterWhenDone)));
        Self::caption(console, &[text, lang.text(Prompt::KeysInstruction).into()])?;
        let answer = self.ask_instruction(instruction, console);
        Self::uncaption(console)?;
        answer
    }

    fn judge(
        &mut self,
        question: &Question<'_>,
        console: Option<&dyn Console>,
    ) -> Result<Judged, SequenceError> {
        let lang = self.lang;
        let asked = match lang {
            Language::Ja => question.ja,
            Language::En => question.en,
        };
        let headline = lang.fill(Prompt::QuestionOnPattern, &[&question.pattern, &asked]);
        self.say(&format!("\n>> {headline}\n"));
        if console.is_some() {
            self.say(&format!("   {}\n", lang.text(Prompt::AlsoOnWindow)));
        }
        self.say(&format!("   {}", lang.text(Prompt::CriterionMet)));
        Self::caption(console, &[headline, lang.text(Prompt::KeysJudgement).into()])?;
        let answer = self.ask_question(question, console);
        Self::uncaption(console)?;
        answer
    }

    fn done_by_bench(&mut self, instruction: &Instruction, by: ConfirmedBy) {
        let lang = self.lang;
        let line =
            lang.fill(Prompt::DoneByBench, &[&instruction.text(lang), &lang.confirmed_by(by)]);
        self.say(&format!("\n>> {line}\n"));
    }
}

/// The refusal a stand-in gives if it is ever asked for a physical action
/// (the check before the walk refuses such a session first).
fn no_person(by: ConfirmedBy, instruction: &Instruction) -> SequenceError {
    SequenceError::NeedsPerson {
        by,
        needs: instruction
            .actions
            .iter()
            .map(|&(action, position)| NeedsPerson {
                step: instruction.step.clone(),
                action,
                position,
            })
            .collect(),
    }
}

/// `--yes`: every visual item is taken as met, without viewing (the record
/// says so). Only a simulated bench accepts it: there, the bench does every
/// physical step itself.
pub struct AssumeYes {
    lang: Language,
    out: Option<Box<dyn Write + Send>>,
}

impl AssumeYes {
    /// Say what the bench does on `out`, in `lang`.
    pub fn new(lang: Language, out: Option<Box<dyn Write + Send>>) -> Self {
        Self { lang, out }
    }
}

fn say_done_by_bench(
    out: &mut Option<Box<dyn Write + Send>>,
    lang: Language,
    instruction: &Instruction,
    by: ConfirmedBy,
) {
    if let Some(out) = out.as_mut() {
        let line =
            lang.fill(Prompt::DoneByBench, &[&instruction.text(lang), &lang.confirmed_by(by)]);
        let _ = writeln!(out, ">> {line}");
    }
}

impl Operator for AssumeYes {
    fn presence(&self) -> Presence {
        Presence::Unattended { by: ConfirmedBy::AssumedYes }
    }

    fn instruct(
        &mut self,
        instruction: &Instruction,
        _: Option<&dyn Console>,
    ) -> Result<ConfirmedBy, SequenceError> {
        Err(no_person(ConfirmedBy::AssumedYes, instruction))
    }

    fn judge(
        &mut self,
        _: &Question<'_>,
        _: Option<&dyn Console>,
    ) -> Result<Judged, SequenceError> {
        Ok(Judged {
            passed: true,
            note: Some("accepted without viewing (--yes)".into()),
            by: ConfirmedBy::AssumedYes,
        })
    }

    fn done_by_bench(&mut self, instruction: &Instruction, by: ConfirmedBy) {
        say_done_by_bench(&mut self.out, self.lang, instruction, by);
    }
}

/// No one at the display and nothing to judge (`monqc demo`): a simulated
/// bench does every physical step itself; a visual item is an error.
pub struct Unattended {
    lang: Language,
    out: Option<Box<dyn Write + Send>>,
}

impl Unattended {
    /// Say what the bench does on `out`, in `lang`.
    pub fn new(lang: Language, out: Option<Box<dyn Write + Send>>) -> Self {
        Self { lang, out }
    }
}

impl Operator for Unattended {
    fn presence(&self) -> Presence {
        Presence::Unattended { by: ConfirmedBy::SimulatedBenchAutomatic }
    }

    fn instruct(
        &mut self,
        instruction: &Instruction,
        _: Option<&dyn Console>,
    ) -> Result<ConfirmedBy, SequenceError> {
        Err(no_person(ConfirmedBy::SimulatedBenchAutomatic, instruction))
    }

    fn judge(
        &mut self,
        question: &Question<'_>,
        _: Option<&dyn Console>,
    ) -> Result<Judged, SequenceError> {
        Err(SequenceError::Input(format!(
            "visual item `{}` needs an operator: run it with `monqc run`, answering at the \
             terminal or on the pattern window",
            question.item
        )))
    }

    fn done_by_bench(&mut self, instruction: &Instruction, by: ConfirmedBy) {
        say_done_by_bench(&mut self.out, self.lang, instruction, by);
    }
}

/// Why an answers file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnswersError {
    /// It cannot be read.
    #[error("cannot read answers file {path}", path = .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// It is not a TOML table.
    #[error(
        "{path}: not a TOML table of `item = \"pass\"` or `item = \"fail: note\"`",
        path = .path.display()
    )]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        source: toml::de::Error,
    },
    /// A key no procedure asks (REDTEAM U7: a typo such as `artefact` was
    /// ignored in silence).
    #[error(
        "{path}: `{key}` is not a visual item of any procedure; this session asks: {asked}",
        path = .path.display()
    )]
    UnknownItem {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// The items this session asks, comma-separated.
        asked: String,
    },
    /// Items the session will ask have no answer: refused before the first
    /// reading rather than in the middle of the walk.
    #[error(
        "{path}: no answer for {missing}; add `ITEM = \"pass\"` or `ITEM = \"fail: why\"` \
         for each",
        path = .path.display()
    )]
    Missing {
        /// The file.
        path: PathBuf,
        /// The items, comma-separated.
        missing: String,
    },
}

/// `--answers FILE`: visual judgements from a TOML file, one key per item:
/// `greyscale = "pass"`, `artefacts = "fail: crosstalk at the right edge"`.
/// Only a simulated bench accepts it: the judgements were not made at that
/// moment, and the bench does every physical step itself.
pub struct Scripted {
    answers: toml::Table,
    origin: String,
    lang: Language,
    out: Option<Box<dyn Write + Send>>,
}

impl Scripted {
    /// Load the answers from `path`.
    pub fn load(
        path: &Path,
        lang: Language,
        out: Option<Box<dyn Write + Send>>,
    ) -> Result<Self, AnswersError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| AnswersError::Read { path: path.to_owned(), source })?;
        let answers: toml::Table = toml::from_str(&text)
            .map_err(|source| AnswersError::Syntax { path: path.to_owned(), source })?;
        Ok(Self { answers, origin: path.display().to_string(), lang, out })
    }

    /// Check the answers against the visual items `plan` asks, before
    /// anything is measured: every item has an answer, and every key is an
    /// item of some procedure (a key for another standard's or test's item
    /// is allowed, so one file can serve several procedures).
    pub fn check_plan(&self, plan: &[PlannedStep]) -> Result<(), AnswersError> {
        let asked: Vec<&str> = plan
            .iter()
            .filter_map(|s| match &s.action {
                StepAction::Judge { item, .. } => Some(item.as_str()),
                _ => None,
            })
            .collect();
        let path = PathBuf::from(&self.origin);
        let any = every_visual_item();
        if let Some(key) = self.answers.keys().find(|k| !any.iter().any(|i| i == *k)) {
            return Err(AnswersError::UnknownItem {
                path,
                key: key.clone(),
                asked: asked.join(", "),
            });
        }
        let missing: Vec<&str> =
            asked.iter().copied().filter(|i| !self.answers.contains_key(*i)).collect();
        if !missing.is_empty() {
            return Err(AnswersError::Missing { path, missing: missing.join(", ") });
        }
        Ok(())
    }
}

/// The visual items of every built-in procedure, for every test.
fn every_visual_item() -> Vec<String> {
    let mut items = Vec::new();
    for (standard, _) in BUILT_IN {
        for test in [TestType::Acceptance, TestType::Constancy, TestType::Daily] {
            let Ok(p) = Procedure::built_in(standard, test) else { continue };
            for step in p.plan(crate::numbers::measurement::MeterSetup::Telescopic, 8, true) {
                if let StepAction::Judge { item, .. } = step.action
                    && !items.contains(&item)
                {
                    items.push(item);
                }
            }
        }
    }
    items
}

impl Operator for Scripted {
    fn presence(&self) -> Presence {
        Presence::Unattended { by: ConfirmedBy::AnswersFile }
    }

    fn instruct(
        &mut self,
        instruction: &Instruction,
        _: Option<&dyn Console>,
    ) -> Result<ConfirmedBy, SequenceError> {
        Err(no_person(ConfirmedBy::AnswersFile, instruction))
    }

    fn judge(
        &mut self,
        question: &Question<'_>,
        _: Option<&dyn Console>,
    ) -> Result<Judged, SequenceError> {
        let item = question.item;
        let value = self.answers.get(item).and_then(|v| v.as_str()).ok_or_else(|| {
            SequenceError::Input(format!(
                "{}: no answer for visual item `{item}`; add `{item} = \"pass\"` or \
                 `{item} = \"fail: why\"`",
                self.origin
            ))
        })?;
        let (verdict, note) = match value.split_once(':') {
            Some((v, n)) => (v.trim(), Some(n.trim().to_string()).filter(|n| !n.is_empty())),
            None => (value.trim(), None),
        };
        let passed = match verdict {
            "pass" => true,
            "fail" => false,
            other => {
                return Err(SequenceError::Input(format!(
                    "{}: `{item} = \"{other}\"`: the answer must start with pass or fail",
                    self.origin
                )));
            }
        };
        Ok(Judged { passed, note, by: ConfirmedBy::AnswersFile })
    }

    fn done_by_bench(&mut self, instruction: &Instruction, by: ConfirmedBy) {
        say_done_by_bench(&mut self.out, self.lang, instruction, by);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::numbers::measurement::Position;
    use crate::records::confirmation::Action;

    /// What a terminal printed, shared with the test.
    #[derive(Clone, Default)]
    struct Printed(Arc<Mutex<Vec<u8>>>);

    impl Write for Printed {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Printed {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// A window stand-in for the unit tests (the real one is tested under
    /// Xvfb): keys queued by the test, captions recorded.
    #[derive(Default)]
    struct Window {
        keys: RefCell<VecDeque<ConsoleKey>>,
        captions: RefCell<Vec<Option<Vec<String>>>>,
        forgotten: RefCell<usize>,
    }

    impl Console for Window {
        fn caption(&self, lines: Option<&[String]>) -> Result<(), SequenceError> {
            self.captions.borrow_mut().push(lines.map(<[String]>::to_vec));
            Ok(())
        }
        fn key(&self, _: Duration) -> Option<ConsoleKey> {
            self.keys.borrow_mut().pop_front()
        }
        fn forget_keys(&self) {
            *self.forgotten.borrow_mut() += 1;
        }
    }

    fn person(lang: Language, typed: &str) -> (Person, Printed) {
        let printed = Printed::default();
        let terminal =
            Terminal::new(std::io::Cursor::new(typed.as_bytes().to_vec()), printed.clone())
                .unwrap();
        (Person::new(lang, Some(terminal)), printed)
    }

    fn place(position: Position) -> Instruction {
        Instruction {
            step: format!("TG18-UN80/{position}"),
            actions: vec![(Action::PlaceMeter, Some(position))],
            pattern: Some("TG18-UN80".into()),
        }
    }

    const QUESTION: Question<'static> = Question {
        item: "greyscale",
        pattern: "TG18-QC",
        en: "Greyscale: the 16 patches are distinct",
        ja: "グレースケール: 16 個のパッチが区別できる",
    };

    #[test]
    fn a_person_at_the_terminal_answers_in_their_language() {
        let (mut p, printed) = person(Language::Ja, "\nｎ\n線が一本見えない\nq\n");
        assert_eq!(
            p.instruct(&place(Position::TopLeft), None).unwrap(),
            ConfirmedBy::OperatorAtTerminal
        );
        let judged = p.judge(&QUESTION, None).unwrap();
        assert_eq!(
            judged,
            Judged {
                passed: false,
                note: Some("線が一本見えない".into()),
                by: ConfirmedBy::OperatorAtTerminal
            },
            "a full-width ｎ typed with the input method on is n"
        );
        let e = p.instruct(&place(Position::Centre), None).unwrap_err();
        assert!(
            matches!(e, SequenceError::Stopped { ref step } if step == "TG18-UN80/centre"),
            "{e}"
        );
        let text = printed.text();
        assert!(text.contains("測定器を TG18-UN80 の左上の測定領域に合わせてください。"), "{text}");
        assert!(text.contains("グレースケール: 16 個のパッチが区別できる"), "{text}");
        assert!(text.contains("基準を満たしていますか？"), "{text}");
        assert!(!text.contains("Press Enter"), "nothing in English: {text}");
        // Closed input with no window to answer on is an error that says what to do.
        let e = p.instruct(&place(Position::TopRight), None).unwrap_err().to_string();
        assert!(e.contains("standard input closed") && e.contains("--window"), "{e}");
    }

    #[test]
    fn a_person_at_the_window_answers_with_the_keys_named_in_the_caption() {
        // Nothing typed at the terminal (standard input closed): the window answers.
        let (mut p, printed) = person(Language::En, "");
        let window = Window::default();
        window.keys.borrow_mut().extend([ConsoleKey::Yes, ConsoleKey::Done]);
        // Y does not confirm an instruction; Enter or Space does.
        let by = p.instruct(&place(Position::BottomRight), Some(&window)).unwrap();
        assert_eq!(by, ConfirmedBy::OperatorAtWindow);
        window.keys.borrow_mut().extend([ConsoleKey::Done, ConsoleKey::No]);
        let judged = p.judge(&QUESTION, Some(&window)).unwrap();
        assert_eq!(judged, Judged { passed: false, note: None, by: ConfirmedBy::OperatorAtWindow });
        assert_eq!(
            *window.captions.borrow(),
            vec![
                Some(vec![
                    "Place the meter at the bottom-right measurement square of TG18-UN80.".into(),
                    "Enter / Space: done   Q / Esc: stop".into()
                ]),
                None,
                Some(vec![
                    "TG18-QC — Greyscale: the 16 patches are distinct".into(),
                    "Y: criterion met   N: not met   Q / Esc: stop".into()
                ]),
                None,
            ],
            "each question is captioned, and the caption is gone before anything is read"
        );
        assert_eq!(*window.forgotten.borrow(), 2, "keys pressed before a caption answer nothing");
        assert!(printed.text().contains("answered on the pattern window: not met"));
        // Escape (or closing the window) stops; the caption is taken down.
        window.keys.borrow_mut().push_back(ConsoleKey::Quit);
        let e = p.judge(&QUESTION, Some(&window)).unwrap_err();
        assert!(matches!(e, SequenceError::Stopped { ref step } if step == "visual/greyscale"));
        assert_eq!(window.captions.borrow().last(), Some(&None));
    }

    #[test]
    fn the_terminal_answers_too_while_the_window_shows_the_caption() {
        let (mut p, _) = person(Language::En, "y\nlooks fine\n");
        let window = Window::default();
        let judged = p.judge(&QUESTION, Some(&window)).unwrap();
        assert_eq!(
            judged,
            Judged {
                passed: true,
                note: Some("looks fine".into()),
                by: ConfirmedBy::OperatorAtTerminal
            }
        );
    }

    #[test]
    fn stand_ins_say_how_they_answered_and_never_take_an_instruction() {
        let mut yes = AssumeYes::new(Language::En, None);
        assert_eq!(yes.presence(), Presence::Unattended { by: ConfirmedBy::AssumedYes });
        assert_eq!(yes.judge(&QUESTION, None).unwrap().by, ConfirmedBy::AssumedYes);
        let e = yes.instruct(&place(Position::TopLeft), None).unwrap_err();
        assert!(matches!(e, SequenceError::NeedsPerson { .. }), "{e}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answers.toml");
        std::fs::write(&path, "greyscale = \"fail: band at the top\"\n").unwrap();
        let mut scripted = Scripted::load(&path, Language::En, None).unwrap();
        assert_eq!(
            scripted.judge(&QUESTION, None).unwrap(),
            Judged {
                passed: false,
                note: Some("band at the top".into()),
                by: ConfirmedBy::AnswersFile
            }
        );
        assert!(scripted.instruct(&place(Position::Centre), None).is_err());
        std::fs::write(&path, "greyscale = [").unwrap();
        let e = Scripted::load(&path, Language::En, None).err().unwrap().to_string();
        assert!(e.contains("not a TOML table"), "{e}");
    }
}
