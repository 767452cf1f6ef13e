//! The hostile-input suite: the red-team scenarios of hostile numbers,
//! text and files (REDTEAM W2, W5, D7, D8, D9, X1–X4, H1, U2–U7, C2 and
//! their neighbours), run through the `monqc` binary, asserting the exit
//! code and the message. Each test names the finding it reproduces; each
//! failed before the fix. `held_inputs_still_get_clear_errors` keeps the
//! red team's "what held" list held.
//!
//! File creation, locking and tampering are in `tests/hostile_files.rs`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use monqc::records::journal::{GENESIS, Line, line_hash};
use serde_json::Value;

fn command(args: &[&str], data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_monqc"));
    c.args(args).env("MONQC_DATA_DIR", data_dir).stdin(Stdio::null());
    c
}

fn monqc(args: &[&str], data_dir: &Path) -> Output {
    command(args, data_dir).output().expect("run monqc")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A verdict was reached (PASS 0, FAIL 1, INCOMPLETE 3): not an error, not a panic.
fn judged(o: &Output) -> bool {
    matches!(o.status.code(), Some(0 | 1 | 3))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Run and insist on exit code 2 with every one of `wants` in the message.
#[track_caller]
fn refused(args: &[&str], data_dir: &Path, wants: &[&str]) -> String {
    let out = monqc(args, data_dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?} should be refused: {err}");
    for want in wants {
        assert!(err.contains(want), "{args:?}: want {want:?} in: {err}");
    }
    err
}

fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_string_lossy().into_owned()
}

fn good_csv() -> String {
    std::fs::read_to_string("tests/data/kdelta/gsdf_like.csv").unwrap()
}

/// `gsdf_like.csv` as a European Excel writes it: decimal commas.
fn decimal_comma_csv() -> String {
    good_csv()
        .lines()
        .map(|l| match l.split_once(',') {
            Some((ddl, lum)) => format!("{ddl},{}\n", lum.replace('.', ",")),
            None => format!("{l}\n"),
        })
        .collect()
}

/// Run with a deadline; `None` when it had to be killed.
fn run_within(mut c: Command, limit: Duration) -> Option<Output> {
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Rewrite a journal from `bodies`, chained as monqc chains it (a crafted
/// or foreign file that nonetheless verifies).
fn write_journal(path: &Path, bodies: &[Value]) {
    let mut prev = GENESIS.to_string();
    let mut text = String::new();
    for (seq, body) in bodies.iter().enumerate() {
        let hash = line_hash(&prev, body);
        let line = Line { seq: seq as u64, prev, body: body.clone(), hash: hash.clone() };
        text.push_str(&serde_json::to_string(&line).unwrap());
        text.push('\n');
        prev = hash;
    }
    std::fs::write(path, text).unwrap();
}

/// A demo session's journal bodies (header first).
fn demo_bodies(dir: &Path, setup: &str) -> Vec<Value> {
    let session = dir.join(format!("demo-{setup}.jsonl"));
    let out = monqc(&["demo", "--setup", setup, "--session", session.to_str().unwrap()], dir);
    assert!(judged(&out), "{}", stderr(&out));
    std::fs::read_to_string(&session)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Line>(l).unwrap().body)
        .collect()
}

// ---------------------------------------------------------------- W2, U3

/// REDTEAM W2 and U3: a decimal-comma CSV was read as ddl 15, luminance 2
/// (the cell after the comma dropped) and judged FAIL; with L'min < 1 it
/// said "outside the GSDF: luminance 0", which points nowhere near the cause.
#[test]
fn w2_u3_decimal_comma_csv_is_refused_naming_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let eu = write(dir.path(), "eu_cd1.csv", decimal_comma_csv());
    let err = refused(
        &["analyze", &eu, "--grade", "1a"],
        dir.path(),
        &["eu_cd1.csv:2: 3 cells where the header names 2 columns", "decimal comma"],
    );
    assert!(!err.contains("GSDF"), "{err}");
    // The red team's own file: L'min 0,5 → "luminance 0" before.
    let dark = write(dir.path(), "eu_dark.csv", "ddl,luminance\n0,0,5\n255,400,0\n");
    let err = refused(&["analyze", &dark, "--grade", "1a"], dir.path(), &["decimal comma"]);
    assert!(!err.contains("outside the GSDF"), "{err}");
    // Quoted decimal commas (Excel quotes them) name the cell.
    let quoted = write(dir.path(), "q.csv", "ddl,luminance\n0,\"0,62\"\n");
    refused(&["analyze", &quoted, "--grade", "1a"], dir.path(), &["`0,62` has a decimal comma"]);
}

/// REDTEAM W2: rows with more cells than the header were accepted silently.
#[test]
fn w2_rows_with_more_cells_than_the_header_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = good_csv()
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 3 { format!("{l},0.3127\n") } else { format!("{l}\n") })
        .collect();
    let extra = write(dir.path(), "extra_cells_noheader.csv", body);
    refused(
        &["analyze", &extra, "--grade", "1a"],
        dir.path(),
        &[
            "extra_cells_noheader.csv:4: 3 cells where the header names 2 columns",
            "name every column",
        ],
    );
}

/// W2's neighbour: semicolon- and tab-separated files (with decimal points)
/// are read, and give exactly the comma file's verdicts.
#[test]
fn w2_semicolon_and_tab_files_read_like_the_comma_file() {
    let dir = tempfile::tempdir().unwrap();
    let json = |path: &str| {
        let out = monqc(&["analyze", path, "--grade", "1a", "--json"], dir.path());
        assert!(judged(&out), "{}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let comma = json("tests/data/kdelta/gsdf_like.csv");
    for (name, sep) in [("semi.csv", ";"), ("tab.csv", "\t")] {
        let p = write(dir.path(), name, good_csv().replace(',', sep));
        let v = json(&p);
        assert_eq!(v["kdelta_percent"], comma["kdelta_percent"], "{name}");
        assert_eq!(v["verdicts"], comma["verdicts"], "{name}");
    }
    let body: String =
        decimal_comma_csv().lines().map(|l| format!("{}\n", l.replacen(',', ";", 1))).collect();
    let semi_eu = write(dir.path(), "semi_eu.csv", body);
    let semi_eu = semi_eu.as_str();
    refused(&["analyze", semi_eu, "--grade", "1a"], dir.path(), &["has a decimal comma"]);
}

// ---------------------------------------------------------------- W5, D9

/// REDTEAM W5 and D9: `--rd` NaN, inf and −1 were accepted; the session
/// then dropped Lamb or could never be finalised.
#[test]
fn w5_d9_impossible_rd_is_refused_by_displays_add_and_on_site_load() {
    let dir = tempfile::tempdir().unwrap();
    for (rd, want) in [
        ("--rd=-1", "--rd -1: Rd must be above 0"),
        ("--rd=NaN", "--rd NaN: not a finite number"),
        ("--rd=inf", "--rd inf"),
        ("--rd=0", "Rd must be above 0"),
        ("--rd=5", "cannot exceed 1/π"),
    ] {
        refused(&["displays", "add", "--id", "rdneg", "--grade", "1a", rd], dir.path(), &[want]);
    }
    assert!(!dir.path().join("site.toml").exists(), "nothing was written");
    // A hand-edited site file is refused on load, naming the display.
    std::fs::write(
        dir.path().join("site.toml"),
        "[[display]]\nid = \"rdneg\"\nstandard = \"jesra-x0093\"\ngrade = \"1a\"\n\
         rd_cd_m2_per_lx = -1.0\n[display.simulation]\n",
    )
    .unwrap();
    refused(
        &["run", "acceptance", "--display", "rdneg", "--meter", "sim", "--yes"],
        dir.path(),
        &["site.toml: display `rdneg`: rd_cd_m2_per_lx -1: Rd must be above 0"],
    );
    assert!(
        !dir.path().join("sessions").exists()
            || dir.path().join("sessions").read_dir().unwrap().next().is_none()
    );
    // The same for analyze's flags.
    refused(
        &[
            "analyze",
            "tests/data/kdelta/gsdf_like.csv",
            "--grade",
            "1a",
            "--illuminance",
            "50",
            "--rd",
            "0",
        ],
        dir.path(),
        &["--rd 0: Rd must be above 0"],
    );
}

/// REDTEAM W5: a negative display-off reading passed the ambient rule
/// (Lamb/L'min −0.84 ≤ 0.4 "pass"); a negative room illuminance the same.
#[test]
fn w5_a_session_with_a_negative_lamb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut bodies = demo_bodies(dir.path(), "telescopic");
    let ambient = bodies.iter_mut().find(|b| b["kind"] == "ambient-luminance").unwrap();
    ambient["luminance_cd_m2"] = Value::from(-0.46);
    let crafted = dir.path().join("negative-lamb.jsonl");
    write_journal(&crafted, &bodies);
    refused(
        &["analyze", crafted.to_str().unwrap()],
        dir.path(),
        &[
            "negative-lamb.jsonl:",
            "ambient luminance (display off) cd/m² -0.46: a luminance cannot be negative",
        ],
    );
    // A simulated room with a negative illuminance never starts.
    refused(
        &["demo", "--illuminance=-50"],
        dir.path(),
        &["--illuminance -50: an illuminance cannot be negative"],
    );
}

/// REDTEAM W5: x = 1.5 gave Δu'v' NaN judged "fail"; x = y = 0 gave a
/// perfect tracking "pass"; tristimulus X, Y, Z were read as x, y.
#[test]
fn w5_impossible_chromaticity_and_tristimulus_columns_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let with_xy = |x: &str, y: &str| -> String {
        let mut body = String::from("ddl,luminance,x,y\n");
        for l in good_csv().lines().skip(1) {
            body.push_str(&format!("{l},{x},{y}\n"));
        }
        body
    };
    for (x, y, want) in [
        ("1.5", "0", "x 1.5 y 0: chromaticity coordinates x and y lie between 0 and 1"),
        ("0", "0", "x 0 y 0: 0, 0 is not a colour"),
        ("0.4", "0.05", "outside the CIE 1931 spectrum locus"),
    ] {
        let p = write(dir.path(), "xy.csv", with_xy(x, y));
        refused(&["analyze", &p, "--grade", "1a"], dir.path(), &["xy.csv:2: chromaticity", want]);
    }
    let p = write(dir.path(), "ok.csv", with_xy("0.3127", "0.3290"));
    assert!(judged(&monqc(&["analyze", &p, "--grade", "1a"], dir.path())));
    let xyz = good_csv().replace("ddl,luminance", "ddl,luminance,X,Y,Z");
    let p = write(dir.path(), "xyz.csv", xyz);
    refused(
        &["analyze", &p, "--grade", "1a"],
        dir.path(),
        &["column `X` is a tristimulus value", "x = X/(X+Y+Z)"],
    );
}

// ---------------------------------------------------------------- D7, X1

/// REDTEAM D7: `--noise NaN` journalled `null` and the session could never
/// be read again; `--noise -1`, `10` and `--corner-falloff 2` gave negative
/// luminance.
#[test]
fn d7_demo_refuses_impossible_panel_numbers_before_measuring() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, want) in [
        ("--noise=NaN", "--noise NaN: give a fraction from 0 to 0.1"),
        ("--noise=-1", "--noise -1"),
        ("--noise=10", "--noise 10"),
        ("--corner-falloff=NaN", "--corner-falloff NaN"),
        ("--corner-falloff=2", "--corner-falloff 2: give a fraction from 0 to 0.5"),
        ("--lmin=500", "--lmin 500: the minimum luminance must be below the maximum, 400 cd/m²"),
    ] {
        refused(&["demo", flag], dir.path(), &[want]);
    }
    let sessions = dir.path().join("sessions");
    assert!(
        !sessions.exists() || sessions.read_dir().unwrap().next().is_none(),
        "nothing measured"
    );
}

/// REDTEAM X1 (and D7 through site.toml): `bit_depth = 0` in a display's
/// simulation panicked mid-session (0/0 → JndIndexOutOfRange(NaN)).
#[test]
fn x1_impossible_simulation_in_site_toml_is_refused_before_measuring() {
    let dir = tempfile::tempdir().unwrap();
    for (extra, want) in [
        ("bit_depth = 0", "display `d1`: simulation.bit_depth 0: use 8 or 10"),
        ("bit_depth = 32", "simulation.bit_depth 32"),
        ("noise_relative = nan", "simulation.noise_relative NaN"),
        ("corner_falloff = 2.0", "simulation.corner_falloff 2"),
    ] {
        std::fs::write(
            dir.path().join("site.toml"),
            format!(
                "[[display]]\nid = \"d1\"\nstandard = \"jesra-x0093\"\ngrade = \"1a\"\n\
                 [display.simulation]\n{extra}\n"
            ),
        )
        .unwrap();
        let err = refused(
            &["run", "acceptance", "--display", "d1", "--meter", "sim", "--yes"],
            dir.path(),
            &[want],
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

// ---------------------------------------------------------------- D8

/// REDTEAM D8: text the report font cannot draw made a record's PDF
/// impossible for ever. Now it is refused where it is typed, naming the
/// character.
#[test]
fn d8_text_the_report_cannot_print_is_refused_where_it_is_typed() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, want) in [
        ("--location", "Room ™", "--location `Room ™`: the report font cannot draw ™ (U+2122"),
        ("--location", "𠮷野家", "U+20BB7"),
        ("--model", "한국", "U+D55C"),
        ("--location", "読影室🙂", "U+1F642"),
        ("--location", "a\u{200B}b", "invisible or control character U+200B"),
        ("--serial", "12\u{7}3", "U+0007"),
    ] {
        refused(
            &["displays", "add", "--id", "f1", "--grade", "1a", flag, value],
            dir.path(),
            &[want],
        );
    }
    // --operator on a run: refused before a reading is taken.
    let out = monqc(&["displays", "add", "--id", "f1", "--grade", "1a", "--simulated"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    refused(
        &[
            "run",
            "acceptance",
            "--display",
            "f1",
            "--meter",
            "sim",
            "--yes",
            "--operator",
            "Keiko 🙂",
        ],
        dir.path(),
        &["--operator `Keiko 🙂`", "U+1F642"],
    );
    // amend --value / --why on a good record: refused, the record still prints.
    let out = monqc(&["demo"], dir.path());
    assert!(judged(&out), "{}", stderr(&out));
    let history = monqc(&["history", "sim-demo", "--json"], dir.path());
    let entry: Value = serde_json::from_str(stdout(&history).lines().next().unwrap()).unwrap();
    let id = entry["record"].as_str().unwrap().to_string();
    refused(
        &["amend", &id, "--field", "location", "--value", "読影室🙂", "--why", "typo"],
        dir.path(),
        &["--value `読影室🙂`", "U+1F642"],
    );
    refused(
        &["amend", &id, "--field", "location", "--value", "読影室2", "--why", "moved\nto ™"],
        dir.path(),
        &["--why", "™ (U+2122, character 10)"],
    );
    let ok = monqc(
        &["amend", &id, "--field", "location", "--value", "読影室2", "--why", "moved\nroom 2"],
        dir.path(),
    );
    assert_eq!(ok.status.code(), Some(0), "multi-line text is fine: {}", stderr(&ok));
    let pdf = dir.path().join("r.pdf");
    let out = monqc(&["report", &id, "-o", pdf.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // site.toml typed by hand: refused on load.
    std::fs::write(dir.path().join("site.toml"), "[facility]\nname = \"Hospital™\"\n").unwrap();
    refused(&["displays", "list"], dir.path(), &["[facility] name `Hospital™`", "U+2122"]);
}

// ---------------------------------------------------------------- X2/U5, X3

/// REDTEAM U5 (root side) and X2: "choose a larger --size" was said for a
/// DDL out of range; huge sizes aborted on allocation.
#[test]
fn u5_x2_pattern_errors_give_the_fix_that_applies() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("p.png");
    let png = png.to_str().unwrap();
    let err = refused(
        &["patterns", "export", "UNIFORM-512", "--size", "1024x1024", "-o", png],
        dir.path(),
        &["DDL 512"],
    );
    assert!(!err.contains("larger --size"), "{err}");
    let err = refused(
        &[
            "patterns",
            "export",
            "JIRA-BN07-L20",
            "--size",
            "1024x1024",
            "--background-ddl",
            "300",
            "-o",
            png,
        ],
        dir.path(),
        &["DDL 300"],
    );
    assert!(!err.contains("larger --size"), "{err}");
    refused(
        &["patterns", "export", "TG18-QC", "--size", "64x64", "-o", png],
        dir.path(),
        &["choose a larger --size"],
    );
    let err = refused(
        &["patterns", "export", "TG18-QC", "--size", "100000x100000", "-o", png],
        dir.path(),
        &["too large", "at most"],
    );
    assert!(!err.contains("larger --size") && !err.contains("memory allocation"), "{err}");
}

/// REDTEAM X3: `response_points = 300000000` aborted after 2.3 GB;
/// 10^15 ran until killed.
#[test]
fn x3_a_huge_response_points_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let table = std::fs::read_to_string("calibration-data/criteria/jesra-x0093.toml").unwrap();
    for points in ["300000000", "1000000000000000"] {
        let p = write(
            dir.path(),
            "c.toml",
            table.replace("response_points = 18", &format!("response_points = {points}")),
        );
        let mut c = command(
            &["analyze", "tests/data/kdelta/gsdf_like.csv", "--grade", "1a", "--criteria", &p],
            dir.path(),
        );
        c.env("RUST_BACKTRACE", "0");
        let out = run_within(c, Duration::from_secs(20)).expect("answers at once");
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("give 2 to 1024"), "{}", stderr(&out));
    }
}

// ---------------------------------------------------------------- X4

fn with_closed(mut c: Command, close_stdout: bool, close_stderr: bool) -> (Option<i32>, String) {
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    if close_stdout {
        drop(out.take());
    }
    if close_stderr {
        drop(err.take());
    }
    let mut said = String::new();
    if let Some(e) = err.as_mut() {
        e.read_to_string(&mut said).unwrap();
    }
    if let Some(o) = out.as_mut() {
        std::io::copy(o, &mut std::io::sink()).unwrap();
    }
    (child.wait().unwrap().code(), said)
}

/// REDTEAM X4: a closed stderr (`2>&1 | head -c 100`, a dropped ssh
/// session) panicked a session (exit 101).
#[test]
fn x4_a_closed_stderr_never_stops_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _) = with_closed(command(&["demo"], dir.path()), false, true);
    assert!(matches!(code, Some(0 | 1 | 3)), "the demo ran to its record");
    let out = monqc(&["displays", "add", "--id", "x4", "--grade", "1a", "--simulated"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let run = command(
        &[
            "run",
            "acceptance",
            "--display",
            "x4",
            "--meter",
            "sim-ls100",
            "--time-scale",
            "0.01",
            "--yes",
        ],
        dir.path(),
    );
    let (code, _) = with_closed(run, true, true);
    assert!(matches!(code, Some(0 | 1 | 3)), "the run ran to its record with both closed");
    let history = monqc(&["history", "x4"], dir.path());
    assert!(stdout(&history).contains("acceptance"), "{}", stdout(&history));
}

/// REDTEAM X4: `analyze --json | head -c 10` said "Broken pipe" and exited
/// 2; `history` with a closed stdout panicked.
#[test]
fn x4_a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let analyze = command(
        &["analyze", "tests/data/kdelta/gsdf_like.csv", "--grade", "1a", "--json"],
        dir.path(),
    );
    let (code, said) = with_closed(analyze, true, false);
    assert_eq!((code, said.as_str()), (Some(0), ""));
    assert!(judged(&monqc(&["demo"], dir.path())));
    for args in [&["history", "sim-demo"][..], &["gsdf", "table"], &["patterns", "list"]] {
        let (code, said) = with_closed(command(args, dir.path()), true, false);
        assert_eq!((code, said.as_str()), (Some(0), ""), "{args:?}");
    }
}

/// X4 kept held: every line on stderr goes through `note!`, which never
/// panics; `eprintln!`/`println!` panic on a closed stream.
#[test]
fn x4_the_command_line_never_prints_with_a_panicking_macro() {
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir("src/cli").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if ["eprintln!(", "eprint!(", "println!(", "print!("].iter().any(|m| {
                code.match_indices(m)
                    .any(|(at, _)| at == 0 || !code.as_bytes()[at - 1].is_ascii_alphanumeric())
            }) {
                offenders.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "use note!/say! instead:\n{}", offenders.join("\n"));
}

// ---------------------------------------------------------------- H1, U2

/// REDTEAM H1: `/dev/zero` grew until out of memory, `/dev/urandom` ran
/// until killed, a FIFO with no writer blocked for ever.
#[test]
fn h1_non_regular_and_oversized_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let big = dir.path().join("big.csv");
    std::fs::File::create(&big).unwrap().set_len(65 * 1024 * 1024).unwrap(); // sparse
    let mut cases: Vec<(PathBuf, &str)> = vec![
        (dir.path().to_path_buf(), "is a directory"),
        (big, "is 68157440 bytes; monqc reads files of at most 67108864 bytes (64 MiB)"),
    ];
    // Devices and FIFOs are Unix files; Windows has neither at a path.
    if cfg!(unix) {
        cases.push((PathBuf::from("/dev/zero"), "is a device, not a regular file"));
        cases.push((PathBuf::from("/dev/urandom"), "is a device"));
    }
    if made {
        cases.push((fifo, "is a named pipe (FIFO), not a regular file"));
    }
    for (path, want) in cases {
        let p = path.to_str().unwrap();
        for args in [
            vec!["analyze", p, "--grade", "1a"],
            vec!["analyze", "tests/data/kdelta/gsdf_like.csv", "--grade", "1a", "--criteria", p],
        ] {
            let out = run_within(command(&args, dir.path()), Duration::from_secs(20))
                .unwrap_or_else(|| panic!("{args:?} did not answer within 20 s"));
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
            assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
        }
    }
}

/// REDTEAM U2: a Shift-JIS or UTF-16 file said "check the path — stream did
/// not contain valid UTF-8".
#[test]
fn u2_files_not_in_utf8_are_named_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let mut sjis = b"ddl,luminance\n# \x8b\x50\x93\x78 (Shift-JIS)\n".to_vec();
    sjis.extend(good_csv().lines().skip(1).flat_map(|l| format!("{l}\n").into_bytes()));
    let sjis = write(dir.path(), "sjis.csv", sjis);
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(good_csv().encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let utf16 = write(dir.path(), "utf16.csv", utf16);
    let latin1 = write(dir.path(), "c.toml", b"# Kalibrierung f\xfcr Pr\xfcfung\n");
    for (args, wants) in [
        (
            vec!["analyze", &sjis, "--grade", "1a"],
            vec!["sjis.csv:2: byte 0x8B is not UTF-8", "Shift-JIS", "CSV UTF-8"],
        ),
        (
            vec!["analyze", &utf16, "--grade", "1a"],
            vec!["utf16.csv is UTF-16 text (little-endian)", "CSV UTF-8"],
        ),
        (
            vec![
                "analyze",
                "tests/data/kdelta/gsdf_like.csv",
                "--grade",
                "1a",
                "--criteria",
                &latin1,
            ],
            vec!["c.toml:1: byte 0xFC is not UTF-8"],
        ),
    ] {
        let err = refused(&args, dir.path(), &wants);
        assert!(!err.contains("check the path"), "{err}");
    }
    std::fs::write(dir.path().join("site.toml"), b"[facility]\nname = \"\xff\"\n").unwrap();
    refused(&["displays", "list"], dir.path(), &["site.toml:2: byte 0xFF is not UTF-8"]);
}

// ---------------------------------------------------------------- U4

/// REDTEAM U4: a 50 MB cell gave a 50 MB message; 1e308 was printed as 309
/// digits; an unbalanced quote dumped the file; a control character went
/// to the terminal as is.
#[test]
fn u4_offending_input_is_quoted_short_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let huge =
        write(dir.path(), "huge.csv", format!("ddl,luminance\n0,{}\n", "9x".repeat(2_000_000)));
    let err = refused(
        &["analyze", &huge, "--grade", "1a"],
        dir.path(),
        &["cells have at most 256 characters"],
    );
    assert!(err.len() < 600, "{} bytes: {err:.300}", err.len());
    let header = write(dir.path(), "header.csv", format!("{}\n0,1\n", "h".repeat(2_000_000)));
    let err = refused(
        &["analyze", &header, "--grade", "1a"],
        dir.path(),
        &["column names have at most 256"],
    );
    assert!(err.len() < 600, "{} bytes", err.len());
    let body: String = std::iter::once("ddl,luminance\n0,\"0.62\n".to_string())
        .chain(good_csv().lines().skip(2).map(|l| format!("{l}\n")))
        .collect::<String>()
        .repeat(2000);
    let quote = write(dir.path(), "quote.csv", body);
    let err = refused(&["analyze", &quote, "--grade", "1a"], dir.path(), &[]);
    assert!(err.len() < 600, "an unbalanced quote dumps no file: {} bytes", err.len());
    let esc = write(dir.path(), "esc.csv", "ddl,luminance\n0,\u{1b}[31m0.62\n");
    let err = refused(
        &["analyze", &esc, "--grade", "1a"],
        dir.path(),
        &["`\\u{1b}[31m0.62` is not a number"],
    );
    assert!(!err.contains('\u{1b}'), "no escape sequence reaches the terminal");
    for args in [
        &["analyze", "tests/data/kdelta/gsdf_like.csv", "--lamb", "1e308", "--grade", "1a"][..],
        &["gsdf", "jnd", "1e308"],
        &["gsdf", "luminance", "1e308"],
    ] {
        let err = refused(args, dir.path(), &["1e308"]);
        assert!(err.len() < 700, "{args:?}: {err}");
    }
    let neg = refused(
        &["analyze", "tests/data/kdelta/gsdf_like.csv", "--lamb=-1e308", "--grade", "1a"],
        dir.path(),
        &["--lamb -1e308: a luminance cannot be negative"],
    );
    assert!(neg.len() < 300, "{neg}");
    let e308 = write(dir.path(), "e308.csv", "ddl,luminance\n0,-1e308\n");
    let err = refused(&["analyze", &e308, "--grade", "1a"], dir.path(), &["-1e308 is negative"]);
    assert!(err.len() < 300, "{err}");
}

// ---------------------------------------------------------------- U6, C2

/// REDTEAM U6: a record, the index, a session saved with a BOM or of
/// another format all said "no `ddl` column (found: {"seq":0, …".
#[test]
fn u6_analyze_names_monqc_files_that_are_not_measurements() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.jsonl");
    let out = monqc(&["demo", "--session", session.to_str().unwrap()], dir.path());
    assert!(judged(&out));
    let records = dir.path().join("records");
    let record = std::fs::read_dir(&records)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let bom = write(
        dir.path(),
        "bom.jsonl",
        format!("\u{FEFF}{}", std::fs::read_to_string(&session).unwrap()),
    );
    let mut bodies: Vec<Value> = std::fs::read_to_string(&session)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Line>(l).unwrap().body)
        .collect();
    bodies[0]["format"] = Value::from("monqc-sessionX");
    let other = dir.path().join("other.jsonl");
    write_journal(&other, &bodies);
    bodies[0]["format"] = Value::from("monqc-session");
    bodies[0]["version"] = Value::from(99);
    let v2 = dir.path().join("v99.jsonl");
    write_journal(&v2, &bodies);
    for (path, want) in [
        (record.clone(), "is a finalised monqc record, not measurements; `monqc report ID`"),
        (records.join("index.jsonl"), "is the record index of a data directory"),
        (PathBuf::from(&bom), "starts with a byte-order mark"),
        (other, "a monqc journal of format `monqc-sessionX`, not a session"),
        (v2, "version 99 is not monqc-session version"),
    ] {
        let err = refused(&["analyze", path.to_str().unwrap()], dir.path(), &[want]);
        assert!(!err.contains("no `ddl` column"), "{err}");
    }
}

/// REDTEAM C2: a session header with `bit_depth` 40 was accepted (the shift
/// wrapped) and the record said 40-bit.
#[test]
fn c2_a_session_header_with_40_bits_is_refused_by_analyze_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let mut bodies = demo_bodies(dir.path(), "contact");
    bodies[0]["bit_depth"] = Value::from(40);
    bodies.truncate(5);
    let sessions = dir.path().join("sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    let crafted = sessions.join("c2-crafted.jsonl");
    write_journal(&crafted, &bodies);
    let p = crafted.to_str().unwrap();
    refused(&["analyze", p], dir.path(), &["c2-crafted.jsonl:1: bit_depth 40: use 8 or 10"]);
    refused(&["resume", "c2-crafted", "--yes"], dir.path(), &["bit_depth 40: use 8 or 10"]);
    let records = std::fs::read_to_string(dir.path().join("records/index.jsonl")).unwrap();
    assert_eq!(records.lines().count(), 2, "only the demo's record: nothing finalised from it");
}

// ---------------------------------------------------------------- U7

/// REDTEAM U7, the smaller messages.
#[test]
fn u7_smaller_messages_name_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    assert!(judged(&monqc(&["demo"], dir.path())));
    refused(
        &["verify", "e7ac78c"],
        dir.path(),
        &["too short to name a record: give at least 8 characters"],
    );
    refused(
        &["meters", "read", "sim"],
        dir.path(),
        &["`sim` is the ideal meter of a simulated session", "sim-ls100"],
    );
    let out = monqc(&["meters", "read", "sim-ls100", "--count", "0"], dir.path());
    assert_eq!(out.status.code(), Some(2), "--count 0 did nothing and exited 0");
    assert!(stderr(&out).contains("--count"), "{}", stderr(&out));
    let table = write(
        dir.path(),
        "c.toml",
        std::fs::read_to_string("calibration-data/criteria/jesra-x0093.toml").unwrap(),
    );
    refused(
        &[
            "analyze",
            "tests/data/kdelta/gsdf_like.csv",
            "--grade",
            "1a",
            "--standard",
            "aapm-tg18",
            "--criteria",
            &table,
        ],
        dir.path(),
        &["--standard aapm-tg18 and --criteria", "disagree"],
    );
    let same = monqc(
        &[
            "analyze",
            "tests/data/kdelta/gsdf_like.csv",
            "--grade",
            "1a",
            "--standard",
            "jesra-x0093",
            "--criteria",
            &table,
        ],
        dir.path(),
    );
    assert!(judged(&same), "{}", stderr(&same));
    // `report -o -` writes the PDF to stdout, not to a file named `-`.
    let id = std::fs::read_dir(dir.path().join("records"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find_map(|n| n.strip_suffix(".json").map(str::to_string))
        .unwrap();
    let out =
        command(&["report", &id, "-o", "-"], dir.path()).current_dir(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.starts_with(b"%PDF-"), "the PDF on stdout");
    assert!(!dir.path().join("-").exists(), "no file named `-`");
}

// ---------------------------------------------------------------- held

/// The red team's "what held" list, kept held: each input still gets exit 2
/// and a message naming the place and the fix (or works).
#[test]
fn held_inputs_still_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = |name: &str, body: &str| write(d, name, body);
    let good = good_csv();
    let cases: Vec<(String, Vec<&str>)> = vec![
        (csv("empty.csv", ""), vec!["empty.csv is empty"]),
        (csv("blank.csv", "  \n\n "), vec!["is empty"]),
        (csv("header.csv", "ddl,luminance\n"), vec!["a header but no readings"]),
        (
            csv("nan.csv", "ddl,luminance\n0,NaN\n"),
            vec!["nan.csv:2: column `luminance`: `NaN` is not a finite number"],
        ),
        (csv("inf.csv", "ddl,luminance\n0,-inf\n"), vec!["is not a finite number"]),
        (csv("neg.csv", "ddl,luminance\n0,-2\n"), vec!["-2 is negative"]),
        (csv("hex.csv", "ddl,luminance\n0,0x10\n"), vec!["`0x10` is not a number"]),
        (csv("unit.csv", "ddl,luminance\n0,0.5 cd/m2\n"), vec!["`0.5 cd/m2` is not a number"]),
        (
            csv("dup.csv", "ddl,luminance\n0,1\n0,2\n"),
            vec!["dup.csv:3: DDL 0 was already given at line 2"],
        ),
        (csv("frac.csv", "ddl,luminance\n15.5,1\n"), vec!["15.5 is not a whole DDL"]),
        (
            csv("ddl300.csv", "ddl,luminance\n300,1\n"),
            vec!["300 is not a whole DDL between 0 and 255 (8-bit)"],
        ),
        (csv("nolum.csv", "ddl,value\n0,1\n"), vec!["nolum.csv:1: no `luminance` column"]),
        (
            csv("short.csv", &good.lines().take(18).map(|l| format!("{l}\n")).collect::<String>()),
            vec!["missing DDLs"],
        ),
        (
            d.join("missing.csv").to_string_lossy().into_owned(),
            // The operating system's own words: ENOENT, ERROR_FILE_NOT_FOUND.
            vec!["missing.csv", if cfg!(windows) { "(os error 2)" } else { "No such file" }],
        ),
    ];
    for (path, wants) in &cases {
        refused(&["analyze", path, "--grade", "1a"], d, wants);
    }
    // Handled correctly: BOM, CRLF, quoted cells, comments and blank lines,
    // unsorted rows, units in the header, extra named columns.
    let bom = csv("bom.csv", &format!("\u{FEFF}{good}"));
    let crlf = csv("crlf.csv", &good.replace('\n', "\r\n"));
    let quoted = csv("quoted.csv", &good.replace("ddl,luminance", "\"DDL\",\"Luminance (cd/m2)\""));
    let commented = csv("comment.csv", &format!("# LS-100, centre\n\n{good}\n# end\n"));
    let mut rows: Vec<&str> = good.lines().skip(1).collect();
    rows.reverse();
    let unsorted = csv("unsorted.csv", &format!("ddl,luminance\n{}\n", rows.join("\n")));
    let named = csv(
        "named.csv",
        &good
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 0 { format!("{l},note\n") } else { format!("{l},centre\n") })
            .collect::<String>(),
    );
    for path in [bom, crlf, quoted, commented, unsorted, named] {
        let out = monqc(&["analyze", &path, "--grade", "1a"], d);
        assert!(judged(&out), "{path}: {}", stderr(&out));
    }
    // Analyze options.
    let g = "tests/data/kdelta/gsdf_like.csv";
    for (args, want) in [
        (vec!["analyze", g, "--grade", "1a", "--lamb", "NaN"], "--lamb NaN: not a finite number"),
        (
            vec!["analyze", g, "--grade", "1a", "--lamb=-1"],
            "--lamb -1: a luminance cannot be negative",
        ),
        (vec!["analyze", g, "--grade", "1a", "--lamb", "abc"], "invalid value 'abc'"),
        (vec!["analyze", g, "--grade", "9"], "has no grade `9`"),
        (vec!["analyze", g, "--standard", "nope", "--grade", "1a"], "unknown standard `nope`"),
        (vec!["analyze", g, "--grade", "1a", "--bits", "12"], "invalid value '12'"),
    ] {
        refused(&args, d, &[want]);
    }
    // Criteria files.
    let table = std::fs::read_to_string("calibration-data/criteria/jesra-x0093.toml").unwrap();
    for (body, want) in [
        ("[standard\n".to_string(), "criteria file"),
        (String::new(), "missing field"),
        (
            table.replacen("\"1a\" = 350.0", "\"1a\" = nan", 1),
            "is not a finite, non-negative number",
        ),
        (table.replace("response_points = 18", "response_points = -3"), "response_points"),
    ] {
        let p = write(d, "t.toml", body);
        refused(&["analyze", g, "--grade", "1a", "--criteria", &p], d, &[want]);
    }
    // site.toml.
    for (body, want) in [
        (
            "[[display]]\nid = \"a\"\nstandard = \"jesra-x0093\"\ngrade = \"1a\"\n[[display]]\nid = \"a\"\nstandard = \"jesra-x0093\"\ngrade = \"1a\"\n",
            "defined twice",
        ),
        (
            "[[display]]\nid = \"a\"\nstandard = \"jesra-x0093\"\ngrade = \"1a\"\nbit_depth = 12\n",
            "bit_depth 12",
        ),
        (
            "[[meter]]\nid = \"m\"\nselector = \"sim\"\ncalibration_date = \"2026-02-30\"\n",
            "not YYYY-MM-DD",
        ),
        (
            "[[display]]\nid = \"a\"\nstandard = \"jesra-x0093\"\ngrade = \"1a\"\ncolour = 1\n",
            "unknown field",
        ),
    ] {
        std::fs::write(d.join("site.toml"), body).unwrap();
        refused(&["displays", "list"], d, &[want]);
    }
    std::fs::remove_file(d.join("site.toml")).unwrap();
    // gsdf.
    for (args, want) in [
        (vec!["gsdf", "jnd", "NaN"], "luminance"),
        (vec!["gsdf", "jnd", "--", "-1"], "luminance"),
        (vec!["gsdf", "luminance", "2000"], "JND index"),
    ] {
        refused(&args, d, &[want]);
    }
    // Patterns.
    for size in ["0x0", "x100", "1e3x1e3", "4294967296x10"] {
        refused(&["patterns", "export", "TG18-QC", "--size", size, "-o", "p.png"], d, &["--size"]);
    }
}
