//! The operator at the terminal: instructions, visual judgements, progress.

use std::io::{BufRead, Write};
use std::path::Path;

use monqc::measuring::sequence::{Operator, SequenceError, StepDone};
use monqc::standards::procedure::step_id;

/// The operator the command line asks for: answers from a file, `--yes`,
/// or a person at the terminal.
pub fn choose(yes: bool, answers: Option<&Path>) -> anyhow::Result<Box<dyn Operator>> {
    Ok(match (yes, answers) {
        (_, Some(path)) => Box::new(Scripted::load(path)?),
        (true, None) => Box::new(AssumeYes),
        (false, None) => Box::new(Terminal),
    })
}

/// Print one finished step on stderr.
pub fn print_progress(s: StepDone) {
    note!("[{:>2}/{}] {:<32} {}", s.index, s.total, s.id, s.value);
}

/// No one at the display: instructions need no action (a simulated bench
/// does them itself) and visual items cannot be judged.
pub struct Unattended;

impl Operator for Unattended {
    fn instruct(&mut self, _text: &str) -> Result<(), SequenceError> {
        Ok(())
    }

    fn judge(
        &mut self,
        item: &str,
        _: &str,
        _: &str,
    ) -> Result<(bool, Option<String>), SequenceError> {
        Err(SequenceError::Input(format!(
            "visual item `{item}` needs an operator: run it with `monqc run`, answering at the terminal, or with --yes or --answers FILE"
        )))
    }
}

/// A person at the terminal: each instruction waits for Enter, each visual
/// item asks y/n and an optional note; `q` stops (the session can be resumed).
pub struct Terminal;

fn ask(prompt: &str) -> Result<String, SequenceError> {
    // A closed stderr must not panic (REDTEAM X4); the answer is still read.
    let _ = write!(std::io::stderr(), "{prompt}");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| SequenceError::Input(e.to_string()))?;
    if n == 0 {
        return Err(SequenceError::Input(
            "standard input closed; answer at a terminal, or give --yes or --answers FILE".into(),
        ));
    }
    Ok(line.trim().to_string())
}

impl Operator for Terminal {
    fn instruct(&mut self, text: &str) -> Result<(), SequenceError> {
        let answer = ask(&format!("\n>> {text}\n   Press Enter when done (q to stop): "))?;
        if answer.eq_ignore_ascii_case("q") {
            return Err(SequenceError::Stopped { step: text.to_string() });
        }
        Ok(())
    }

    fn judge(
        &mut self,
        item: &str,
        pattern: &str,
        question: &str,
    ) -> Result<(bool, Option<String>), SequenceError> {
        loop {
            let answer = ask(&format!(
                "\n>> {pattern} — {question}\n   Criterion met? [y]es / [n]o / [q]uit: "
            ))?;
            let passed = match answer.to_ascii_lowercase().as_str() {
                "y" | "yes" => true,
                "n" | "no" => false,
                "q" | "quit" => {
                    return Err(SequenceError::Stopped { step: step_id::visual(item) });
                }
                _ => continue,
            };
            let note = ask("   Note (optional, Enter for none): ")?;
            return Ok((passed, (!note.is_empty()).then_some(note)));
        }
    }
}

/// `--yes`: every instruction is taken as done and every visual item as
/// met, and the record says so.
pub struct AssumeYes;

impl Operator for AssumeYes {
    fn instruct(&mut self, text: &str) -> Result<(), SequenceError> {
        note!(">> {text} (--yes: taken as done)");
        Ok(())
    }

    fn judge(
        &mut self,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<(bool, Option<String>), SequenceError> {
        Ok((true, Some("accepted without viewing (--yes)".into())))
    }
}

/// `--answers FILE`: visual judgements from a TOML file, one key per item:
/// `greyscale = "pass"`, `artefacts = "fail: crosstalk at the right edge"`.
/// Instructions are taken as done.
pub struct Scripted {
    answers: toml::Table,
    origin: String,
}

impl Scripted {
    /// Load the answers.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        use anyhow::Context;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read answers file {}", path.display()))?;
        let answers: toml::Table = toml::from_str(&text).with_context(|| {
            format!(
                "{}: not a TOML table of `item = \"pass\"` or `item = \"fail: note\"`",
                path.display()
            )
        })?;
        Ok(Self { answers, origin: path.display().to_string() })
    }
}

impl Operator for Scripted {
    fn instruct(&mut self, _text: &str) -> Result<(), SequenceError> {
        Ok(())
    }

    fn judge(
        &mut self,
        item: &str,
        _: &str,
        _: &str,
    ) -> Result<(bool, Option<String>), SequenceError> {
        let value = self.answers.get(item).and_then(|v| v.as_str()).ok_or_else(|| {
            SequenceError::Input(format!("{}: no answer for visual item `{item}`; add `{item} = \"pass\"` or `{item} = \"fail: why\"`", self.origin))
        })?;
        let (verdict, note) = match value.split_once(':') {
            Some((v, n)) => (v.trim(), Some(n.trim().to_string()).filter(|n| !n.is_empty())),
            None => (value.trim(), None),
        };
        match verdict {
            "pass" => Ok((true, note)),
            "fail" => Ok((false, note)),
            other => Err(SequenceError::Input(format!(
                "{}: `{item} = \"{other}\"`: the answer must start with pass or fail",
                self.origin
            ))),
        }
    }
}
