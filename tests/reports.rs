//! PDF reports of real records, read back with poppler (pdftotext, pdfinfo,
//! pdftoppm) in Japanese and English; CSV and JSON export.

use std::path::Path;
use std::process::{Command, Output};

fn monqc(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_monqc"))
        .args(args)
        .env("MONQC_DATA_DIR", data)
        .output()
        .unwrap()
}

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed (poppler-utils, installed by .ci/run): {e}"));
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn record_id(data: &Path) -> String {
    let idx =
        monqc::records::record::index(&monqc::records::store::Store::open(data).unwrap()).unwrap();
    idx.last().unwrap().record.clone()
}

#[test]
fn demo_report_in_both_languages_says_every_value_and_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (lang, words) in [
        (
            "ja",
            [
                "受入試験報告書",
                "識別情報",
                "試験結果",
                "合格",
                "最大輝度",
                "コントラスト応答",
                "付録",
                // The banner withholds the verdict and says what was not judged.
                "判定保留",
                "未判定: visual/overall",
                "20 % 背景",
            ],
        ),
        (
            "en",
            [
                "Acceptance test report",
                "Identification",
                "Results",
                "Pass",
                "Maximum luminance",
                "Contrast response",
                "Appendix",
                "Incomplete",
                "not judged: visual/overall",
                "20 % background",
            ],
        ),
    ] {
        let pdf = d.join(format!("{lang}.pdf"));
        let out = monqc(d, &["demo", "--json", "--lang", lang, "-o", pdf.to_str().unwrap()]);
        // The demo judges no visual item: INCOMPLETE (判定保留), exit 3.
        assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let text = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
        for w in words {
            assert!(text.contains(w), "{lang}: {w:?} missing");
        }
        // Every measured value and its verdict, formatted as the table prints them.
        for verdict in v["verdicts"].as_array().unwrap() {
            let value = verdict["value"].as_f64().unwrap();
            let unit = verdict["unit"].as_str().unwrap();
            let shown = match unit {
                "cd/m²" => format!("{value:.2}"),
                "%" => format!("{value:.2}"),
                _ if value < 1.0 => format!("{value:.4}"),
                _ => format!("{value:.1}"),
            };
            assert!(text.contains(&shown), "{lang}: {} = {shown} missing", verdict["item"]);
        }
        let lmin = format!("{:.4}", v["lmin_cd_m2"].as_f64().unwrap());
        assert!(text.contains(&lmin), "{lang}: raw L'min reading {lmin}");
        let id = record_id(d);
        let pages: usize = tool("pdfinfo", &[pdf.to_str().unwrap()])
            .lines()
            .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
            .unwrap();
        assert!(pages >= 3, "{lang}: {pages} pages");
        assert_eq!(text.matches(&id[..40]).count(), pages, "{lang}: record id in every footer");
        // Every page renders, and none is blank.
        let prefix = d.join(format!("page-{lang}"));
        tool("pdftoppm", &["-png", "-r", "30", pdf.to_str().unwrap(), prefix.to_str().unwrap()]);
        let rendered: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name().unwrap().to_string_lossy().starts_with(&format!("page-{lang}"))
            })
            .collect();
        assert_eq!(rendered.len(), pages);
        for png in rendered {
            assert!(std::fs::metadata(&png).unwrap().len() > 2000, "{}: blank?", png.display());
        }
    }
}

#[test]
fn the_same_record_gives_the_same_bytes_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let first = d.join("demo.pdf");
    let out =
        monqc(d, &["demo", "--panel", "gamma22", "--lang", "en", "-o", first.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let id = record_id(d);
    let again = d.join("again.pdf");
    let out = monqc(d, &["report", &id[..12], "--lang", "en", "-o", again.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&first).unwrap(), std::fs::read(&again).unwrap());
    let text = tool("pdftotext", &[again.to_str().unwrap(), "-"]);
    assert!(text.contains("Fail"), "gamma 2.2 fails Kδ");

    let json = monqc(d, &["export", &id, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["record_id"], id.as_str());
    assert_eq!(v["record"]["analysis"]["overall"], "fail");
    let csv = String::from_utf8(monqc(d, &["export", &id, "--format", "csv"]).stdout).unwrap();
    let kdelta = format!("{:.2}", v["record"]["analysis"]["kdelta_percent"].as_f64().unwrap());
    assert!(csv.contains(&kdelta), "CSV holds Kδ {kdelta}");
    assert!(csv.lines().count() > 40, "verdicts and raw readings");
}

#[test]
fn constancy_report_shows_the_trend_against_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let add =
        ["displays", "add", "--id", "d1", "--grade", "1b", "--setup", "telescopic", "--simulated"];
    assert_eq!(monqc(d, &add).status.code(), Some(0));
    for test in ["acceptance", "constancy", "constancy"] {
        let out = monqc(d, &["run", test, "--display", "d1", "--meter", "sim", "--yes"]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let pdf = d.join("c.pdf");
    let id = record_id(d);
    assert_eq!(
        monqc(d, &["report", &id, "--lang", "ja", "-o", pdf.to_str().unwrap()]).status.code(),
        Some(0)
    );
    let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    for w in [
        "不変性試験報告書",
        "L'max の基準値からの変化",
        "L'max (cd/m²) の推移",
        "基準値の記録",
        "目視試験",
    ] {
        assert!(text.contains(w), "{w:?} missing");
    }
}

/// Issue 11 items 3 and 7 in the PDF: a reading the meter flagged makes its
/// items "withheld" (判定保留) with the meter's words, never a plain pass; a
/// meter with a stated accuracy gives each value its ± (GUM, k = 2), in the
/// JSON as an interval.
#[test]
fn flagged_readings_and_uncertainty_reach_the_report() {
    use monqc::records::session::{self, SessionEntry, SessionWriter};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = d.join("demo.jsonl");
    let out = monqc(
        d,
        &["demo", "--meter", "sim-cs100a", "--time-scale", "0.02", "--json"]
            .into_iter()
            .chain(["--session", demo.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lmax = v["verdicts"].as_array().unwrap().iter().find(|x| x["item"] == "lmax").unwrap();
    let (value, u) = (lmax["value"].as_f64().unwrap(), &lmax["uncertainty"]);
    let expanded = u["expanded"].as_f64().unwrap();
    assert!(expanded > 0.01 * value && expanded < 0.05 * value, "±2 % meter: {u}");
    assert_eq!(u["coverage_factor"], 2.0);
    assert!((u["low"].as_f64().unwrap() - (value - expanded)).abs() < 1e-9, "{u}");

    // The same session with the meter's warning on its DDL 0 reading.
    let original = session::read(&demo).unwrap();
    let store = monqc::records::store::Store::open(d).unwrap();
    let path = store.session_path("flagged");
    let clock = || "2026-11-27T09:00:00.000Z".parse().unwrap();
    // Its own session (a session is known by its header line): started later.
    let header =
        session::SessionHeader { started: "2026-11-27T09:00:00.000Z".into(), ..original.header };
    let mut writer = SessionWriter::create(&path, &header, clock).unwrap();
    for mut e in original.entries {
        if let SessionEntry::Response { pattern, flags, .. } = &mut e
            && pattern == "JIRA-BN01"
        {
            flags.push(monqc::numbers::measurement::MeterFlag {
                kind: monqc::numbers::measurement::FlagKind::BelowRange,
                words: "OK13".into(),
            });
        }
        writer.append(&e).unwrap();
    }
    drop(writer);
    let out = monqc(d, &["analyze", path.to_str().unwrap()]);
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(3), "{table}");
    assert!(table.contains("unconfirmed"), "{table}");
    assert!(table.contains("DDL 0: below range (OK13)"), "{table}");
    let (id, rec) =
        monqc::measuring::lifecycle::finalise(&store, &path, &rec_header(&path), None, clock)
            .unwrap();
    let ratio = rec.analysis.verdicts.iter().find(|v| v.item.id() == "luminance-ratio").unwrap();
    assert_eq!(ratio.flags, ["DDL 0: below range (OK13)"]);
    let pdf = d.join("flagged.pdf");
    let out = monqc(d, &["report", &id, "--lang", "en", "-o", pdf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    for w in ["Incomplete", "Meter warnings", "below range (OK13)", "±", "JCGM 100:2008"] {
        assert!(text.contains(w), "{w:?} missing");
    }
}

fn rec_header(path: &Path) -> monqc::records::session::SessionHeader {
    monqc::records::session::read(path).unwrap().header
}
