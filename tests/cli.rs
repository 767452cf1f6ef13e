//! End-to-end tests of the `monqc` binary: exit codes, messages, files.

use std::path::Path;
use std::process::{Command, Output};

fn monqc(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_monqc"))
        .args(args)
        .env("MONQC_DATA_DIR", data_dir)
        .output()
        .expect("run monqc")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// 18 readings of a GSDF-like display, as a CSV body.
fn good_csv() -> String {
    std::fs::read_to_string("tests/data/kdelta/gsdf_like.csv").unwrap()
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_string_lossy().into_owned()
}

/// The demo measures every item of a JESRA acceptance test and meets every
/// limit of grade 1A, but nobody looks at its patterns: its verdict is
/// INCOMPLETE (exit 3), naming the visual items, never PASS.
#[test]
fn demo_meets_every_measured_limit_and_says_the_visual_items_were_not_judged() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("demo.jsonl");
    let s = session.to_str().unwrap();
    let out = monqc(&["demo", "--session", s, "--json"], dir.path());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    // Ambient (2), BN01–18, the 20 % background and BN01–18 on it, UN80 (5).
    assert!(stderr.contains("[44/44]"), "progress for every reading: {stderr}");
    let demo: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(demo["overall"], "incomplete");
    assert!(demo["verdicts"].as_array().unwrap().iter().all(|v| v["result"] == "pass"));
    let not_judged: Vec<&str> = demo["not_judged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["item"].as_str().unwrap())
        .collect();
    assert!(not_judged.iter().all(|i| i.starts_with("visual/")), "{not_judged:?}");
    assert_eq!(not_judged.len(), 5);
    let kdelta = demo["kdelta_percent"].as_f64().unwrap();
    assert!(kdelta > 0.0 && kdelta < 10.0, "{kdelta}");
    // 44 readings and the background level, plus the header, each on its own line.
    assert_eq!(std::fs::read_to_string(&session).unwrap().lines().count(), 45);

    let again = monqc(&["analyze", s, "--json"], dir.path());
    assert_eq!(again.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(v["kdelta_percent"], demo["kdelta_percent"]);
    assert_eq!(v["verdicts"], demo["verdicts"]);
    for verdict in v["verdicts"].as_array().unwrap() {
        for key in ["item", "value", "limit", "result"] {
            assert!(verdict.get(key).is_some(), "verdict lacks {key}: {verdict}");
        }
    }
}

#[test]
fn demo_table_shows_kdelta_and_writes_into_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let out = monqc(&["demo"], dir.path());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stdout.contains("contrast response Kδ")
            && stdout.contains("overall: INCOMPLETE (判定保留)")
            && stdout.contains("visual/greyscale"),
        "{stdout}"
    );
    assert!(!stdout.contains("PASS"), "{stdout}");
    let sessions: Vec<_> = std::fs::read_dir(dir.path().join("sessions")).unwrap().collect();
    assert_eq!(sessions.len(), 1);
    assert!(stderr.contains("session file:"), "{stderr}");
}

#[test]
fn a_gamma_22_panel_fails_the_kdelta_criterion() {
    let dir = tempfile::tempdir().unwrap();
    let out = monqc(&["demo", "--panel", "gamma22", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out).1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kdelta = v["verdicts"].as_array().unwrap().iter().find(|x| x["item"] == "kdelta").unwrap();
    assert_eq!(kdelta["result"], "fail");
    assert!(kdelta["value"].as_f64().unwrap() > 30.0);
    // Everything else about that panel is fine: only Kδ fails.
    let failed = v["verdicts"].as_array().unwrap().iter().filter(|x| x["result"] == "fail").count();
    assert_eq!(failed, 1);
}

#[test]
fn contact_setup_derives_lamb_from_illuminance() {
    let dir = tempfile::tempdir().unwrap();
    let out = monqc(&["demo", "--setup", "contact", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(3), "{}", text(&out).1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Lamb = Rd · E = 0.005 · 50 lx (within the simulated meter's noise).
    assert!((v["lamb_cd_m2"].as_f64().unwrap() - 0.25).abs() < 0.002, "{}", v["lamb_cd_m2"]);
    assert_eq!(v["ambient"]["source"]["kind"], "diffuse-reflection");

    // The same for a CSV: --illuminance and --rd give Lamb = Rd · E, added
    // to every contact reading.
    let out = monqc(
        &["analyze", "tests/data/kdelta/gsdf_like.csv", "--grade", "1a", "--json"]
            .into_iter()
            .chain(["--method", "contact", "--illuminance", "50", "--rd", "0.005"])
            .collect::<Vec<_>>(),
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["lamb_cd_m2"].as_f64(), Some(0.25));
    assert_eq!(v["lmin_cd_m2"].as_f64(), Some(0.87));
    let out = monqc(
        &["analyze", "tests/data/kdelta/gsdf_like.csv", "--grade", "1a", "--illuminance", "50"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("add the display's --rd"), "{}", text(&out).1);
}

#[test]
fn gsdf_table_prints_table_b1_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    let out = monqc(&["gsdf", "table"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let (stdout, _) = text(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1024);
    assert_eq!(lines[0], "jnd,luminance");
    assert_eq!(lines[1], "1,0.0500");
    assert_eq!(lines[1023], "1023,3993.4040");
    let b1 = std::fs::read_to_string("calibration-data/reference/gsdf-table-b1.csv").unwrap();
    let rows: Vec<&str> = b1.lines().filter(|l| !l.starts_with('#')).skip(1).collect();
    assert_eq!(&lines[1..], &rows[..]);
}

#[test]
fn gsdf_single_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = monqc(&["gsdf", "luminance", "100"], dir.path());
    assert_eq!(text(&out).0.trim(), "1.8508");
    let out = monqc(&["gsdf", "jnd", "1.8508"], dir.path());
    let j: f64 = text(&out).0.trim().parse().unwrap();
    assert!((j - 100.0).abs() < 0.01, "{j}");
    let out = monqc(&["gsdf", "luminance", "1024"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("outside the GSDF range 1 to 1023"), "{}", text(&out).1);
    let out = monqc(&["gsdf", "jnd", "5000"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

/// Each kind of bad input: exit code 2, a message naming the problem, the
/// place and the fix, and never a panic.
#[test]
fn bad_input_gets_exit_code_2_and_a_message_naming_place_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = good_csv();
    // The good CSV with line `i` (0 = header) replaced by `row`.
    let swap = |i: usize, row: &str| {
        let mut lines: Vec<&str> = good.lines().collect();
        lines[i] = row;
        lines.join("\n") + "\n"
    };
    let cases: Vec<(&str, String, Vec<&str>, Vec<&str>)> = vec![
        (
            "empty.csv",
            String::new(),
            vec![],
            vec!["empty.csv is empty", "header line `ddl,luminance`"],
        ),
        (
            "nocol.csv",
            "ddl,value\n0,1\n".into(),
            vec![],
            vec!["nocol.csv:1", "no `luminance` column", "found: `ddl`, `value`"],
        ),
        (
            "text.csv",
            swap(3, "30,bright"),
            vec![],
            vec!["text.csv:4", "`bright` is not a number", "plain decimal number"],
        ),
        ("nan.csv", swap(5, "60,NaN"), vec![], vec!["nan.csv:6", "not a finite number"]),
        ("neg.csv", swap(2, "15,-1.5"), vec![], vec!["neg.csv:3", "-1.5 is negative"]),
        (
            "mono.csv",
            swap(8, "105,10.0"),
            vec!["--grade", "1a"],
            vec!["mono.csv:9", "not monotonic", "DDL 105", "measure these DDLs again"],
        ),
        (
            "few.csv",
            good.lines().take(13).collect::<Vec<_>>().join("\n") + "\n",
            vec!["--grade", "1a"],
            vec![
                "few.csv",
                "12 luminance-response readings",
                "needs 18",
                "JIRA BN01",
                "195, 210, 225, 240, 255",
            ],
        ),
        (
            "lamb.csv",
            good.clone(),
            vec!["--grade", "1a", "--method", "telescopic", "--lamb", "0.9"],
            vec!["lamb.csv:2", "Lamb = 0.9 cd/m² is not below L'min", "not lx"],
        ),
        (
            "std.csv",
            good.clone(),
            vec!["--standard", "nen-7000", "--grade", "1"],
            vec![
                "unknown standard `nen-7000`",
                "jesra-x0093, iec-62563-2, aapm-tg18, din-6868-157",
            ],
        ),
        (
            "only.csv",
            good.clone(),
            vec!["--grade", "1a", "--only", "kdelta,flux"],
            vec!["--only flux: no such item", "lmax, ratio, kdelta"],
        ),
        ("grade.csv", good.clone(), vec!["--grade", "3"], vec!["has no grade `3`", "1a, 1b, 2"]),
        ("nograde.csv", good.clone(), vec![], vec!["which grade?", "--grade"]),
    ];
    for (name, body, extra, wants) in cases {
        let path = write(d, name, &body);
        let mut args = vec!["analyze", path.as_str()];
        args.extend(extra);
        let out = monqc(&args, d);
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        for want in wants {
            assert!(stderr.contains(want), "{name}: expected {want:?} in: {stderr}");
        }
    }
    let out = monqc(&["analyze", d.join("missing.csv").to_str().unwrap(), "--grade", "1a"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("check the path"));
}

#[test]
fn a_damaged_or_edited_session_is_rejected_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.jsonl");
    let s = session.to_str().unwrap();
    assert_eq!(monqc(&["demo", "--session", s], dir.path()).status.code(), Some(3));
    let original = std::fs::read_to_string(&session).unwrap();
    let lines: Vec<&str> = original.lines().collect();

    let mut damaged = lines.clone();
    damaged[5] = "{\"kind\":\"response\",\"ddl\":\"oops\"}";
    std::fs::write(&session, damaged.join("\n") + "\n").unwrap();
    let out = monqc(&["analyze", s], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("s.jsonl:6: not a journal line"), "{}", text(&out).1);

    // A plausible edit of one reading: the hash chain catches it.
    let line = lines[10];
    let start = line.find("\"luminance_cd_m2\":").unwrap() + 18;
    let edited_line = format!("{}9{}", &line[..start], &line[start + 1..]);
    let mut edited = lines.clone();
    edited[10] = &edited_line;
    std::fs::write(&session, edited.join("\n") + "\n").unwrap();
    let out = monqc(&["analyze", s], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("s.jsonl:11: the hash chain is broken"), "{}", text(&out).1);

    // The demo never overwrites an existing session.
    let out = monqc(&["demo", "--session", s], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("never overwritten"), "{}", text(&out).1);
}

#[test]
fn constancy_compares_with_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = write(d, "base.csv", &good_csv());
    // The same display 15 % dimmer at every level.
    let dim: String = good_csv()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                return l.to_string();
            }
            let (ddl, lum) = l.split_once(',').unwrap();
            format!("{ddl},{}", lum.parse::<f64>().unwrap() * 0.85)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let now = write(d, "now.csv", &dim);
    let constancy = ["analyze", &now, "--grade", "2", "--test", "constancy", "--json"];
    // No standard gives a tolerance on the change of L'max: with the site's
    // own (--lmax-change-limit), it is judged and marked unsourced.
    let out =
        monqc(&[&constancy[..], &["--baseline", &base, "--lmax-change-limit", "10"]].concat(), d);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out).1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let change =
        v["verdicts"].as_array().unwrap().iter().find(|x| x["item"] == "lmax-change").unwrap();
    assert_eq!(change["result"], "fail");
    assert_eq!(change["basis"], "unsourced");
    assert!((change["value"].as_f64().unwrap() - 15.0).abs() < 1e-9);
    // Without a tolerance the change is reported, not judged.
    let out = monqc(&[&constancy[..], &["--baseline", &base]].concat(), d);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!v["verdicts"].as_array().unwrap().iter().any(|x| x["item"] == "lmax-change"));
    assert!((v["baseline"]["lmax_change_percent"].as_f64().unwrap() + 15.0).abs() < 1e-9);
    // Without a baseline the constancy test is never a pass (REDTEAM W3):
    // the missing baseline is named, with the fix.
    let out = monqc(&[&constancy[..], &["--lmax-change-limit", "10"]].concat(), d);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out).1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let change =
        v["verdicts"].as_array().unwrap().iter().find(|x| x["item"] == "lmax-change").unwrap();
    assert_eq!(change["result"], "not-evaluated");
    assert!(change["reason"].as_str().unwrap().contains("--baseline"));
    let out = monqc(&constancy, d);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out).1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let baseline = v["not_judged"].as_array().unwrap().iter().find(|n| n["item"] == "baseline");
    assert!(baseline.unwrap()["reason"].as_str().unwrap().contains("--baseline"), "{v}");
}

#[test]
fn every_simulated_meter_family_runs_the_demo_over_its_own_protocol() {
    let dir = tempfile::tempdir().unwrap();
    for meter in ["sim-ls100", "sim-cs100a", "sim-mavo", "sim-pr655", "sim-k10"] {
        let session = dir.path().join(format!("{meter}.jsonl"));
        let out = monqc(
            &["demo", "--meter", meter, "--time-scale", "0.02", "--json"]
                .into_iter()
                .chain(["--session", session.to_str().unwrap()])
                .collect::<Vec<_>>(),
            dir.path(),
        );
        let (stdout, stderr) = text(&out);
        // INCOMPLETE: the demo judges no visual item (and a meter without
        // colour leaves the chromaticity item unjudged).
        assert_eq!(out.status.code(), Some(3), "{meter}: {stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert!(v["kdelta_percent"].as_f64().unwrap() < 10.0, "{meter}");
        // Each luminance reading keeps the twin's reply bytes, in the
        // meter's own format, not the ideal meter's "SIM …" line.
        let journal = std::fs::read_to_string(&session).unwrap();
        let bn18 = journal.lines().find(|l| l.contains("JIRA-BN18")).unwrap();
        let line: serde_json::Value = serde_json::from_str(bn18).unwrap();
        let raw = line["body"]["raw"].as_str().unwrap();
        assert!(!raw.is_empty() && !raw.starts_with("SIM"), "{meter}: {raw}");
    }
    for illuminance in ["sim-cl200a", "sim-t10a"] {
        let out = monqc(
            &["demo", "--meter", "sim-ls100", "--illuminance-meter", illuminance]
                .into_iter()
                .chain(["--time-scale", "0.02", "--json"])
                .collect::<Vec<_>>(),
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(3), "{illuminance}: {}", text(&out).1);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let e = v["ambient"]["illuminance_lx"].as_f64().unwrap();
        assert!((e - 50.0).abs() < 1.0, "{illuminance}: {e}");
    }
    let out = monqc(&["demo", "--meter", "ls100:/dev/null"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("is not a simulated meter"), "{}", text(&out).1);
}

#[test]
fn the_sample_sessions_in_calibration_data_still_read_and_judge_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    // Every measured item of grade 1A is met; the visual items were never
    // judged (the demo measures only): INCOMPLETE, not PASS.
    let pass = monqc(
        &["analyze", "calibration-data/sessions/demo-gsdf-telescopic-1a.jsonl", "--json"],
        dir.path(),
    );
    assert_eq!(pass.status.code(), Some(3), "{}", text(&pass).1);
    let v: serde_json::Value = serde_json::from_slice(&pass.stdout).unwrap();
    assert!(v["verdicts"].as_array().unwrap().iter().all(|v| v["result"] == "pass"), "{v}");
    let fail =
        monqc(&["analyze", "calibration-data/sessions/demo-gamma22-telescopic.jsonl"], dir.path());
    assert_eq!(fail.status.code(), Some(1), "{}", text(&fail).1);
}

/// Issue 11 item 1, done-when: a CSV that leaves three items (ambient,
/// uniformity, chromaticity) and the visual items unjudged is INCOMPLETE,
/// exit 3, never PASS; the verdict names what is missing and why.
#[test]
fn a_csv_that_leaves_items_unjudged_is_incomplete_never_pass() {
    let dir = tempfile::tempdir().unwrap();
    let csv = ["analyze", "calibration-data/sessions/example-response.csv", "--grade", "1b"];
    let out = monqc(&csv, dir.path());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(!stdout.contains("PASS"), "{stdout}");
    assert!(stdout.contains("overall: INCOMPLETE (判定保留)"), "{stdout}");
    for item in
        ["ambient-ratio: Lamb not known", "uniformity: no uniformity readings", "chromaticity"]
    {
        assert!(stdout.contains(&format!("  - {item}")), "{item}: {stdout}");
    }
    assert!(stdout.contains("Lamb unknown, taken as 0"), "said beside L'max: {stdout}");
    let json = monqc(&[&csv[..], &["--json"]].concat(), dir.path());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["overall"], "incomplete");
    assert_eq!(v["lamb_unknown"], true);
    // --only judges the named items and says so; the rest stay unjudged.
    let only = monqc(&[&csv[..], &["--only", "kdelta,lmax,ratio"]].concat(), dir.path());
    let (stdout, _) = text(&only);
    assert_eq!(only.status.code(), Some(3));
    assert!(stdout.contains("this verdict covers only: kdelta, lmax, ratio"), "{stdout}");
    assert!(stdout.contains("excluded by --only"), "{stdout}");
    // The exit codes are in --help.
    let help = text(&monqc(&["--help"], dir.path())).0;
    assert!(help.contains("3 INCOMPLETE") && help.contains("判定保留"), "{help}");
}

/// REDTEAM W3: nothing judged is never PASS — a daily test of a CSV (an
/// empty table), a criteria table that covers no item of the grade, a
/// grade whose class has no numeric limit.
#[test]
fn nothing_judged_is_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let gamma = "tests/data/kdelta/gamma22.csv";
    let out = monqc(&["analyze", gamma, "--grade", "1a", "--test", "daily"], d);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(!stdout.contains("PASS") && stdout.contains("visual/overall"), "{stdout}");
    // A table whose only rule limits grade `a`, analysed for grade `b`.
    let table = write(
        d,
        "only-a.toml",
        "[standard]\nid = \"x\"\nname = \"X\"\ntitle = \"X\"\nresponse_points = 18\n\
         response_patterns = \"LN\"\nuniformity = \"max-deviation\"\n\
         expected_contrast = \"ideal-interval\"\n\
         [[grade]]\nid = \"a\"\nname = \"A\"\nusage = \"u\"\n\
         [[grade]]\nid = \"b\"\nname = \"B\"\nusage = \"u\"\n\
         [[rule]]\nitem = \"lmax\"\ntests = [\"acceptance\"]\ncomparison = \">=\"\n\
         limits = { a = 100.0 }\nclause = \"X §1 table\"\nbasis = \"standard\"\n",
    );
    let good = "tests/data/kdelta/gsdf_like.csv";
    let out = monqc(&["analyze", good, "--criteria", &table, "--grade", "b"], d);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("nothing was judged"), "{stdout}");
    let out = monqc(&["analyze", good, "--criteria", &table, "--grade", "a"], d);
    assert_eq!(out.status.code(), Some(0), "the one item of grade a, judged and met");
    // DIN 6868-157 class VIII sets no numeric limit.
    let out = monqc(&["analyze", good, "--standard", "din-6868-157", "--grade", "viii"], d);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out).0);
}

/// Issue 11 item 5: a 256- or 52-level response is judged over the
/// standard's 18 levels, giving the same Kδ as the 18 readings alone.
#[test]
fn a_dense_response_is_judged_over_the_standards_own_levels() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A GSDF display from 1 to 400 cd/m², every DDL.
    let lum = |ddl: u32| {
        let (j0, j1) = (
            monqc::numbers::gsdf::jnd_index(1.0).unwrap(),
            monqc::numbers::gsdf::jnd_index(400.0).unwrap(),
        );
        let j = j0 + f64::from(ddl) / 255.0 * (j1 - j0);
        // A small ripple on odd DDLs, which an all-levels Kδ would see.
        monqc::numbers::gsdf::luminance_cd_m2(j).unwrap() * if ddl % 2 == 1 { 1.02 } else { 1.0 }
    };
    let csv = |step: u32| -> String {
        std::iter::once("ddl,luminance".to_string())
            .chain((0..=255).step_by(step as usize).map(|d| format!("{d},{:.6}", lum(d))))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let kdelta = |name: &str, step: u32| -> f64 {
        let path = write(d, name, &csv(step));
        let out = monqc(&["analyze", &path, "--grade", "1a", "--json"], d);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["contrast_response"]["intervals"].as_array().unwrap().len(), 17, "{name}");
        v["kdelta_percent"].as_f64().unwrap()
    };
    let eighteen = kdelta("18.csv", 15);
    assert_eq!(kdelta("256.csv", 1), eighteen);
    assert_eq!(kdelta("52.csv", 5), eighteen);
}
