//! The operator end to end (issue 11 items 2 and 8): no unattended false
//! pass with a real meter, the record saying how each step was confirmed,
//! and every instruction and question in Japanese or English.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use monqc::records::confirmation::{Action, ConfirmedBy};
use monqc::records::session::{self, SessionEntry};

fn monqc(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_monqc"));
    c.env("MONQC_DATA_DIR", data)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null());
    c
}

fn run(data: &Path, args: &[&str]) -> Output {
    monqc(data).args(args).output().expect("run monqc")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A data directory with one simulated display `d1` (telescopic set-up).
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &["displays", "add", "--id", "d1", "--grade", "1a", "--setup", "telescopic", "--simulated"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir
}

fn journals(data: &Path) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(data.join("sessions")) else { return Vec::new() };
    let mut v: Vec<_> = dir
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    v.sort();
    v
}

/// Done-when of issue 11 item 2: `monqc run … --yes` with a real meter
/// refuses before anything is opened or measured, naming the steps that
/// need a person and what to do; so does an answers file, and so does the
/// daily visual check on a real display (`--meter none`).
#[test]
fn yes_or_answers_with_a_real_meter_refuse_before_anything_is_measured() {
    let dir = site();
    let d = dir.path();
    let answers = d.join("answers.toml");
    std::fs::write(&answers, "overall = \"pass\"\n").unwrap();
    let real = ["run", "acceptance", "--display", "d1", "--meter", "ls100:/dev/ttyUSB0"];
    for (extra, by) in [
        (vec!["--yes"], "--yes"),
        (vec!["--answers", answers.to_str().unwrap()], "an answers file (--answers)"),
        (vec!["--yes", "--window"], "--yes"),
    ] {
        let out = run(d, &[&real[..], &extra].concat());
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        let err = stderr(&out);
        for said in [
            "need a person at the display at that moment",
            &format!("which {by} cannot confirm"),
            "switch the display off before ambient-illuminance",
            "switch the display back on before JIRA-BN01",
            "place the meter for ambient-illuminance (centre)",
            "TG18-UN80/top-left, TG18-UN80/top-right, TG18-UN80/centre",
            "look at the pattern and judge visual/overall",
            "Nothing was measured",
            "Run without --yes and --answers",
        ] {
            assert!(err.contains(said), "{extra:?}: `{said}` missing from: {err}");
        }
        assert!(!err.contains("cannot open meter"), "refused before the meter is opened: {err}");
        assert!(journals(d).is_empty(), "no session was started");
    }
    let out = run(d, &["run", "daily", "--display", "d1", "--meter", "none", "--yes", "--window"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("judge visual/overall"), "{}", stderr(&out));
    assert!(journals(d).is_empty());
}

/// A session started with a real meter and interrupted is resumed with a
/// person too: `resume --yes` refuses for the steps still to do.
#[test]
fn resuming_a_real_session_with_yes_refuses_too() {
    use monqc::measuring::lifecycle::{self, NewSession};
    use monqc::numbers::measurement::MeterSetup;
    use monqc::records::session::{MeterInfo, SessionWriter};
    use monqc::standards::criteria::TestType;
    let dir = site();
    let d = dir.path();
    std::fs::create_dir_all(d.join("sessions")).unwrap();
    let clock = || "2026-11-26T09:00:00Z".parse().unwrap();
    let new = NewSession {
        standard: "jesra-x0093".into(),
        grade: "1a".into(),
        test: TestType::Acceptance,
        setup: MeterSetup::Telescopic,
        bit_depth: 8,
        display_id: "d1".into(),
        display: "a real display".into(),
        operator: "kt".into(),
        rd_cd_m2_per_lx: None,
        only: None,
        lmax_change_limit_percent: None,
    };
    let meter = MeterInfo { selector: "ls100:/dev/ttyUSB0".into(), ..Default::default() };
    let header = lifecycle::header(new, meter, None, clock);
    let path = d.join("sessions/d1-acceptance-20261126T090000.000Z.jsonl");
    drop(SessionWriter::create(&path, &header, clock).unwrap());
    let before = std::fs::read(&path).unwrap();
    let out = run(d, &["resume", path.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("need a person at the display"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was written");
}

/// Every step of a session journals how each physical action before it was
/// confirmed, and the report's appendix shows it.
#[test]
fn the_record_says_how_each_step_was_confirmed() {
    let dir = site();
    let d = dir.path();
    let out = run(d, &["run", "acceptance", "--display", "d1", "--meter", "sim", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = journals(d).pop().unwrap();
    let s = session::read(&path).unwrap();
    let mut judged = 0;
    for e in s.entries.iter().filter(|e| e.step().is_some()) {
        let confirmed = e.confirmed().unwrap_or_else(|| panic!("{:?} says nothing", e.step()));
        for c in confirmed {
            let expected = match c.action {
                Action::Judge => ConfirmedBy::AssumedYes,
                _ => ConfirmedBy::SimulatedBenchAutomatic,
            };
            assert_eq!(c.by, expected, "{:?}", e.step());
        }
        if let SessionEntry::Judgement { note, .. } = e {
            judged += 1;
            assert_eq!(note.as_deref(), Some("accepted without viewing (--yes)"));
        }
    }
    assert_eq!(judged, 5);
    let record = std::fs::read_dir(d.join("records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let id = record.file_stem().unwrap().to_str().unwrap().to_string();
    for (lang, heading, assumed, bench) in [
        (
            "en",
            "Appendix: how each step was confirmed",
            "assumed, not confirmed (--yes)",
            "simulated bench, automatic",
        ),
        ("ja", "付録: 各手順の確認", "確認なし (--yes)", "模擬環境が自動で実施"),
    ] {
        let pdf = d.join(format!("report-{lang}.pdf"));
        let out = run(d, &["report", &id, "--lang", lang, "-o", pdf.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = Command::new("pdftotext")
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils)");
        let text = String::from_utf8_lossy(&text.stdout).replace('\n', " ");
        for said in [heading, assumed, bench] {
            assert!(text.contains(said), "{lang}: `{said}` missing from the report");
        }
    }
}

/// Every instruction and question of `run` in Japanese or English: the
/// locale chooses, `--lang` overrides it.
#[test]
fn the_operator_is_asked_in_the_locale_language_or_lang() {
    let dir = site();
    let d = dir.path();
    let ask = |lang_env: &str, extra: &[&str]| {
        let mut child = monqc(d)
            .args(["run", "daily", "--display", "d1", "--meter", "sim"])
            .args(extra)
            .env("LANG", lang_env)
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all("y\n\n".as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stderr(&out)
    };
    let ja = ask("ja_JP.UTF-8", &[]);
    assert!(ja.contains("全体評価: パターン全体が表示され"), "{ja}");
    assert!(ja.contains("基準を満たしていますか？ [y] はい / [n] いいえ / [q] 中断"), "{ja}");
    assert!(ja.contains("備考（任意、なければ Enter）"), "{ja}");
    assert!(!ja.contains("Criterion met?"), "{ja}");
    let en = ask("ja_JP.UTF-8", &["--lang", "en"]);
    assert!(en.contains("Overall evaluation (全体評価): the pattern is shown whole"), "{en}");
    assert!(en.contains("Criterion met? [y]es / [n]o / [q]uit"), "{en}");
    let en = ask("en_GB.UTF-8", &[]);
    assert!(en.contains("Criterion met?"), "{en}");
}

/// Every caption the window can show is drawable by the caption font:
/// every phrase of the prompt catalogue and every visual question of every
/// built-in procedure, in both languages.
#[test]
fn every_caption_can_be_drawn() {
    use monqc::measuring::prompts::{Language, Prompt};
    use monqc::standards::criteria::TestType;
    use monqc::standards::procedure::{BUILT_IN, Procedure, StepSpec};
    let mut texts: Vec<String> = Vec::new();
    for lang in [Language::Ja, Language::En] {
        texts.extend(Prompt::ALL.iter().map(|&p| lang.text(p).to_string()));
    }
    for (standard, _) in BUILT_IN {
        for test in [TestType::Acceptance, TestType::Constancy, TestType::Daily] {
            for step in Procedure::built_in(standard, test).unwrap().steps {
                if let StepSpec::Visual { question, question_ja, pattern, .. } = step {
                    texts.extend([question, question_ja, pattern]);
                }
            }
        }
    }
    let mut missing: Vec<char> = texts
        .iter()
        .flat_map(|t| t.chars())
        .filter(|&c| !monqc_patterns::caption_can_draw(c))
        .collect();
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "no caption glyph for {:?}: run patterns/fonts/caption_glyphs.py (see patterns/fonts/README.md)",
        missing.iter().collect::<String>()
    );
}
